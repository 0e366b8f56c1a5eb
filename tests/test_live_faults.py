"""Faults in every endpoint, one at a time: no traceback, the checks that need
the endpoint are reported as not run, every other finding is still reported,
and the exit code says the audit is incomplete."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fakeapi import FakeAPI, load_scenario
from live_support import PIPELINE, fast_retries, isolate, run, run_live

# Every endpoint a live audit of the pipeline reads; a test below checks that
# the list is complete, so a new endpoint gets its fault test.
ENDPOINTS = [
    "cloudflare account-verify",
    "cloudflare deployments",
    "cloudflare kv",
    "cloudflare project",
    "github environments",
    "github env-secrets",
    "github env-variables",
    "github org-secrets",
    "github org-variables",
    "github protection",
    "github repo",
    "github rules",
    "github runs",
    "github secrets",
    "github variables",
    "github workflows",
    "github branch-policies",
]
# What an endpoint's fault needs to cost a check in the RunArt Foundry
# scenario: branch patterns are judged only for a gated production.
SETUP: dict[str, dict[str, Any]] = {
    "github branch-policies": {
        "github": {"environments": {"production": {"reviewers": ["release-manager"]}}}
    },
}
Finding = tuple[str, str, int, str]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _audit(
    monkeypatch: pytest.MonkeyPatch, scenario: dict[str, Any]
) -> tuple[FakeAPI, int, dict[str, Any], str]:
    with FakeAPI(scenario) as api:
        result = run_live(monkeypatch, api, str(PIPELINE), "--live", "--format", "json")
    return api, result.code, json.loads(result.out), result.err


def _findings(document: dict[str, Any]) -> set[Finding]:
    return {
        (f["rule_id"], f["path"], f["line"], f["message"]) for f in document["findings"]
    }


@pytest.fixture(scope="module")
def baseline() -> tuple[list[str], set[Finding]]:
    """Return the endpoints a fault-free audit reads and what it reports."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch)
        api, code, document, _ = _audit(monkeypatch, load_scenario("runart-foundry"))
    assert code == 1 and not document["not_run"]
    return api.endpoints(), _findings(document)


def test_the_endpoint_list_is_complete(
    baseline: tuple[list[str], set[Finding]],
) -> None:
    assert baseline[0] == sorted(ENDPOINTS)


# Each endpoint gets one lasting fault; the kinds take turns.
FAULTS = [
    {"kind": "error", "status": 403},
    {"kind": "error", "status": 503},
    {"kind": "truncate"},
    {"kind": "invalid-json"},
]


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        pytest.param(
            endpoint,
            FAULTS[i % len(FAULTS)],
            id=f"{endpoint}-{FAULTS[i % len(FAULTS)].get('status', '')}"
            f"{FAULTS[i % len(FAULTS)]['kind']}",
        )
        for i, endpoint in enumerate(ENDPOINTS)
    ],
)
def test_a_failing_endpoint_costs_only_its_checks(
    endpoint: str,
    fault: dict[str, Any],
    baseline: tuple[list[str], set[Finding]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api_name, name = endpoint.split(" ")
    lasting = {"api": api_name, "endpoint": name, **fault}
    extra = {"faults": [lasting], **SETUP.get(endpoint, {})}
    scenario = load_scenario("runart-foundry", extra)
    fast_retries(monkeypatch)

    api, code, document, err = _audit(monkeypatch, scenario)

    affected = {item["check"] for item in document["not_run"]}
    assert code == 3
    assert affected, f"{fault} from {endpoint} went unnoticed"
    assert "Traceback" not in err
    assert all(item["reason"] for item in document["not_run"])
    kept = {f for f in baseline[1] if f[0] not in affected}
    assert kept <= _findings(document)
    assert {r.method for r in api.requests} == {"GET"}


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("github secrets", "truncate"),
        ("cloudflare kv", "invalid-json"),
        ("github runs", "error"),
    ],
)
def test_a_fault_that_lasts_is_retried_then_not_run(
    endpoint: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_name, name = endpoint.split(" ")
    fault = {"api": api_name, "endpoint": name, "kind": kind, "status": 502}
    scenario = load_scenario("healthy", {"faults": [fault]})
    fast_retries(monkeypatch)

    api, code, document, err = _audit(monkeypatch, scenario)

    hits = [r for r in api.requests if r.endpoint == endpoint]
    assert code == 3
    assert "Traceback" not in err
    assert "4 attempts" in " ".join(item["reason"] for item in document["not_run"])
    assert len(hits) >= 4


def test_secondary_limit_without_retry_after_stops_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GitHub asks to wait at least a minute; the audit has 5 s, so it stops at once.
    fault = {"api": "github", "endpoint": "workflows", "kind": "secondary-rate-limit"}
    scenario = load_scenario("healthy", {"faults": [fault]})
    started = time.monotonic()

    with FakeAPI(scenario) as api:
        result = run_live(
            monkeypatch,
            api,
            str(PIPELINE),
            "--live",
            "--live-timeout",
            "5",
            "--format",
            "json",
        )

    reasons = {n["check"]: n["reason"] for n in json.loads(result.out)["not_run"]}
    assert time.monotonic() - started < 4
    assert "secondary rate limit" in reasons["failed-workflow-run"]
    assert (
        "would pass the 5 s limit of `--live-timeout`" in reasons["failed-workflow-run"]
    )


def test_primary_limit_waits_for_the_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    fault = {
        "api": "github",
        "endpoint": "secrets",
        "kind": "rate-limit",
        "reset_in": 1,
        "times": 1,
    }
    scenario = load_scenario("healthy", {"faults": [fault]})
    started = time.monotonic()

    with FakeAPI(scenario) as api:
        result = run_live(monkeypatch, api, str(PIPELINE), "--live")

    first, second = [r for r in api.requests if r.endpoint == "github secrets"]
    assert result.code == 0
    assert first.status == 403 and second.status == 200
    assert time.monotonic() - started >= 1


def test_the_audit_stops_waiting_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault = {"api": "cloudflare", "endpoint": "kv", "kind": "delay", "delay": 2.5}
    started = time.monotonic()

    with FakeAPI(load_scenario("healthy", {"faults": [fault]})) as api:
        result = run_live(
            monkeypatch,
            api,
            str(PIPELINE),
            "--live",
            "--live-timeout",
            "1",
            "--format",
            "json",
        )

    reasons = {n["check"]: n["reason"] for n in json.loads(result.out)["not_run"]}
    assert time.monotonic() - started < 2.5
    assert set(reasons) == {"unknown-kv-namespace", "kv-namespace-wrong-stage"}
    assert reasons["unknown-kv-namespace"] == (
        "KV namespaces: no answer within the 1 s limit of `--live-timeout`"
    )


def test_next_page_link_to_another_host_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many = {f"VARIABLE_{i:02d}": str(i) for i in range(40)}
    scenario = load_scenario("healthy", {"github": {"variables": many}})
    with FakeAPI(scenario) as api:
        api.github.base = "https://api.github.com/api/v3"
        result = run_live(monkeypatch, api, str(PIPELINE), "--live", "--format", "json")

    reasons = {n["check"]: n["reason"] for n in json.loads(result.out)["not_run"]}
    assert "outside `GITHUB_API_URL`" in reasons["missing-variable"]
    assert all(
        r.path.startswith("/repos/") or "/repositories/" in r.path
        for r in api.requests
        if r.api == "github"
    )


def test_no_request_leaves_loopback_when_nothing_is_set() -> None:
    result = run(str(PIPELINE), "--live")

    assert result.code == 3
    assert "not run: missing-secret: no GitHub token" in result.out
