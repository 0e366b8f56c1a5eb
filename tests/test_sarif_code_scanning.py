"""SARIF for code scanning with the real rules: descriptions, categories, limits."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from sarif_schema import SCHEMA_PATH, validate_sarif

from runart_lint.cli import main
from runart_lint.findings import AuditResult, Finding, Location, Severity
from runart_lint.loaders.tree import Span
from runart_lint.reporters import sarif
from runart_lint.reporters.sarif import render_sarif
from runart_lint.rules import RULES


def _document(result: AuditResult, **options: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render_sarif(result, RULES, **options))
    if SCHEMA_PATH.is_file():
        validate_sarif(document)
    return document


@functools.cache
def _descriptors() -> dict[str, dict[str, Any]]:
    rules = _document(AuditResult(findings=()))["runs"][0]["tool"]["driver"]["rules"]
    return {rule["id"]: rule for rule in rules}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_is_described_from_its_documentation(rule: Any) -> None:
    descriptor = _descriptors()[rule.id]

    assert descriptor["shortDescription"] == {"text": rule.meta.summary}
    assert descriptor["fullDescription"]["text"] == rule.section("What it does") != ""
    assert descriptor["help"]["text"] == rule.section("Why is this bad?") != ""
    assert descriptor["help"]["markdown"] == rule.doc
    assert descriptor["helpUri"].endswith(f"/docs/rules/{rule.id}.md")
    assert (REPO / "docs" / "rules" / f"{rule.id}.md").is_file()
    assert descriptor["defaultConfiguration"]["level"] == rule.meta.severity.label


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_security_rules_carry_a_security_severity(rule: Any) -> None:
    properties = _descriptors()[rule.id]["properties"]

    assert set(rule.meta.inputs) <= set(properties["tags"])
    assert properties["precision"] in ("high", "medium", "low")
    if rule.meta.security:
        assert "security" in properties["tags"]
        # GitHub reads this as a number from 0.1 to 10.0.
        assert 0.1 <= float(properties["security-severity"]) <= 10.0
    else:
        assert "security-severity" not in properties


def test_category_goes_into_automation_details() -> None:
    run = _document(AuditResult(findings=()), category="runart-lint/pages")["runs"][0]

    assert run["automationDetails"] == {"id": "runart-lint/pages/"}


def test_cli_category_and_one_run_for_the_whole_repository(tmp_path: Path) -> None:
    """BR-21: one run for the whole invocation, not one per file."""
    out = tmp_path / "out.sarif"

    main(
        [
            str(REPO / "examples"),
            "--format",
            "sarif",
            "-o",
            str(out),
            "--sarif-category",
            "deploy-plan",
            "--no-config",
        ]
    )

    document = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(document)
    (run,) = document["runs"]
    assert run["automationDetails"] == {"id": "deploy-plan/"}
    paths = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
    }
    assert len(paths) > 1


def test_cap_can_never_pass_the_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """BR-21: whatever cap is asked for, no run exceeds what code scanning takes."""
    assert sarif.MAX_RESULTS_PER_RUN == 25_000
    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RUN", 3)
    findings = tuple(
        Finding(
            "invalid-kv-id",
            Severity.WARNING,
            f"m{i}",
            "h",
            Location(f"f{i}.toml", Span(1, 1, 1, 2)),
            f"k{i}",
        )
        for i in range(5)
    )

    run = _document(AuditResult(findings=findings), max_results=10**6)["runs"][0]

    assert len(run["results"]) == 3
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("left out 2 of 5 results")


def test_suppressed_finding_keeps_its_justification() -> None:
    finding = Finding(
        "invalid-kv-id",
        Severity.ERROR,
        "m",
        "h",
        Location("wrangler.toml", Span(2, 1, 2, 5)),
        "k",
        suppressed="placeholder until the namespace exists",
    )

    (result,) = _document(AuditResult(findings=(finding,)))["runs"][0]["results"]

    assert result["suppressions"] == [
        {"kind": "inSource", "justification": "placeholder until the namespace exists"}
    ]
    assert result["level"] == "error"
