"""Custom deployment branch policies of the production environment: read
through the fake API (paginated, read-only), judged by
`ungated-production-environment`, and reported as not run when unreadable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakeapi import FakeAPI, load_scenario
from live_support import PIPELINE, fast_retries, isolate, run_live

RULE = "ungated-production-environment"
ENDPOINT = "github branch-policies"
ANCHOR = (".github/workflows/pages-prod.yml", 14, 18)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _production(policy: str, patterns: list[Any] | None = None) -> dict[str, Any]:
    """Return scenario data giving the healthy production environment a policy."""
    production: dict[str, Any] = {"branch_policy": policy}
    if patterns is not None:
        production["branch_policies"] = patterns
    return {"github": {"environments": {"production": production}}}


def _audit(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any]
) -> tuple[FakeAPI, int, dict[str, Any]]:
    """Run the live audit of the pipeline against the healthy scenario plus `extra`."""
    with FakeAPI(load_scenario("healthy", extra)) as api:
        result = run_live(monkeypatch, api, str(PIPELINE), "--live", "--format", "json")
    assert "Traceback" not in result.err
    return api, result.code, json.loads(result.out)


def _rule_findings(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["rule_id"] == RULE]


@pytest.mark.parametrize(
    ("pattern", "admits"),
    [
        ("*", "every branch"),
        ("**", "every branch"),
        ("release/*", "branches matching `release/*`"),
        ("develop", "branches matching `develop`"),
        ({"name": "v*", "type": "tag"}, "tags matching `v*`"),
        ({"name": "main", "type": "tag"}, "tags matching `main`"),
    ],
)
def test_a_custom_policy_wider_than_main_is_no_branch_restriction(
    pattern: Any, admits: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code, document = _audit(monkeypatch, _production("custom", ["main", pattern]))

    findings = _rule_findings(document)
    assert code == 1
    assert document["not_run"] == []
    assert {(f["path"], f["line"], f["column"]) for f in findings} >= {ANCHOR}
    assert {f["severity"] for f in findings} == {"warning"}
    assert findings[0]["message"] == (
        "environment `production` has a gate but its custom deployment branch "
        f"policy lets {admits} deploy once approved, not only `main`"
    )
    assert findings[0]["help"].startswith("limit environment `production` to the")


@pytest.mark.parametrize("patterns", [["main"], []], ids=["main-only", "none"])
def test_a_custom_policy_of_main_only_passes(
    patterns: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, code, document = _audit(monkeypatch, _production("custom", patterns))

    assert code == 0
    assert _rule_findings(document) == []
    assert ENDPOINT in api.endpoints()


def test_every_page_of_patterns_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # 100 patterns a page at most: the wide one is on the second page.
    patterns = ["main"] * 120 + ["*"]

    api, _, document = _audit(monkeypatch, _production("custom", patterns))

    hits = [r for r in api.requests if r.endpoint == ENDPOINT]
    assert len(hits) == 2
    assert {r.method for r in api.requests} == {"GET"}
    assert "lets every branch deploy" in _rule_findings(document)[0]["message"]


def test_protected_branches_policy_reads_no_patterns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, code, document = _audit(monkeypatch, _production("protected"))

    assert code == 0
    assert ENDPOINT not in api.endpoints()
    assert _rule_findings(document) == []


def test_unreadable_patterns_are_not_run_not_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault = {"api": "github", "endpoint": "branch-policies", "kind": "error"}
    extra = {**_production("custom", ["*"]), "faults": [{**fault, "status": 503}]}
    fast_retries(monkeypatch)

    _, code, document = _audit(monkeypatch, extra)

    reasons = {item["check"]: item["reason"] for item in document["not_run"]}
    assert code == 3
    assert set(reasons) == {RULE}
    assert reasons[RULE].startswith(
        "deployment branch policies of environment `production`"
    )
    assert _rule_findings(document) == []
