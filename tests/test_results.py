"""Reusing the result of an audit whose inputs are all unchanged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import REPO

from runart_lint import engine
from runart_lint.cli import main

WORKFLOW = ".github/workflows/pages-preview.yml"
PREVIEW2 = "apps/briefing/wrangler.preview2.toml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a copy of the bundled example with a cache of its own."""
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "examples", copy)
    return copy


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def _audits() -> Any:
    """Return a patch that counts the audits really run."""
    return mock.patch.object(
        engine, "audit_repository", side_effect=engine.audit_repository
    )


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_an_unchanged_repository_reuses_the_whole_result(
    repo: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    first = _run(capsys, str(repo), "--format", fmt)

    with _audits() as audits:
        second = _run(capsys, str(repo), "--format", fmt)
    fresh = _run(capsys, str(repo), "--format", fmt, "--no-cache")

    assert audits.call_count == 0
    assert second == first == fresh
    assert first[0] == 1


def test_a_changed_file_is_audited_again(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, str(repo), "--format", "json")
    path = repo / WORKFLOW
    path.write_text(path.read_text() + "\n# edited\n")

    with _audits() as audits:
        _run(capsys, str(repo), "--format", "json")

    assert audits.call_count == 1


def test_options_that_change_findings_are_part_of_the_key(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, everything = _run(capsys, str(repo), "--format", "json")
    found = sorted({f["rule_id"] for f in json.loads(everything)["findings"]})

    _, selected = _run(capsys, str(repo), "--format", "json", "--select", found[0])

    assert len(found) > 1
    assert {f["rule_id"] for f in json.loads(selected)["findings"]} == {found[0]}


def test_a_path_a_rule_looked_for_is_checked_again(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = (str(repo), "--format", "json", "--exclude", PREVIEW2)
    _, before = _run(capsys, *argv)
    (repo / PREVIEW2).unlink()

    with _audits() as audits:
        _, after = _run(capsys, *argv)

    def missing(report: str) -> list[str]:
        return [
            f["message"]
            for f in json.loads(report)["findings"]
            if f["rule_id"] == "missing-stage-config"
        ]

    assert audits.call_count == 1
    assert not any("preview2" in m for m in missing(before))
    assert any("preview2" in m for m in missing(after))


def test_a_damaged_entry_is_ignored_and_rewritten(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, str(repo))
    (entry,) = (p for p in (tmp_path / "cache" / "results").rglob("*") if p.is_file())
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")

    with _audits() as audits:
        second = _run(capsys, str(repo))
    with _audits() as again:
        third = _run(capsys, str(repo))

    assert audits.call_count == 1 and again.call_count == 0
    assert first == second == third


def test_reports_that_draw_the_graph_always_audit(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, str(repo))

    with _audits() as audits:
        code, markdown = _run(capsys, str(repo), "--format", "markdown")
        _run(capsys, str(repo), "--summary", str(tmp_path / "summary.md"))

    assert audits.call_count == 2
    assert code == 1 and "```mermaid" in markdown
    assert "```mermaid" in (tmp_path / "summary.md").read_text()


def test_no_cache_neither_reads_nor_writes_results(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, str(repo), "--no-cache")

    assert not (tmp_path / "cache").exists()


def test_a_reused_run_imports_no_rule_even_with_a_configuration(
    repo: Path, tmp_path: Path
) -> None:
    (repo / ".runart-lint.toml").write_text('fail-on = "error"\nexclude = ["docs"]\n')
    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        "code = main([sys.argv[1]])\n"
        "loaded = [m for m in sys.modules if m.startswith(('runart_lint.rules', "
        "'runart_lint.graph', 'yaml', 'tomllib'))]\n"
        "print(code, len(loaded))\n"
    )
    environment = {**os.environ, "RUNART_LINT_CACHE_DIR": str(tmp_path / "cache")}

    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(repo)],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
            check=True,
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]

    first_code, first_loaded = runs[0].split()
    assert int(first_loaded) > 0
    assert runs[1] == f"{first_code} 0"


def test_the_reason_a_file_was_not_read_is_part_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "big"
    root.mkdir()
    (root / "wrangler.toml").write_text('name = "site"\n')
    big = root / "wrangler.big.toml"
    big.write_text("#" * 3_000_000)
    _run(capsys, str(root))
    big.write_text("#" * 4_000_000)

    _, out = _run(capsys, str(root))

    assert "file is 4000000 bytes" in out


def test_a_result_with_a_check_not_run_is_not_kept(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from runart_lint import rules as registry
    from runart_lint.records import replace

    def fail(audit: object) -> object:
        raise PermissionError("a folder that cannot be searched")

    broken = replace(registry.RULES[0], check=fail)
    with mock.patch.object(registry, "RULES", (broken, *registry.RULES[1:])):
        code, out = _run(capsys, str(repo))
    assert code == 3 and "not run:" in out

    with _audits() as audits:
        code, out = _run(capsys, str(repo))

    assert audits.call_count == 1
    assert code == 1 and "not run:" not in out


def test_the_same_text_as_toml_and_as_json_is_parsed_as_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "site"
    root.mkdir()
    config = root / "wrangler.toml"
    config.write_text('name = "site"\ncompatibility_date = "2024-01-01"\n')
    assert _run(capsys, str(root))[0] == 0
    config.rename(root / "wrangler.json")

    code, out = _run(capsys, str(root))

    assert code == 1 and "invalid-file" in out


@pytest.mark.parametrize("folder", ["results", "parsed"])
def test_a_named_pipe_in_the_cache_is_ignored(
    repo: Path, tmp_path: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, str(repo))
    entries = [p for p in (tmp_path / "cache" / folder).rglob("*") if p.is_file()]
    for entry in entries:
        entry.unlink()
        os.mkfifo(entry)

    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        "raise SystemExit(main([sys.argv[1]]))\n"
    )
    environment = {**os.environ, "RUNART_LINT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )

    assert entries
    assert (done.returncode, done.stdout) == first


def test_the_parser_stamp_names_the_python_and_the_yaml_files() -> None:
    import yaml

    from runart_lint.loaders.cache import parser_stamp

    stamp = parser_stamp()

    assert sys.version in stamp
    assert str(Path(yaml.__file__).parent / "__init__.py") in stamp
