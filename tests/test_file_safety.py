"""Reading and writing files safely: special files, links, limits, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runart_lint.cli import UsageError, write_atomic
from runart_lint.loaders.discover import discover
from runart_lint.loaders.reading import FileRefused, read_bounded


def _refusal(path: Path, limit: int = 100, **kwargs: bool) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        read_bounded(path, limit, **kwargs)
    return refused.value


def test_a_regular_file_is_read_up_to_the_limit(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)

    assert read_bounded(tmp_path / "f", 100) == b"x" * 100
    assert _refusal(tmp_path / "f", 99).message == (
        "file is 100 bytes, larger than the 99 bytes read"
    )


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "wrangler.toml")

    refused = _refusal(tmp_path / "wrangler.toml")

    assert (refused.code, refused.message) == (
        "not-a-file",
        "not read: a named pipe, not a regular file",
    )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "a folder" in _refusal(tmp_path).message


def test_a_link_is_refused_unless_links_are_followed(tmp_path: Path) -> None:
    (tmp_path / "target").write_text("data")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    refused = _refusal(tmp_path / "link")

    assert refused.message == "not read: symbolic link, not followed"
    assert read_bounded(tmp_path / "link", 100, follow_links=True) == b"data"


def test_a_missing_file_is_reported_as_unreadable(tmp_path: Path) -> None:
    refused = _refusal(tmp_path / "absent")

    assert (refused.code, refused.help) == ("unreadable", "make the file readable")


def test_discovery_reports_links_and_folders_named_like_configs(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    repo = tmp_path / "repo"
    (outside / "site").mkdir(parents=True)
    (repo / "apps").mkdir(parents=True)
    (repo / "apps" / "site").symlink_to(outside / "site")
    (repo / "apps" / "again").symlink_to(repo / "apps")
    (repo / ".github" / "workflows" / "deploy.yml").mkdir(parents=True)

    found = discover(repo)

    assert [(s.path, s.reason, s.help) for s in found.skipped] == [
        (
            ".github/workflows/deploy.yml",
            "a folder, not a file",
            "rename the folder or exclude it",
        ),
        (
            "apps/site",
            "symbolic link to a folder outside the repository, not followed",
            "remove the link or exclude it",
        ),
    ]


def test_discovery_reports_a_path_that_is_not_utf8(tmp_path: Path) -> None:
    with open(os.fsencode(tmp_path) + b"/wrangler.\xff.toml", "wb") as handle:
        handle.write(b"name = 'x'\n")

    found = discover(tmp_path)

    assert found.files == ()
    assert [(s.path, s.reason) for s in found.skipped] == [
        ("wrangler.\ufffd.toml", "path is not valid UTF-8")
    ]


def test_write_atomic_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    write_atomic(target, "new")

    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    "failure", [OSError(28, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    def fail(descriptor: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    expected = UsageError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        write_atomic(target, "new")

    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_atomic_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as error:
        write_atomic(tmp_path / "missing" / "report.json", "x")

    assert "No such file or directory" in str(error.value)
