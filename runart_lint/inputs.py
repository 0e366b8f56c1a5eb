"""What an audit reads before any parsing: the options, the files and their text.

Kept apart from the engine so that a run whose result can be reused reads its
inputs without importing the loaders, the graph or the rules.
"""

from __future__ import annotations

from pathlib import Path

from runart_lint.findings import Severity
from runart_lint.loaders.discover import Discovery, SourceFile, discover
from runart_lint.loaders.reading import FileRefused, read_bounded
from runart_lint.loaders.tree import Diagnostic, Span
from runart_lint.records import field, record

MAX_FILE_BYTES = 2 * 1024 * 1024


@record
class Options:
    """What to check and how findings are adjusted."""

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    cache_dir: Path | None = None


@record
class ReadFile:
    """One discovered file and its text, or why it could not be read."""

    source: SourceFile
    text: str | None
    problem: Diagnostic | None


@record
class Inputs:
    """The files an audit covers, read once."""

    discovery: Discovery
    files: tuple[ReadFile, ...]


def read_inputs(root: Path, options: Options) -> Inputs:
    """Discover the files `options` selects under `root` and read each one."""
    discovery = included(discover(root, options.exclude), options.include)
    files = tuple(
        ReadFile(source, *read_text(root / source.path)) for source in discovery.files
    )
    return Inputs(discovery, files)


def read_text(path: Path) -> tuple[str | None, Diagnostic | None]:
    """Read a file as UTF-8, refusing huge, unreadable or undecodable files."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except FileRefused as refused:
        return None, Diagnostic(
            refused.code, refused.message, refused.help, Span.point(1, 1)
        )

    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        col = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, Diagnostic(
            "encoding",
            "file is not valid UTF-8",
            "save the file as UTF-8",
            Span.point(line, col),
        )


def included(discovery: Discovery, include: tuple[str, ...]) -> Discovery:
    """Return the discovery narrowed to files under or matching `include`."""
    if not include:
        return discovery
    from fnmatch import fnmatch

    patterns = tuple(pattern.strip("/") for pattern in include)
    files = tuple(
        f
        for f in discovery.files
        if any(
            f.path == p or f.path.startswith(f"{p}/") or fnmatch(f.path, p)
            for p in patterns
        )
    )
    return Discovery(files, discovery.skipped)
