"""Reading the commit and branch from `.git` without running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from runart_lint.gitinfo import Revision, read_revision

SHA = "1234567890abcdef1234567890abcdef12345678"
OTHER = "fedcba0987654321fedcba0987654321fedcba09"


def _git(root: Path, head: str, refs: dict[str, str] | None = None) -> Path:
    git = root / ".git"
    git.mkdir(parents=True)
    (git / "HEAD").write_text(head)
    for name, text in (refs or {}).items():
        path = git / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return git


def test_branch_and_loose_ref(tmp_path: Path) -> None:
    _git(tmp_path, "ref: refs/heads/main\n", {"refs/heads/main": f"{SHA}\n"})

    assert read_revision(tmp_path) == Revision(SHA, "main", tmp_path.resolve())


def test_packed_ref_and_slash_in_branch(tmp_path: Path) -> None:
    packed = (
        f"# pack-refs with: peeled fully-peeled sorted\n{OTHER} refs/heads/x\n"
        f"{SHA} refs/heads/deploy/preview2\n^{OTHER}\n"
    )
    _git(tmp_path, "ref: refs/heads/deploy/preview2\n", {"packed-refs": packed})

    revision = read_revision(tmp_path / "apps")

    assert (revision.commit, revision.branch) == (SHA, "deploy/preview2")


def test_detached_head(tmp_path: Path) -> None:
    _git(tmp_path, f"{SHA}\n")

    assert read_revision(tmp_path) == Revision(SHA, None, tmp_path.resolve())


def test_unborn_branch_has_no_commit(tmp_path: Path) -> None:
    _git(tmp_path, "ref: refs/heads/main\n")

    assert read_revision(tmp_path) == Revision(None, "main", tmp_path.resolve())


def test_searches_upward_from_a_subfolder(tmp_path: Path) -> None:
    _git(tmp_path, "ref: refs/heads/main\n", {"refs/heads/main": SHA})
    inner = tmp_path / "apps" / "briefing"
    inner.mkdir(parents=True)

    assert read_revision(inner).top == tmp_path.resolve()


def test_worktree_reads_refs_from_the_common_dir(tmp_path: Path) -> None:
    main_git = _git(
        tmp_path / "main", "ref: refs/heads/main\n", {"refs/heads/feature": f"{SHA}\n"}
    )
    private = main_git / "worktrees" / "feature"
    private.mkdir(parents=True)
    (private / "HEAD").write_text("ref: refs/heads/feature\n")
    (private / "commondir").write_text("../..\n")
    tree = tmp_path / "feature"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {private}\n")

    assert read_revision(tree) == Revision(SHA, "feature", tree.resolve())


@pytest.mark.parametrize(
    "head",
    [
        "ref: refs/heads/../../../../etc/hostname\n",
        "ref: /etc/hostname\n",
        "ref: refs/heads/.hidden\n",
        "garbage\n",
        "\xff\n",
    ],
)
def test_refs_that_leave_the_git_dir_or_make_no_sense_give_no_commit(
    tmp_path: Path, head: str
) -> None:
    _git(tmp_path, head)

    assert read_revision(tmp_path).commit is None


def test_symbolic_ref_loop_ends(tmp_path: Path) -> None:
    _git(
        tmp_path,
        "ref: refs/heads/a\n",
        {"refs/heads/a": "ref: refs/heads/b\n", "refs/heads/b": "ref: refs/heads/a\n"},
    )

    assert read_revision(tmp_path).commit is None


def test_no_git_outside_actions_knows_nothing(tmp_path: Path) -> None:
    revision = read_revision(tmp_path, {"GITHUB_SHA": SHA, "GITHUB_REF_NAME": "main"})

    assert revision.commit != SHA
    assert revision.branch != "main" or revision.top is not None


def test_runner_variables_fill_the_gaps(tmp_path: Path) -> None:
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SHA": SHA,
        "GITHUB_REF_NAME": "7/merge",
        "GITHUB_HEAD_REF": "feature/x",
    }
    _git(tmp_path / "repo", f"{OTHER}\n")

    detached = read_revision(tmp_path / "repo", environ)
    bare = read_revision(tmp_path, {**environ, "GITHUB_SHA": "not-a-sha"})

    assert (detached.commit, detached.branch) == (OTHER, "feature/x")
    assert bare.branch == "feature/x"
    assert bare.commit != "not-a-sha"
