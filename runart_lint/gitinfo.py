"""Read the commit and branch of a checkout from `.git`, without running git.

Running `git` in a repository under audit would run what that repository
configures (`core.fsmonitor`, hooks), so HEAD and refs are read as files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

from runart_lint.records import record

logger = logging.getLogger(__name__)

MAX_REF_BYTES = 64 * 1024
MAX_PACKED_REFS_BYTES = 32 * 1024 * 1024
MAX_SYMREF_DEPTH = 5
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


@record
class Revision:
    """The commit checked out, its branch, and the top of the work tree."""

    commit: str | None = None
    branch: str | None = None
    top: Path | None = None


def read_revision(start: Path, environ: Mapping[str, str] | None = None) -> Revision:
    """Return the commit and branch of the checkout holding `start`.

    In GitHub Actions a pull request is checked out on a detached merge commit,
    so when `.git` names no branch (or no commit) the runner's `GITHUB_HEAD_REF`,
    `GITHUB_REF_NAME` and `GITHUB_SHA` fill the gap.
    """
    found = _find_git_dir(start.resolve())
    revision = _from_git(*found) if found is not None else Revision()
    return _with_runner(revision, environ or {})


def work_tree_top(start: Path) -> Path | None:
    """Return the top of the git work tree holding `start`: the nearest `.git`."""
    resolved = start.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _find_git_dir(start: Path) -> tuple[Path, Path] | None:
    """Return the git directory and work-tree top for `start`, searching upward."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git, folder
        if dot_git.is_file():
            target = _gitdir_file(dot_git)
            return (target, folder) if target is not None else None
    return None


def _gitdir_file(dot_git: Path) -> Path | None:
    """Return the directory a `.git` file (worktree, submodule) points at."""
    text = _read_small(dot_git, MAX_REF_BYTES)
    if text is None or not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:") :].strip())
    target = target if target.is_absolute() else dot_git.parent / target
    return target if target.is_dir() else None


def _from_git(git_dir: Path, top: Path) -> Revision:
    """Return the revision HEAD names in `git_dir`."""
    common = _common_dir(git_dir)
    head = _read_small(git_dir / "HEAD", MAX_REF_BYTES)
    if head is None:
        return Revision(top=top)
    head = head.strip()
    if _SHA.match(head):
        return Revision(head, None, top)
    if not head.startswith("ref:"):
        return Revision(top=top)

    ref = head[len("ref:") :].strip()
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return Revision(_resolve(git_dir, common, ref), branch, top)


def _common_dir(git_dir: Path) -> Path:
    """Return where refs live: the `commondir` of a worktree, or `git_dir` itself."""
    text = _read_small(git_dir / "commondir", MAX_REF_BYTES)
    if text is None:
        return git_dir
    common = Path(text.strip())
    return common if common.is_absolute() else git_dir / common


def _resolve(git_dir: Path, common: Path, ref: str) -> str | None:
    """Return the commit a ref points at, following symbolic refs a few times."""
    for _ in range(MAX_SYMREF_DEPTH):
        if not _safe_ref(ref):
            logger.debug("ignoring a ref name that leaves the git directory: %r", ref)
            return None
        text = _loose_ref(git_dir, common, ref)
        if text is None:
            return _packed_ref(common, ref)
        if _SHA.match(text):
            return text
        if not text.startswith("ref:"):
            return None
        ref = text[len("ref:") :].strip()
    return None


def _safe_ref(ref: str) -> bool:
    """Return whether a ref name stays inside `refs/` (no `..`, no absolute path)."""
    parts = ref.split("/")
    return ref.startswith("refs/") and all(p and not p.startswith(".") for p in parts)


def _loose_ref(git_dir: Path, common: Path, ref: str) -> str | None:
    """Return the stripped content of a loose ref file, if there is one."""
    for folder in (git_dir, common):
        text = _read_small(folder / ref, MAX_REF_BYTES)
        if text is not None:
            return text.strip()
    return None


def _packed_ref(common: Path, ref: str) -> str | None:
    """Return the commit of `ref` in `packed-refs`."""
    text = _read_small(common / "packed-refs", MAX_PACKED_REFS_BYTES)
    for line in (text or "").splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and _SHA.match(sha):
            return sha
    return None


def _read_small(path: Path, limit: int) -> str | None:
    """Return a small regular file's text, or None if absent, odd or too big."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _with_runner(revision: Revision, environ: Mapping[str, str]) -> Revision:
    """Fill a missing commit or branch from the GitHub Actions runner's variables."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return revision
    commit = revision.commit
    if commit is None and _SHA.match(environ.get("GITHUB_SHA", "")):
        commit = environ["GITHUB_SHA"]
    branch = revision.branch
    if branch is None:
        branch = environ.get("GITHUB_HEAD_REF") or environ.get("GITHUB_REF_NAME")
    return Revision(commit, branch or None, revision.top)
