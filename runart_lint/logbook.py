"""Append entries to a Markdown log without ever losing what is already there.

The log is never rewritten in place. Under an exclusive lock on its folder,
the whole new file (the old bytes unchanged, then the entry) is written
beside it, flushed to disk and renamed over it. A reader, or a writer killed
at any moment, sees the old file or the new one, never half an entry; two CI
jobs appending at once both land, one after the other. The folder is locked
rather than the file because the rename replaces the file.

Only runart-lint takes that lock: a line another program appends with `>>`
while a new copy is being renamed into place is lost.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = 60.0
LOCK_POLL = 0.05
MAX_LOG_BYTES = 64 * 1024 * 1024
TEMP_SUFFIX = ".runart-tmp"
NOT_A_FILE_HELP = "give the path of a Markdown file"


class LogError(Exception):
    """A log that must not be written, with what to do about it."""

    def __init__(self, message: str, help_text: str) -> None:
        super().__init__(message)
        self.help_text = help_text


def append_entry(
    path: Path,
    entry: str,
    *,
    boundary: Path | None,
    title: str = "",
    already_there: Callable[[str], bool] | None = None,
    timeout: float = LOCK_TIMEOUT,
) -> bool:
    """Append `entry` to the log at `path`; return False if it was already there.

    A log that does not exist, or is empty, is created starting with `title`;
    inside `boundary` (the repository) its missing folders are made too,
    elsewhere its folder must exist.
    When `boundary` is given, a log path inside it must not lead out of it
    through a symbolic link. `already_there` is asked, under the lock, whether
    the log's text already holds this entry.
    """
    target = checked_target(path, boundary)
    try:
        if boundary is not None and _inside(target, Path(os.path.realpath(boundary))):
            target.parent.mkdir(parents=True, exist_ok=True)
        with _locked(target.parent, timeout):
            return _append_locked(target, entry, title, already_there)
    except OSError as error:
        raise LogError(
            f"cannot write {path}: {error.strerror or error}",
            "choose a writable path in an existing folder",
        ) from None


def _append_locked(
    target: Path,
    entry: str,
    title: str,
    already_there: Callable[[str], bool] | None,
) -> bool:
    """Append under the lock: clean up, read, check for the entry, replace."""
    _remove_leftovers(target)
    old = _read_log(target)

    text = old.decode("utf-8") if old is not None else ""
    if already_there is not None and already_there(text):
        logger.info("%s already holds this entry; nothing appended", target)
        return False

    _replace(target, _joined(old, title, entry), _mode(target))
    return True


def checked_target(path: Path, boundary: Path | None) -> Path:
    """Return the real file to write, refusing links out of the repository."""
    lexical = Path(os.path.abspath(path))
    real = Path(os.path.realpath(path))
    if boundary is not None and _inside(lexical, Path(os.path.abspath(boundary))):
        top = Path(os.path.realpath(boundary))
        if not _inside(real, top):
            raise LogError(
                f"{path} is a symbolic link out of the repository (to {real})",
                "replace the link with the log itself, or pass a path outside "
                "the repository explicitly",
            )
    if real.exists() and not real.is_file():
        raise LogError(f"{path} is not a regular file", NOT_A_FILE_HELP)
    return real


def _inside(path: Path, folder: Path) -> bool:
    """Return whether `path` is `folder` or below it."""
    return path == folder or folder in path.parents


@contextlib.contextmanager
def _locked(folder: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on `folder`, waiting up to `timeout` seconds."""
    try:
        import fcntl
    except ImportError:  # Windows has no `flock`, so no log can be shared safely.
        raise LogError(
            "appending to a log needs POSIX file locks (`flock`)",
            "write the log from a Linux or macOS runner",
        ) from None

    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LogError(
                        f"another writer has held the lock on {folder} for "
                        f"{timeout:.0f} s",
                        "wait for the other run to finish and try again",
                    ) from None
                time.sleep(LOCK_POLL)
        yield
    finally:
        os.close(descriptor)


def _remove_leftovers(target: Path) -> None:
    """Delete new copies a killed writer left; under the lock none is in use."""
    pattern = f".{glob.escape(target.name)}.*{TEMP_SUFFIX}"
    for leftover in target.parent.glob(pattern):
        logger.debug("removing %s, left by an interrupted write", leftover)
        leftover.unlink(missing_ok=True)


def check_log(path: Path, boundary: Path | None) -> None:
    """Raise `LogError` now for a log that `append_entry` would refuse.

    Checks what can be known before writing: links out of `boundary`, a file
    that is not regular, too large or not UTF-8. A lock held by another run
    can still stop the append later.
    """
    _read_log(checked_target(path, boundary))


def _read_log(target: Path) -> bytes | None:
    """Return the log's bytes, None if there is none; refuse non-UTF-8 or huge."""
    try:
        info = target.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise LogError(f"{target} is not a regular file", NOT_A_FILE_HELP)
    if info.st_size > MAX_LOG_BYTES:
        raise LogError(
            f"{target} is larger than {MAX_LOG_BYTES} bytes",
            "start a new log and keep this one as an archive",
        )

    data = target.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        col = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise LogError(
            f"not valid UTF-8 at {target}:{line}:{col}",
            "convert the file to UTF-8, then run again",
        ) from None
    return data


def _joined(old: bytes | None, title: str, entry: str) -> bytes:
    """Return the old bytes untouched, a blank line, then the entry."""
    if not old:
        head = f"{title}\n" if title else ""
        return (head + entry).encode("utf-8")
    if old.endswith(b"\n\n"):
        gap = b""
    elif old.endswith(b"\n"):
        gap = b"\n"
    else:
        gap = b"\n\n"
    return old + gap + entry.encode("utf-8")


def _mode(target: Path) -> int | None:
    """Return the permission bits of the existing log, None if there is none."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return None


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    """Write `data` to a new file beside `target`, flush it, rename it over."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        _write_all(descriptor, data)
        if mode is not None:
            os.fchmod(descriptor, mode)
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        temporary.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    os.replace(temporary, target)
    _sync_folder(target.parent)


def _write_all(descriptor: int, data: bytes) -> None:
    """Write every byte, however many calls it takes."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _sync_folder(folder: Path) -> None:
    """Flush the folder so that the rename itself survives a crash."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
