"""Read one repository file safely: regular files only, no links, bounded size."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# What `stat` calls each kind of file that is not a regular one.
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
# O_NONBLOCK keeps a named pipe from blocking the open until a writer comes;
# O_NOFOLLOW refuses a repository file swapped for a link after discovery.
# Only the last part of the path is checked: a folder swapped for a link while
# the audit runs is followed.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FileRefused(Exception):
    """A file was not read: its diagnostic code, message and help."""

    def __init__(self, code: str, message: str, help_text: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.help = help_text


def read_bounded(path: Path, limit: int, *, follow_links: bool = False) -> bytes:
    """Return the bytes of the regular file at `path`, at most `limit` of them.

    Raise FileRefused for a link (unless `follow_links`), anything but a
    regular file, a file larger than `limit` (also one that grows past it
    while being read) and a file the system will not let us read.
    """
    try:
        descriptor = os.open(path, _FLAGS if follow_links else _FLAGS | _NO_FOLLOW)
    except OSError as error:
        raise _refusal(error) from None

    try:
        data = _read_regular(descriptor, limit)
    except OSError as error:
        raise _refusal(error) from None
    finally:
        os.close(descriptor)

    if len(data) > limit:
        raise _too_large(limit, len(data))
    return data


def _read_regular(descriptor: int, limit: int) -> bytes:
    """Return up to `limit + 1` bytes of an open regular file; OSError passes up."""
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(info.st_mode)
    if info.st_size > limit:
        raise _too_large(limit, info.st_size)

    chunks: list[bytes] = []
    wanted = limit + 1
    while wanted > 0:
        chunk = os.read(descriptor, min(wanted, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def _refusal(error: OSError) -> FileRefused:
    """Return the refusal for a file the system would not open or read."""
    if error.errno == errno.ELOOP:
        return FileRefused(
            "skipped",
            "not read: symbolic link, not followed",
            "replace the link with the file itself",
        )
    return FileRefused(
        "unreadable", f"cannot read file: {error.strerror}", "make the file readable"
    )


def _not_regular(mode: int) -> FileRefused:
    """Return the refusal for a path that is not a regular file."""
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return FileRefused(
        "not-a-file",
        f"not read: {kind}, not a regular file",
        "replace it with a regular file or exclude it",
    )


def _too_large(limit: int, size: int) -> FileRefused:
    """Return the refusal for a file past the size limit."""
    return FileRefused(
        "too-large",
        f"file is {size} bytes, larger than the {limit} bytes read",
        "split the file or exclude it from the audit",
    )
