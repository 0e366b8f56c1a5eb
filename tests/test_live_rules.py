"""Every live rule: its documentation example against the fake API (the bad
version fires, the fixed one is quiet), a scenario where it fires, silence on
a healthy account, and nothing at all offline."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from fakeapi import FakeAPI, load_scenario
from live_support import PIPELINE, isolate, run, run_live

from runart_lint.rules import RULES
from runart_lint.rules.base import Rule
from runart_lint.rules.docs import example

LIVE = [pytest.param(rule, id=rule.id) for rule in RULES if rule.meta.needs_live]
ACCOUNT_FILE = "account.toml"
# A scenario where each live rule fires on tests/fixtures/live/pipeline.
FIRES_IN = {
    "failed-pages-deployment": "runart-foundry",
    "failed-workflow-run": "runart-foundry",
    "invalid-cloudflare-token": "expired-token",
    "kv-namespace-wrong-stage": "runart-foundry",
    "missing-pages-project": "runart-foundry",
    "missing-secret": "missing-secrets",
    "missing-variable": "runart-foundry",
    "pages-config-drift": "runart-foundry",
    "production-branch-mismatch": "develop-branch",
    "ungated-production-environment": "runart-foundry",
    "unknown-kv-namespace": "runart-foundry",
    "unprotected-production-branch": "runart-foundry",
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _write(files: dict[str, str], folder: Path) -> dict[str, object]:
    """Write the example's repository files; return its account as scenario data."""
    for name, text in files.items():
        if name != ACCOUNT_FILE:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return tomllib.loads(files.get(ACCOUNT_FILE, ""))


def _messages(
    monkeypatch: pytest.MonkeyPatch,
    rule: Rule,
    folder: Path,
    scenario: str,
    account: dict[str, object] | None = None,
) -> list[str]:
    """Return the messages `rule` reports on `folder` against the scenario."""
    with FakeAPI(load_scenario(scenario, account)) as api:
        result = run_live(
            monkeypatch,
            api,
            str(folder),
            "--live",
            "--select",
            rule.id,
            "--format",
            "json",
        )

    document = json.loads(result.out)
    assert document["not_run"] == [], document["not_run"]
    return [f["message"] for f in document["findings"] if f["rule_id"] == rule.id]


@pytest.mark.parametrize("rule", LIVE)
def test_example_fires_and_fix_is_quiet(
    rule: Rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = example(rule)
    assert ACCOUNT_FILE in files.bad and ACCOUNT_FILE in files.good
    bad, good = tmp_path / "bad", tmp_path / "good"

    fired = _messages(monkeypatch, rule, bad, "minimal", _write(files.bad, bad))
    quiet = _messages(monkeypatch, rule, good, "minimal", _write(files.good, good))

    assert fired, "the example does not fire"
    assert quiet == []


def test_every_live_rule_has_a_scenario() -> None:
    assert set(FIRES_IN) == {rule.id for rule in RULES if rule.meta.needs_live}


@pytest.mark.parametrize("rule", LIVE)
def test_rule_fires_in_its_scenario_and_not_when_healthy(
    rule: Rule, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _messages(monkeypatch, rule, PIPELINE, FIRES_IN[rule.id])
    assert _messages(monkeypatch, rule, PIPELINE, "healthy") == []


def test_live_rules_yield_nothing_offline() -> None:
    live = ",".join(rule.id for rule in RULES if rule.meta.needs_live)

    result = run(str(PIPELINE), "--select", live, "--format", "json")

    document = json.loads(result.out)
    assert result.code == 0
    assert document["findings"] == [] and document["not_run"] == []
