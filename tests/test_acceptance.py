"""The main job on the real RunArt Foundry pipeline and on the bundled example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, normalise, shared_path
from sarif_schema import validate_sarif

from runart_lint.cli import main


def _json_findings(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    code = main([str(path), "--format", "json"])
    assert code == 1
    findings: list[dict[str, object]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


def _has(findings: list[dict[str, object]], rule: str, path: str, line: int) -> bool:
    return any(
        f["rule_id"] == rule and f["path"] == path and f["line"] == line
        for f in findings
    )


def test_runart_foundry_real_faults(capsys: pytest.CaptureFixture[str]) -> None:
    findings = _json_findings(shared_path("examples", "runart-foundry"), capsys)

    config = "apps/briefing/wrangler.toml"
    workflows = ".github/workflows"
    # LOG_EVENTS namespace shared by env.preview and the preview2 config.
    assert _has(findings, "shared-kv-namespace", config, 45)
    shared = [f for f in findings if f["rule_id"] == "shared-kv-namespace"]
    assert "5c809442ad5a4a5cb4bcca714c70fabf" in str(shared[0]["message"])
    # [env.production] overrides vars without redeclaring kv_namespaces.
    assert _has(findings, "env-binding-not-inherited", config, 52)
    # No rollback workflow.
    assert any(f["rule_id"] == "missing-rollback" for f in findings)
    # preview2 deployed as a branch of the production project.
    assert _has(findings, "stage-branch-alias", f"{workflows}/pages-preview2.yml", 21)
    # github.head_ref interpolated into run: in pages-preview.yml.
    assert _has(
        findings, "untrusted-input-in-run", f"{workflows}/pages-preview.yml", 101
    )
    # The production deploy in pages-deploy.yml is not gated on preview2.
    assert _has(findings, "unordered-promotion", f"{workflows}/pages-deploy.yml", 52)


def test_runart_foundry_deliberate_sharing_is_not_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    findings = _json_findings(shared_path("examples", "runart-foundry"), capsys)

    worker = "apps/briefing/workers/wrangler.toml"
    assert not [f for f in findings if f["path"] == worker and f["severity"] != "note"]


def test_runart_foundry_text_report(
    capsys: pytest.CaptureFixture[str], snapshot: object
) -> None:
    main([str(shared_path("examples", "runart-foundry")), "--no-color"])

    assert normalise(capsys.readouterr().out) == snapshot


def test_example_pipeline_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot: object
) -> None:
    sarif = tmp_path / "example.sarif"

    assert main([str(REPO / "examples"), "--no-color"]) == 1
    text = capsys.readouterr().out
    assert main([str(REPO / "examples"), "--format", "sarif", "-o", str(sarif)]) == 1

    document = json.loads(sarif.read_text(encoding="utf-8"))
    validate_sarif(document)
    assert normalise(text) == snapshot(name="text")
    assert normalise(json.dumps(document, indent=2)) == snapshot(name="sarif")


def test_example_pipeline_finds_each_deliberate_fault(
    capsys: pytest.CaptureFixture[str],
) -> None:
    findings = _json_findings(REPO / "examples", capsys)

    rules = {str(f["rule_id"]) for f in findings}
    assert {
        "env-binding-not-inherited",
        "invalid-kv-id",
        "untrusted-input-in-run",
        "credentials-not-unified",
        "unordered-promotion",
    } <= rules
    assert "missing-rollback" not in rules
