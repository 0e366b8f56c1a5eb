"""The report options of the command line: --bitacora, --sarif, --summary, formats."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from sarif_schema import validate_sarif

from runart_lint.cli import main

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a CI runner's variables from naming a commit or a branch here."""
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_SHA",
        "GITHUB_REF_NAME",
        "GITHUB_HEAD_REF",
        "GITHUB_WORKSPACE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a copy of the example pipeline checked out on `develop`."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/develop\n")
    (git / "refs" / "heads" / "develop").write_text(f"{COMMIT}\n")
    return root


def _run(*args: str) -> int:
    return main([*args, "--no-config"])


def test_bitacora_creates_the_log_with_a_title_and_names_commit_and_branch(
    repo: Path,
) -> None:
    log = repo / "docs" / "bitacora.md"

    assert _run(str(repo), "--bitacora", str(log)) == 1

    text = log.read_text(encoding="utf-8")
    assert text.startswith("# Bitácora de auditorías de despliegue (runart-lint)\n\n")
    assert "\n## Auditoría runart-lint — " in text
    assert f"- Commit: `{COMMIT}`\n- Rama: `develop`\n" in text
    assert "- Evidencias (SARIF): —\n" in text


def test_same_audit_of_same_commit_is_appended_once(repo: Path) -> None:
    log = repo / "log.md"
    log.write_text("# Bitácora\n\nentrada a mano\n", encoding="utf-8")

    _run(str(repo), "--bitacora", str(log))
    once = log.read_bytes()
    _run(str(repo), "--bitacora", str(log), "--lang", "en")

    assert log.read_bytes() == once
    assert once.startswith("# Bitácora\n\nentrada a mano\n\n## ".encode())
    assert once.count(b"\n## ") == 1


def test_another_commit_gets_its_own_entry(repo: Path) -> None:
    log = repo / "log.md"
    _run(str(repo), "--bitacora", str(log))

    (repo / ".git" / "refs" / "heads" / "develop").write_text("f" * 40 + "\n")
    _run(str(repo), "--bitacora", str(log), "--lang", "en")

    text = log.read_text(encoding="utf-8")
    assert text.count("\n## ") == 2
    assert "\n## runart-lint audit — " in text
    assert "- Commit: `" + "f" * 40 + "`" in text


def test_bitacora_without_file_uses_the_pack_log(repo: Path) -> None:
    pack = _pack_with_log(repo, 'log = "docs/ci/082.md"')

    assert _run(str(repo), "--pack", str(pack), "--bitacora") == 1

    assert (repo / "docs" / "ci" / "082.md").is_file()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "names no log for --bitacora"),
        ('log = "../outside.md"', "must stay inside the repository"),
        ('log = "/tmp/outside.md"', "must stay inside the repository"),
    ],
)
def test_pack_log_must_be_set_and_inside(
    repo: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    pack = _pack_with_log(repo, line)

    assert _run(str(repo), "--pack", str(pack), "--bitacora") == 2

    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (repo.parent / "outside.md").exists()


def _pack_with_log(repo: Path, line: str) -> Path:
    """Return a copy of the default pack with `line` as its `log` setting."""
    text = (REPO / "rules" / "runart-foundry.toml").read_text(encoding="utf-8")
    start = text.index("log = ")
    end = text.index("\n", start)
    pack = repo.parent / "pack.toml"
    pack.write_text(text[:start] + line + text[end:], encoding="utf-8")
    return pack


def test_non_utf8_log_is_an_error_not_a_write(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = repo / "log.md"
    before = b"# Bit\xe1cora\nok\n"
    log.write_bytes(before)

    assert _run(str(repo), "--bitacora", str(log)) == 2

    assert log.read_bytes() == before
    err = capsys.readouterr().err
    assert f"error: --bitacora: not valid UTF-8 at {log}:1:6" in err
    assert "help: convert the file to UTF-8" in err


def test_symlink_out_of_the_repository_is_an_error_not_a_write(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = repo.parent / "victim.md"
    outside.write_text("precious\n")
    (repo / "log.md").symlink_to(outside)

    assert _run(str(repo), "--bitacora", str(repo / "log.md")) == 2

    assert outside.read_text() == "precious\n"
    assert "is a symbolic link out of the repository" in capsys.readouterr().err


def test_symlinked_folder_out_of_the_repository_is_refused(repo: Path) -> None:
    elsewhere = repo.parent / "elsewhere"
    elsewhere.mkdir()
    (repo / "docs").symlink_to(elsewhere, target_is_directory=True)

    assert _run(str(repo), "--bitacora", str(repo / "docs" / "log.md")) == 2

    assert not list(elsewhere.iterdir())


def test_symlink_inside_the_repository_is_followed_and_kept(repo: Path) -> None:
    real = repo / "docs" / "082.md"
    real.parent.mkdir()
    real.write_text("# Bitácora 082\n", encoding="utf-8")
    (repo / "082.md").symlink_to(real)

    _run(str(repo), "--bitacora", str(repo / "082.md"))

    assert (repo / "082.md").is_symlink()
    assert real.read_text(encoding="utf-8").startswith("# Bitácora 082\n\n## ")


def test_log_that_is_a_folder_is_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "log.md").mkdir()

    assert _run(str(repo), "--bitacora", str(repo / "log.md")) == 2

    assert "log.md is a folder" in capsys.readouterr().err


def test_sarif_beside_the_log_entry_and_exit_code_still_reflects_findings(
    repo: Path,
) -> None:
    sarif = repo / "out" / "runart-lint.sarif"
    sarif.parent.mkdir()
    log = repo / "log.md"

    code = _run(
        str(repo), "--format", "github", "--sarif", str(sarif), "--bitacora", str(log)
    )

    assert code == 1
    validate_sarif(json.loads(sarif.read_text(encoding="utf-8")))
    assert "- Evidencias (SARIF): `out/runart-lint.sarif`\n" in log.read_text("utf-8")
    assert _run(str(repo), "--sarif", str(sarif), "--fail-on", "never") == 0


def test_sarif_output_is_named_in_the_entry(repo: Path) -> None:
    sarif = repo / "audit.sarif"
    log = repo / "log.md"

    assert (
        _run(
            str(repo),
            "--format",
            "sarif",
            "-o",
            str(sarif),
            "--bitacora",
            str(log),
            "--fail-on",
            "error",
        )
        == 1
    )

    validate_sarif(json.loads(sarif.read_text(encoding="utf-8")))
    assert "- Evidencias (SARIF): `audit.sarif`\n" in log.read_text("utf-8")


def test_summary_is_appended_to_the_step_summary(repo: Path) -> None:
    summary = repo.parent / "step_summary"
    summary.write_text("earlier step\n")

    _run(str(repo), "--summary", str(summary), "--lang", "en")

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n\n## runart-lint audit: FAIL\n")
    assert "```mermaid\nflowchart LR\n" in text


def test_markdown_format_on_standard_output(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(str(repo), "--format", "markdown") == 1

    assert capsys.readouterr().out.startswith("## Auditoría runart-lint: FAIL\n")


def test_github_annotations_name_files_from_the_workspace(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo.parent))

    assert _run(str(repo), "--format", "github") == 1

    out = capsys.readouterr().out
    assert "::error file=repo/.github/workflows/pages-preview.yml,line=32," in out
    assert out.splitlines()[-1].startswith("runart-lint: 4 errors, 1 warning")


def test_runner_variables_fill_a_detached_checkout(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git" / "HEAD").write_text(f"{COMMIT}\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_HEAD_REF", "feature/login")
    log = repo / "log.md"

    _run(str(repo), "--bitacora", str(log), "--lang", "en")

    text = log.read_text(encoding="utf-8")
    assert f"- Commit: `{COMMIT}`\n- Branch: `feature/login`\n" in text


def test_empty_repository_gives_valid_sarif(tmp_path: Path) -> None:
    """BR-20: nothing to lint is still an uploadable SARIF file, and exit 0."""
    out = tmp_path / "out.sarif"

    assert _run(str(tmp_path), "--format", "sarif", "-o", str(out)) == 0

    document = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(document)
    assert document["runs"][0]["results"] == []


def test_sarif_cap_above_the_upload_limit_is_lowered_with_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """BR-21: code scanning rejects runs past 25,000 results."""
    out = repo / "out.sarif"

    _run(str(repo), "--sarif", str(out), "--sarif-max-results", "30000")

    err = capsys.readouterr().err
    assert "runart_lint.cli_reports: code scanning rejects runs of more than" in err
    validate_sarif(json.loads(out.read_text(encoding="utf-8")))


def test_sarif_cap_below_the_findings_warns_and_keeps_the_worst(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """BR-21: truncation is deterministic, by severity, and said out loud."""
    out = repo / "out.sarif"

    _run(str(repo), "--sarif", str(out), "--sarif-max-results", "2")

    document = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(document)
    run = document["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "error"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[-1]["message"]["text"].startswith("left out 4 of 6 results")
    assert "SARIF keeps the 2 most severe of 6 results" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--sarif-max-results", "-1"], "--sarif-max-results must be 0 or more"),
        (["--format", "sarif", "--sarif-category", ""], "--sarif-category is empty"),
    ],
)
def test_bad_sarif_options_are_usage_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    out = repo / "x.sarif"

    assert _run(str(repo), "--sarif", str(out), *flags) == 2

    assert message in capsys.readouterr().err


def test_the_log_keeps_its_permissions(repo: Path) -> None:
    log = repo / "log.md"
    log.write_text("# Bitácora\n", encoding="utf-8")
    os.chmod(log, 0o640)

    _run(str(repo), "--bitacora", str(log))

    assert oct(log.stat().st_mode & 0o777) == oct(0o640)


def test_a_log_folder_behind_a_link_out_of_the_repository_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "docs-link").symlink_to(outside)
    log = repo / "docs-link" / "new" / "log.md"

    assert _run(str(repo), "--bitacora", str(log)) == 2

    assert "is under a symbolic link out of the repository" in (capsys.readouterr().err)
    assert not (outside / "new").exists()
