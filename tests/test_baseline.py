"""Baselines: record today's findings, report only new ones, survive moved lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runart_lint.baseline import BaselineError, apply_baseline, load_baseline
from runart_lint.cli import main
from runart_lint.findings import AuditResult, Finding, Location, Severity
from runart_lint.loaders.tree import Span

ONE_FAULT = (
    'name = "shop"\nmain = "src/index.ts"\n\n[vars]\nMODE = "production"\n'
    'kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]\n'
)
SECOND_FAULT = (
    '\n[env.staging.vars]\nMODE = "staging"\n'
    'r2_buckets = [{ binding = "FILES", bucket_name = "files" }]\n'
)


def _run(root: Path, *extra: str) -> int:
    return main([str(root), "--no-config", "--select", "binding-in-vars", *extra])


def _repo(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "wrangler.toml").write_text(text, encoding="utf-8")
    return root


def test_write_then_read_across_an_edit_that_moves_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, ONE_FAULT)
    baseline = tmp_path / "baseline.json"

    assert _run(root, "--write-baseline", str(baseline)) == 0
    assert "wrote 1 finding to" in capsys.readouterr().err
    written = baseline.read_text()

    moved = '# the shop worker\n\ncompatibility_date = "2024-01-01"\n' + ONE_FAULT
    (root / "wrangler.toml").write_text(moved)
    assert _run(root, "--baseline", str(baseline)) == 0
    assert "no findings in 1 file; 1 in the baseline" in capsys.readouterr().out

    (root / "wrangler.toml").write_text(moved + SECOND_FAULT)
    assert _run(root, "--baseline", str(baseline)) == 1
    out = capsys.readouterr().out
    assert "r2_buckets" in out and "kv_namespaces" not in out
    assert "1 error in 1 file; 1 in the baseline" in out

    (root / "wrangler.toml").write_text(moved)
    assert _run(root, "--write-baseline", str(baseline)) == 0
    assert baseline.read_text() == written


def test_the_json_summary_counts_baselined_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, ONE_FAULT)
    baseline = tmp_path / "baseline.json"
    assert _run(root, "--write-baseline", str(baseline)) == 0
    capsys.readouterr()

    assert _run(root, "--baseline", str(baseline), "--format", "json") == 0

    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["baselined"] == 1
    assert summary["error"] == summary["warning"] == 0


def test_baseline_is_sorted_stable_json_without_lines(tmp_path: Path) -> None:
    root = _repo(tmp_path, ONE_FAULT + SECOND_FAULT)
    baseline = tmp_path / "baseline.json"

    assert _run(root, "--write-baseline", str(baseline)) == 0

    document = json.loads(baseline.read_text())
    assert document["version"] == 1
    entries = document["findings"]
    assert len(entries) == 2
    assert entries == sorted(
        entries, key=lambda e: (e["path"], e["rule_id"], e["fingerprint"])
    )
    assert all(set(e) == {"count", "fingerprint", "path", "rule_id"} for e in entries)
    assert baseline.read_text() == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert not list(tmp_path.glob(".baseline.json.*"))


def test_a_baseline_from_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, ONE_FAULT)
    assert _run(root, "--write-baseline", str(root / "lint-baseline.json")) == 0
    (root / ".runart-lint.toml").write_text(
        'baseline = "lint-baseline.json"\nselect = ["binding-in-vars"]\n'
    )

    assert main([str(root)]) == 0
    assert "1 in the baseline" in capsys.readouterr().out


def test_a_second_copy_of_an_accepted_finding_is_new() -> None:
    def finding(line: int) -> Finding:
        return Finding(
            "r",
            Severity.ERROR,
            "m",
            "h",
            Location("a.toml", Span.point(line, 1)),
            key="same",
        )

    baseline = load_baseline(
        "b.json",
        json.dumps(
            {
                "version": 1,
                "findings": [{"fingerprint": finding(1).fingerprint, "count": 1}],
            }
        ),
    )
    result = apply_baseline(AuditResult((finding(3), finding(9))), baseline)

    assert [f.location.span.line for f in result.findings if f.location.span] == [9]
    assert result.baselined == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "baseline is not valid JSON: Expecting property name enclosed in double "
            "quotes at line 1 column 2 (b.json)",
        ),
        (
            '{"version": 2, "findings": []}',
            "baseline is not a runart-lint baseline of version 1 (b.json)",
        ),
        ('{"version": 1}', "baseline has no `findings` list (b.json)"),
        ('{"version": 1, "findings": [3]}', "`findings[0]` is not an object (b.json)"),
        (
            '{"version": 1, "findings": [{"count": 1}]}',
            "`findings[0].fingerprint` is not a string (b.json)",
        ),
        (
            '{"version": 1, "findings": [{"fingerprint": "x", "count": 0}]}',
            "`findings[0].count` is not a positive integer (b.json)",
        ),
    ],
)
def test_bad_baseline_files(text: str, message: str) -> None:
    with pytest.raises(BaselineError) as raised:
        load_baseline("b.json", text)

    assert str(raised.value) == message


def test_cli_bad_or_missing_baseline_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, ONE_FAULT)
    missing = tmp_path / "missing.json"

    assert _run(root, "--baseline", str(missing)) == 2
    err = capsys.readouterr().err
    assert f"error: no baseline at {missing}" in err
    assert "help: record one with `runart-lint --write-baseline" in err

    broken = tmp_path / "broken.json"
    broken.write_text("[]")
    assert _run(root, "--baseline", str(broken)) == 2
    assert "baseline is not a runart-lint baseline" in capsys.readouterr().err


def test_cli_unwritable_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, ONE_FAULT)

    assert _run(root, "--write-baseline", str(tmp_path / "no" / "b.json")) == 2
    assert "help: create the folder first" in capsys.readouterr().err
