"""`runart-lint --live` end to end, through the command line, for every scenario."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, shared_path
from live_support import (
    CLOUDFLARE_CANARY,
    GITHUB_CANARY,
    PIPELINE,
    Run,
    fake,
    isolate,
    run,
    run_live,
    shown,
)

from runart_lint.rules import RULES

LIVE_RULES = {rule.id for rule in RULES if rule.meta.needs_live}
# The answers a faulty scenario gives, in order, to the request path ending so.
RETRIED = {
    "rate-limits": {
        "/actions/secrets": [403, 200],
        "/environments": [403, 200],
        "/actions/workflows": [429, 200],
        "/storage/kv/namespaces": [429, 200],
    },
    "server-errors": {
        "/repos/runart/runart-foundry": [502, 502, 200],
        "/pages/projects/runart-foundry-preview2": [503, 200],
        "/rules/branches/main": [500, 200],
    },
    "truncated": {"/actions/secrets": [200, 200], "/storage/kv/namespaces": [200, 200]},
}

# scenario, extra arguments, exit code, live rules that fire, checks not run
SCENARIOS = [
    ("healthy", (), 0, set(), set()),
    ("missing-secrets", (), 1, {"missing-secret"}, set()),
    ("develop-branch", (), 1, {"production-branch-mismatch"}, set()),
    (
        "expired-token",
        (),
        3,
        {"invalid-cloudflare-token"},
        LIVE_RULES - {"invalid-cloudflare-token"},
    ),
    ("slow", ("--live-timeout", "1"), 3, set(), {"failed-workflow-run"}),
    ("rate-limits", (), 0, set(), set()),
    ("server-errors", (), 0, set(), set()),
    ("truncated", (), 0, set(), set()),
    (
        "runart-foundry",
        (),
        1,
        {
            "failed-pages-deployment",
            "failed-workflow-run",
            "kv-namespace-wrong-stage",
            "missing-pages-project",
            "missing-variable",
            "pages-config-drift",
            "ungated-production-environment",
            "unknown-kv-namespace",
            "unprotected-production-branch",
        },
        set(),
    ),
]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _json(result: Run) -> dict[str, object]:
    document: dict[str, object] = json.loads(result.out)
    return document


def _reported(text: str) -> tuple[set[str], set[str]]:
    """Return the live rules a text report shows findings of, and the checks not run."""
    fired = set(re.findall(r"^\S+: (?:error|warning|note)\[([a-z-]+)\]", text, re.M))
    not_run = set(re.findall(r"^not run: ([a-z-]+):", text, re.M))
    return fired & LIVE_RULES, not_run


@pytest.mark.parametrize(
    ("scenario", "args", "code", "fired", "not_run"),
    [pytest.param(*case, id=case[0]) for case in SCENARIOS],
)
def test_scenario_end_to_end(
    scenario: str,
    args: tuple[str, ...],
    code: int,
    fired: set[str],
    not_run: set[str],
    monkeypatch: pytest.MonkeyPatch,
    snapshot: object,
) -> None:
    with fake(scenario) as api:
        result = run_live(
            monkeypatch, api, str(PIPELINE), "--live", "--no-color", *args
        )

    assert result.code == code, result.err
    assert _reported(result.out) == (fired, not_run)
    for tail, statuses in RETRIED.get(scenario, {}).items():
        assert [r.status for r in api.requests if r.path.endswith(tail)] == statuses
    assert {r.method for r in api.requests} == {"GET"}
    assert "Traceback" not in result.err
    assert GITHUB_CANARY not in result.out + result.err
    assert CLOUDFLARE_CANARY not in result.out + result.err
    assert shown(result.out, PIPELINE) == snapshot


def test_runart_foundry_scenario_on_the_bundled_example(
    monkeypatch: pytest.MonkeyPatch, snapshot: object
) -> None:
    root = REPO / "examples"
    live = ",".join(sorted(LIVE_RULES))
    with fake("runart-foundry") as api:
        result = run_live(
            monkeypatch, api, str(root), "--live", "--no-color", "--select", live
        )

    assert result.code == 1
    assert "error[missing-secret] `secrets.CF_API_TOKEN`" in result.out
    assert {r.method for r in api.requests} == {"GET"}
    assert shown(result.out, root) == snapshot


def test_runart_foundry_scenario_on_the_real_pipeline(
    monkeypatch: pytest.MonkeyPatch, snapshot: object
) -> None:
    root = shared_path("examples", "runart-foundry")
    live = ",".join(sorted(LIVE_RULES))
    with fake("runart-foundry") as api:
        result = run_live(
            monkeypatch, api, str(root), "--live", "--no-color", "--select", live
        )

    assert result.code == 1
    assert {r.method for r in api.requests} == {"GET"}
    assert shown(result.out, root) == snapshot


def test_live_findings_point_into_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fake("runart-foundry") as api:
        result = run_live(
            monkeypatch, api, str(REPO / "examples"), "--live", "--format", "json"
        )

    findings = _json(result)["findings"]
    live = [f for f in findings if f["rule_id"] in LIVE_RULES]  # type: ignore[attr-defined]
    assert live
    for finding in live:
        path = REPO / "examples" / str(finding["path"])
        assert path.is_file(), finding
        assert finding["line"] is not None and finding["column"] is not None
        assert 1 <= int(finding["line"]) <= len(path.read_text().splitlines())


def test_stage_in_an_in_repository_pack_anchors_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "plan.toml"
    pack.write_text(
        '[pack]\nname = "shop"\n\n[[stages]]\nname = "production"\nkind = "pages"\n'
        'project = "shop-site"\nbranch = "main"\n\n[rollback]\nrequired = false\n'
    )
    with fake("healthy") as api:
        result = run_live(
            monkeypatch,
            api,
            str(tmp_path),
            "--live",
            "--pack",
            str(pack),
            "--select",
            "missing-pages-project",
            "--format",
            "json",
        )

    findings = _json(result)["findings"]
    assert [(f["path"], f["line"]) for f in findings] == [("plan.toml", 5)]  # type: ignore[index]


def test_builtin_pack_is_never_a_location(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("nothing deploys from here\n")
    with fake("minimal") as api:
        result = run_live(
            monkeypatch,
            api,
            str(tmp_path),
            "--live",
            "--select",
            "missing-pages-project",
            "--format",
            "json",
        )

    document = _json(result)
    assert document["findings"] == []
    assert [n["check"] for n in document["not_run"]] == ["missing-pages-project"]  # type: ignore[attr-defined, index]
    assert "no file of the repository names it" in result.out


def test_missing_tokens_make_the_live_checks_not_run() -> None:
    result = run(str(PIPELINE), "--live", "--format", "json")

    document = _json(result)
    reasons = {n["check"]: n["reason"] for n in document["not_run"]}  # type: ignore[attr-defined, index]
    assert result.code == 3
    assert set(reasons) == LIVE_RULES
    assert reasons["missing-secret"].startswith("no GitHub token")
    assert reasons["unknown-kv-namespace"].startswith("no Cloudflare token")


def test_only_the_services_the_selected_rules_need_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fake("healthy") as api:
        for name in ("GH_TOKEN", "GITHUB_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        result = run_live(
            monkeypatch,
            api,
            str(PIPELINE),
            "--live",
            "--select",
            "unknown-kv-namespace",
        )
        monkeypatch.delenv("GH_TOKEN")
        cloudflare_only = run(
            str(PIPELINE), "--live", "--select", "unknown-kv-namespace"
        )

    assert result.code == cloudflare_only.code == 0
    assert {r.api for r in api.requests} == {"cloudflare"}


def test_offline_audit_runs_no_live_rule_and_reports_none_not_run() -> None:
    result = run(str(PIPELINE), "--format", "json")

    document = _json(result)
    assert result.code == 0
    assert document["not_run"] == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CLOUDFLARE_API_TOKEN",
            "two\nlines",
            "`CLOUDFLARE_API_TOKEN` holds a character",
        ),
        ("GITHUB_API_URL", "http://api.github.example", "uses plain http to another"),
        ("GITHUB_API_URL", "https://[::1/api", "is not an http(s) URL"),
        ("CLOUDFLARE_API_BASE_URL", "https://127.0.0.1:port/", "is not an http(s) URL"),
        ("CLOUDFLARE_ACCOUNT_ID", "not-an-account", "is not an account id"),
        ("GITHUB_REPOSITORY", "no-slash", "is not `owner/name`"),
    ],
)
def test_bad_settings_are_usage_errors(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)

    result = run(str(PIPELINE), "--live")

    assert result.code == 2
    assert message in result.err
    assert "help:" in result.err
    assert "Traceback" not in result.err


def test_live_without_the_live_extra_says_what_to_install(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import importlib.util

    from runart_lint.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "certifi" else real(name, *rest),
    )

    code = main([str(REPO / "examples"), "--live"])

    err = capsys.readouterr().err
    assert code == 2
    assert "--live needs packages that are not installed: certifi" in err
    assert "pip install 'runart-lint[live]'" in err
