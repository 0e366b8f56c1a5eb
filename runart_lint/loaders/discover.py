"""Find the wrangler configs, workflows and local actions of a repository."""

from __future__ import annotations

import enum
import logging
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from runart_lint.records import record

logger = logging.getLogger(__name__)

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "vendor",
        "vendors",
        "third_party",
        "third-party",
        ".venv",
        "venv",
        "__pycache__",
        ".wrangler",
        ".tox",
        ".nox",
    }
)
WRANGLER_NAME = re.compile(r"^wrangler(?:[.-][^/]*)?\.(?:toml|json|jsonc)$")
WORKFLOW_NAME = re.compile(r"^[^/]+\.ya?ml$")
ACTION_NAME = frozenset({"action.yml", "action.yaml"})


class FileKind(enum.Enum):
    """What a discovered file is to the audit."""

    WRANGLER = "wrangler"
    WORKFLOW = "workflow"
    ACTION = "action"


@record(order=True)
class SourceFile:
    """A file to load: its repository-relative POSIX path and what it is."""

    path: str
    kind: FileKind
    inert: bool = False


LINK_HELP = "replace the link with the file itself"


@record
class SkippedPath:
    """A path the audit did not read, why, and what would let it be read."""

    path: str
    reason: str
    help: str = LINK_HELP

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", printable(self.path))


def printable(path: str) -> str:
    """Return `path` with bytes that are not UTF-8 shown as U+FFFD.

    `os.walk` hands such names over as surrogate escapes, which no report can
    encode.
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@record
class Discovery:
    """The files found under a root, and the paths passed over."""

    files: tuple[SourceFile, ...]
    skipped: tuple[SkippedPath, ...]


def discover(root: Path, exclude: Iterable[str] = ()) -> Discovery:
    """Walk `root` without following links and classify every file of interest."""
    excluded = tuple(pattern.strip("/") for pattern in exclude)
    files: list[SourceFile] = []
    skipped: list[SkippedPath] = []

    for folder, dirs, names in os.walk(root, onerror=_log_walk_error(skipped, root)):
        rel_folder = _relative(root, Path(folder))
        dirs[:] = sorted(d for d in dirs if _keep_dir(root, folder, d, skipped))
        for name in sorted(names):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if _is_excluded(rel, excluded):
                continue
            kind = _classify(rel, name)
            if kind is None:
                continue
            if printable(rel) != rel:
                reason = "path is not valid UTF-8"
                skipped.append(SkippedPath(rel, reason, "rename it in UTF-8"))
                continue
            if os.path.islink(os.path.join(folder, name)):
                skipped.append(SkippedPath(rel, "symbolic link, not followed"))
                continue
            files.append(SourceFile(rel, kind, inert=_is_inert(rel, kind)))

    return Discovery(tuple(sorted(files)), tuple(skipped))


def _keep_dir(root: Path, folder: str, name: str, skipped: list[SkippedPath]) -> bool:
    """Return whether to descend into `name`; links and vendored trees are not."""
    if name in SKIPPED_DIRS:
        return False
    rel = _relative(root, Path(folder) / name)
    if os.path.islink(os.path.join(folder, name)):
        if name in (".github", "workflows") or "wrangler" in name:
            skipped.append(SkippedPath(rel, "symbolic link, not followed"))
        elif not _inside(root, Path(folder) / name):
            reason = "symbolic link to a folder outside the repository, not followed"
            skipped.append(SkippedPath(rel, reason, "remove the link or exclude it"))
        return False
    if _classify(rel, name) is not None:
        reason = "a folder, not a file"
        skipped.append(SkippedPath(rel, reason, "rename the folder or exclude it"))
    return True


def _inside(root: Path, link: Path) -> bool:
    """Return whether a link resolves to a place inside `root`; nothing is read."""
    target = Path(os.path.realpath(link))
    return target.is_relative_to(os.path.realpath(root))


def classify(rel: str) -> FileKind | None:
    """Return what kind of file the repository path `rel` is, or None."""
    return _classify(rel, rel.rsplit("/", 1)[-1])


def is_inert_workflow(rel: str) -> bool:
    """Return whether `rel` is a workflow file that GitHub never runs."""
    kind = classify(rel)
    return kind is FileKind.WORKFLOW and _is_inert(rel, kind)


def _classify(rel: str, name: str) -> FileKind | None:
    """Return what kind of file `rel` is, or None if the audit ignores it."""
    if WRANGLER_NAME.match(name):
        return FileKind.WRANGLER
    parts = rel.split("/")
    if len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"]:
        return FileKind.WORKFLOW if WORKFLOW_NAME.match(name) else None
    if name in ACTION_NAME and ".github" in parts[:-1]:
        return FileKind.ACTION
    return None


def _is_inert(rel: str, kind: FileKind) -> bool:
    """Return whether GitHub would never run this workflow.

    GitHub only runs workflows in the root `.github/workflows/` folder, not in
    its subfolders nor in other folders of that name.
    """
    if kind is not FileKind.WORKFLOW:
        return False
    return not (rel.startswith(".github/workflows/") and rel.count("/") == 2)


def _is_excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """Return whether `rel` is under or matches one of the exclude patterns."""
    from fnmatch import fnmatch

    return any(rel == p or rel.startswith(f"{p}/") or fnmatch(rel, p) for p in patterns)


def _relative(root: Path, path: Path) -> str:
    """Return `path` relative to `root` in POSIX form ('' for the root)."""
    rel = os.path.relpath(path, root)
    return "" if rel == "." else Path(rel).as_posix()


def _log_walk_error(
    skipped: list[SkippedPath], root: Path
) -> Callable[[OSError], None]:
    """Return an `os.walk` error handler that records unreadable folders."""

    def record(error: OSError) -> None:
        rel = _relative(root, Path(error.filename)) if error.filename else ""
        rel = rel or "."
        logger.warning("cannot read %s: %s", rel, error.strerror)
        help_text = "make the folder readable or exclude it"
        skipped.append(SkippedPath(rel, f"cannot read: {error.strerror}", help_text))

    return record
