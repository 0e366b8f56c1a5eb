"""An on-disk cache of parsed files, keyed by content hash and the tool's build.

A pre-commit hook audits the same, mostly unchanged files again and again;
decoding a cached tree is about three times faster than parsing the YAML.
Each entry holds a checksum of its payload: a damaged entry is detected,
ignored and rewritten, so the cache cannot change a result. Entries are
written to a temporary file and renamed into place. The same folder holds
the markers of pack and configuration texts that validated, so that later
runs of the same build skip pydantic.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runart_lint import __version__
from runart_lint.loaders.reading import FileRefused, read_bounded
from runart_lint.loaders.tree import (
    Diagnostic,
    Entry,
    Mapping,
    Node,
    ParsedFile,
    Scalar,
    Sequence,
    Span,
)

logger = logging.getLogger(__name__)

MAGIC = b"RLC1"
DIGEST_SIZE = 32
# A parsed 2 MiB file takes a few times its size; results are smaller.
MAX_ENTRY_BYTES = 64 * 1024 * 1024


def cache_root() -> Path:
    """Return the folder of the cache (`RUNART_LINT_CACHE_DIR` or the user's)."""
    explicit = os.environ.get("RUNART_LINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "runart-lint"


class ParseCache:
    """Parsed trees stored by the hash of the text they came from."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0

    def parse(
        self, path: str, kind: str, text: str, parse: Callable[[str, str], ParsedFile]
    ) -> ParsedFile:
        """Return the cached parse of `text`, parsing and storing it on a miss."""
        key = _digest(kind, text)
        entry = self.folder / "parsed" / key[:2] / key

        cached = _read(entry, path)
        if cached is not None:
            self.hits += 1
            return cached

        self.misses += 1
        parsed = parse(path, text)
        _write(entry, parsed)
        return parsed

    def validated(self, kind: str, text: str) -> bool:
        """Return whether this code validated `text` (a pack, a configuration)."""
        return self._marker(kind, text).is_file()

    def remember_valid(self, kind: str, text: str) -> None:
        """Record that `text` validated, so later runs of this code skip pydantic."""
        marker = self._marker(kind, text)
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError as error:
            logger.debug("cannot write the %s cache: %s", kind, error.strerror)

    def _marker(self, kind: str, text: str) -> Path:
        """Return the empty file that says `text` of `kind` validated."""
        return self.folder / "valid" / kind / f"{_digest(kind, text)}.ok"


def parse_toml(shown: str, text: str, cache: ParseCache | None) -> ParsedFile:
    """Parse TOML (a rule pack, the configuration), through `cache` if given.

    The TOML loader is imported only to parse: with the cache warm, a run
    never imports it, nor tomllib behind it.
    """

    def parse(path: str, source: str) -> ParsedFile:
        from runart_lint.loaders.toml_doc import load_toml

        return load_toml(path, source)

    return cache.parse(shown, "toml", text, parse) if cache else parse(shown, text)


def _digest(kind: str, text: str) -> str:
    """Return the key of `text` read as `kind` by this code, Python and PyYAML."""
    stamp = f"{__version__}\0{code_stamp()}\0{parser_stamp()}\0{kind}\0{text}"
    return hashlib.sha256(stamp.encode("utf-8", "surrogateescape")).hexdigest()


@functools.cache
def code_stamp() -> str:
    """Return a stamp of the package's own files: any changed module misses.

    Sizes, inode numbers and modification and change times, not contents:
    reading the package's source on every run would cost more than the cache
    saves on a small repository. A file written again gets a new change time
    even when its modification time is set back.
    """
    stamp = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith((".py", ".toml")):
                info = os.stat(os.path.join(folder, name))
                facts = (info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
                stamp.update(f"{folder}/{name}\0{facts}\0".encode())
    return stamp.hexdigest()


@functools.cache
def parser_stamp() -> str:
    """Return a stamp of the Python and PyYAML installation the parsers come from.

    PyYAML is located without importing it (a warm run never does): the stamp
    lists its files with their size, modification and change times.
    """
    from importlib.machinery import PathFinder  # importlib.util costs 3 ms more

    parts = [sys.version]
    spec = PathFinder.find_spec("yaml")
    folders = spec.submodule_search_locations if spec is not None else None
    for folder in folders or ():
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file():
                info = entry.stat()
                parts.append(
                    f"{entry.path}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
                )
    return "\0".join(parts)


def _read(entry: Path, path: str) -> ParsedFile | None:
    """Return the entry's parse for `path`, or None if absent or damaged."""
    payload = read_payload(entry, MAGIC)
    if payload is None:
        return None
    try:
        tree, diagnostics = marshal.loads(payload)
        root = _decode(tree) if tree is not None else None
        return ParsedFile(path, root, tuple(_diagnostic(d) for d in diagnostics))
    except (ValueError, TypeError, IndexError, KeyError, EOFError):
        logger.debug("ignoring a cache entry that does not decode %s", entry.name)
        return None


def read_payload(entry: Path, magic: bytes) -> bytes | None:
    """Return an entry's payload; None if it is missing, strange or damaged.

    An entry is `magic`, the SHA-256 of the payload, then the payload. It is
    read like a repository file: a link, a named pipe or a device put in the
    cache folder is refused instead of followed, waited on or read without end.
    """
    try:
        data = read_bounded(entry, MAX_ENTRY_BYTES)
    except FileRefused as refused:
        if refused.code != "unreadable" or entry.exists():
            logger.debug("ignoring the cache entry %s: %s", entry.name, refused)
        return None

    header = data[: len(magic)]
    digest = data[len(magic) : len(magic) + DIGEST_SIZE]
    payload = data[len(magic) + DIGEST_SIZE :]
    if header != magic or hashlib.sha256(payload).digest() != digest:
        logger.debug("ignoring a damaged cache entry %s", entry.name)
        return None
    return payload


def write_payload(entry: Path, magic: bytes, payload: bytes) -> None:
    """Store an entry by writing a temporary file and renaming it into place.

    A cache that cannot be written is simply not used.
    """
    temporary = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(magic + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, entry)
    except OSError as error:
        logger.debug("cannot write the cache: %s", error.strerror)
        with contextlib.suppress(OSError):
            temporary.unlink()


def _write(entry: Path, parsed: ParsedFile) -> None:
    """Store a parse; a cache that cannot be written is simply not used."""
    tree = _encode(parsed.root) if parsed.root is not None else None
    diagnostics = [
        (d.code, d.message, d.help, tuple(d.span)) for d in parsed.diagnostics
    ]
    write_payload(entry, MAGIC, marshal.dumps((tree, diagnostics)))


def _encode(node: Node) -> Any:
    """Return a node as nested tuples and lists that marshal can store."""
    if isinstance(node, Scalar):
        return (0, node.value, tuple(node.span))
    if isinstance(node, Sequence):
        return (1, tuple(node.span), [_encode(item) for item in node.items])
    return (
        2,
        tuple(node.span),
        [(k, tuple(e.key_span), _encode(e.value)) for k, e in node.entries.items()],
    )


# The stored spans are already 4-tuples; making them Spans this way skips the
# named tuple's Python-level `__new__`, half the cost of a decode.
_span = functools.partial(tuple.__new__, Span)


def _decode(data: Any) -> Node:
    """Rebuild a node from `_encode`'s form."""
    kind = data[0]
    if kind == 0:
        return Scalar(data[1], _span(data[2]))
    if kind == 1:
        return Sequence(tuple([_decode(item) for item in data[2]]), _span(data[1]))
    entries = {
        key: Entry(key, _span(key_span), _decode(value))
        for key, key_span, value in data[2]
    }
    return Mapping(entries, _span(data[1]))


def _diagnostic(data: Any) -> Diagnostic:
    """Rebuild a diagnostic from its stored tuple."""
    code, message, help_text, span = data
    return Diagnostic(code, message, help_text, Span(*span))
