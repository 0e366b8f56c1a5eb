"""The live layer's parts on their own: settings, pagination, retries, shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from fakeapi import FakeAPI, load_scenario
from live_support import isolate

from runart_lint.live.cloudflare_client import CloudflareClient, CloudflareReader
from runart_lint.live.github_client import GitHubClient, GitHubReader
from runart_lint.live.settings import (
    SettingsError,
    load_settings,
    remote_repository,
)
from runart_lint.live.transport import Deadline, Gate, Retrier, WriteRefused


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _settings(api: FakeAPI, tmp_path: Path) -> Any:
    return load_settings(tmp_path, api.environ(), deadline=10)


def _github(api: FakeAPI, tmp_path: Path) -> GitHubReader:
    settings = _settings(api, tmp_path)
    client = GitHubClient(settings.github, 5, Retrier(Deadline(10), Gate()))
    return GitHubReader(client, api.github.full_name)


def _cloudflare(
    api: FakeAPI, tmp_path: Path
) -> tuple[CloudflareClient, CloudflareReader]:
    settings = _settings(api, tmp_path)
    client = CloudflareClient(settings.cloudflare, 5, Retrier(Deadline(10), Gate()), 4)
    return client, CloudflareReader(client, settings.cloudflare.account_id)


def test_github_pages_are_followed_to_the_end(tmp_path: Path) -> None:
    variables = {f"VARIABLE_{i:02d}": str(i) for i in range(65)}
    secrets = [f"SECRET_{i:03d}" for i in range(230)]
    scenario = load_scenario(
        "minimal", {"github": {"variables": variables, "secrets": secrets}}
    )

    with FakeAPI(scenario) as api:
        reader = _github(api, tmp_path)
        assert len(reader.variable_names()) == 65
        assert len(reader.secret_names()) == 230

    variable_pages = [r for r in api.requests if r.endpoint == "github variables"]
    secret_pages = [r for r in api.requests if r.endpoint == "github secrets"]
    assert len(variable_pages) == 3  # 30 a page at most for variables
    assert len(secret_pages) == 3  # 100 a page
    # Follow-up pages come from the absolute `Link` URLs, /repositories/{id}/ form.
    assert all(r.path.startswith("/repositories/1296269/") for r in variable_pages[1:])


def test_cloudflare_pages_are_followed_to_the_end(tmp_path: Path) -> None:
    namespaces = {f"{i:032x}": f"namespace-{i}" for i in range(250)}
    scenario = load_scenario("minimal", {"cloudflare": {"kv": namespaces}})

    with FakeAPI(scenario) as api:
        client, reader = _cloudflare(api, tmp_path)
        found = reader.kv_namespaces()
        client.close()

    pages = [r.query for r in api.requests if r.endpoint == "cloudflare kv"]
    assert found == namespaces
    assert pages == [f"page={n}&per_page=100" for n in (1, 2, 3)]


def test_deployment_lists_stay_within_25_a_page(tmp_path: Path) -> None:
    with FakeAPI(load_scenario("healthy")) as api:
        client, reader = _cloudflare(api, tmp_path)
        latest = reader.latest_deployment("runart-foundry", "production")
        client.close()

    assert latest is not None
    assert (latest.stage, latest.status, latest.branch) == ("deploy", "success", "main")
    (request,) = [r for r in api.requests if r.endpoint == "cloudflare deployments"]
    assert "env=production" in request.query
    assert int(request.query.split("per_page=")[1].split("&")[0]) <= 25


def test_user_token_is_verified_on_the_user_path(tmp_path: Path) -> None:
    scenario = load_scenario("healthy", {"cloudflare": {"token": {"scope": "user"}}})

    with FakeAPI(scenario) as api:
        client, reader = _cloudflare(api, tmp_path)
        token = reader.verify_token()
        client.close()

    assert (token.status, token.scope) == ("active", "user")
    assert [r.endpoint for r in api.requests] == [
        "cloudflare account-verify",
        "cloudflare user-verify",
    ]


def test_an_invalid_token_is_data_not_a_failure(tmp_path: Path) -> None:
    scenario = load_scenario(
        "healthy", {"cloudflare": {"token": {"status": "invalid"}}}
    )

    with FakeAPI(scenario) as api:
        client, reader = _cloudflare(api, tmp_path)
        token = reader.verify_token()
        client.close()

    assert (token.status, token.detail) == ("invalid", "Invalid API Token")


def test_an_unchanged_github_answer_is_a_304_without_body() -> None:
    with FakeAPI(load_scenario("healthy")) as api:
        headers = {"Authorization": f"token {api.github_token}"}
        first = api.github.answer("/repos/runart/runart-foundry", {}, headers)
        again = api.github.answer(
            "/repos/runart/runart-foundry",
            {},
            {**headers, "If-None-Match": first.headers["ETag"]},
        )

    assert first.status == 200 and first.headers["ETag"].startswith('W/"')
    assert (again.status, again.body) == (304, None)
    assert again.headers["X-RateLimit-Remaining"].isdigit()


def test_the_httpx_client_refuses_writes_before_sending(tmp_path: Path) -> None:
    with FakeAPI(load_scenario("healthy")) as api:
        client, _ = _cloudflare(api, tmp_path)
        with pytest.raises(WriteRefused):
            client._http.post("/user/tokens/verify")
        client.close()

    assert api.requests == []


def test_the_github_client_refuses_writes_before_sending(tmp_path: Path) -> None:
    with FakeAPI(load_scenario("healthy")) as api:
        settings = _settings(api, tmp_path)
        client = GitHubClient(settings.github, 5, Retrier(Deadline(10), Gate()))
        with pytest.raises(WriteRefused):
            client._send("PATCH", "/repos/runart/runart-foundry", None)

    assert api.requests == []


def test_settings_read_the_ecosystem_variables(tmp_path: Path) -> None:
    environ = {
        "GITHUB_TOKEN": "ghp_from_github_token_0000",
        "GH_TOKEN": "  ghp_from_gh_token_00000000\n",
        "CLOUDFLARE_API_TOKEN": "cf-token-0000000000",
        "CLOUDFLARE_ACCOUNT_ID": "023e105f4ecef8ad9ca31a8372d0c353",
        "GITHUB_REPOSITORY": "runart/runart-foundry",
        "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
    }

    settings = load_settings(tmp_path, environ, deadline=30)

    assert settings.github.token is not None
    assert settings.github.token.reveal() == "ghp_from_gh_token_00000000"
    assert settings.github.token_name == "GH_TOKEN"
    assert settings.github.api_url == "https://ghe.example.com/api/v3"
    assert settings.github.repository == "runart/runart-foundry"
    assert settings.cloudflare.api_url == "https://api.cloudflare.com/client/v4"
    assert settings.deadline == 30


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:runart/runart-foundry.git",
        "https://github.com/runart/runart-foundry",
        "https://x-access-token:ghs_secret@github.com/runart/runart-foundry.git",
        "ssh://git@ghe.example.com:2222/runart/runart-foundry.git",
    ],
)
def test_repository_comes_from_the_origin_remote(url: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(
        '[core]\n\tbare = false\n[remote "upstream"]\n\turl = git@github.com:a/b.git\n'
        f'[remote "origin"]\n\turl = {url}\n'
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
    )

    assert remote_repository(tmp_path) == "runart/runart-foundry"
    assert load_settings(tmp_path, {}, 10).github.repository == "runart/runart-foundry"


def test_plain_http_is_allowed_only_to_this_machine(tmp_path: Path) -> None:
    allowed = load_settings(
        tmp_path, {"CLOUDFLARE_API_BASE_URL": "http://[::1]:8080/v4"}, 5
    )

    assert allowed.cloudflare.api_url == "http://[::1]:8080/v4"
    with pytest.raises(SettingsError, match="plain http to another machine"):
        load_settings(tmp_path, {"CLOUDFLARE_API_BASE_URL": "http://10.0.0.1/v4"}, 5)


ACCOUNT = "/accounts/023e105f4ecef8ad9ca31a8372d0c353"
REPO = "/repos/runart/runart-foundry"
# For each shared example: the request that gets the same answer from the fake,
# and the fields the live layer reads from it (`[]` descends into every item).
READS = [
    ("github.repos.get.json", "github", REPO, ["full_name", "default_branch"]),
    (
        "github.actions.secrets.list.json",
        "github",
        f"{REPO}/actions/secrets",
        ["total_count", "secrets[].name"],
    ),
    (
        "github.actions.variables.list.json",
        "github",
        f"{REPO}/actions/variables",
        ["total_count", "variables[].name"],
    ),
    (
        "github.environments.list.json",
        "github",
        f"{REPO}/environments",
        [
            "environments[].name",
            "environments[].protection_rules[].type",
            "environments[].protection_rules[].reviewers",
            "environments[].protection_rules[].wait_timer",
            "environments[].deployment_branch_policy.protected_branches",
        ],
    ),
    (
        "github.actions.workflows.list.json",
        "github",
        f"{REPO}/actions/workflows",
        ["workflows[].path", "workflows[].name", "workflows[].state"],
    ),
    (
        "github.actions.workflow-runs.list.json",
        "github",
        f"{REPO}/actions/workflows/pages-prod.yml/runs",
        [
            "workflow_runs[].run_number",
            "workflow_runs[].head_branch",
            "workflow_runs[].event",
            "workflow_runs[].conclusion",
            "workflow_runs[].created_at",
        ],
    ),
    (
        "github.branches.protection.get.404-not-protected.json",
        "github",
        f"{REPO}/branches/develop/protection",
        ["message", "status"],
    ),
    (
        "github.rules.branches.get.composed.json",
        "github",
        f"{REPO}/rules/branches/main",
        ["[].type"],
    ),
    (
        "cloudflare.accounts.tokens.verify.json",
        "cloudflare",
        f"{ACCOUNT}/tokens/verify",
        ["success", "result.status", "result.expires_on"],
    ),
    (
        "cloudflare.pages.projects.get.json",
        "cloudflare",
        f"{ACCOUNT}/pages/projects/runart-foundry",
        [
            "success",
            "result.name",
            "result.production_branch",
            "result.deployment_configs.production.kv_namespaces",
            "result.deployment_configs.production.env_vars",
        ],
    ),
    (
        "cloudflare.pages.deployments.list.json",
        "cloudflare",
        f"{ACCOUNT}/pages/projects/runart-foundry/deployments",
        [
            "result[].short_id",
            "result[].environment",
            "result[].created_on",
            "result[].latest_stage.name",
            "result[].latest_stage.status",
            "result[].deployment_trigger.metadata.branch",
            "result_info.total_pages",
        ],
    ),
    (
        "cloudflare.kv.namespaces.list.json",
        "cloudflare",
        f"{ACCOUNT}/storage/kv/namespaces",
        ["result[].id", "result[].title", "result_info.total_count"],
    ),
    (
        "cloudflare.error.404-8000007-project-not-found.json",
        "cloudflare",
        f"{ACCOUNT}/pages/projects/nope",
        ["success", "errors[].code", "errors[].message"],
    ),
]


def _at(value: Any, path: str) -> list[Any]:
    """Return every value at a dotted path; `name[]` descends into each item."""
    found = [value]
    for part in filter(None, path.split(".")):
        key, many = part.removesuffix("[]"), part.endswith("[]")
        found = [
            item.get(key) if key else item
            for item in found
            if isinstance(item, dict) or not key
        ]
        if many:
            found = [
                entry for item in found if isinstance(item, list) for entry in item
            ]
    return [item for item in found if item is not None]


@pytest.mark.parametrize(
    ("example", "api_name", "path", "fields"), READS, ids=[case[0] for case in READS]
)
def test_fake_answers_carry_what_real_ones_do(
    example: str, api_name: str, path: str, fields: list[str]
) -> None:
    real = json.loads(shared_path("reference", "api-examples", example).read_text())
    extra = {
        "environments": {"production": {"wait_timer": 5}},
        "branches": {"develop": {}},
    }
    scenario = load_scenario("healthy", {"github": extra})
    with FakeAPI(scenario) as api:
        token = api.github_token if api_name == "github" else api.cloudflare_token
        scheme = "token" if api_name == "github" else "Bearer"
        target = api.github if api_name == "github" else api.cloudflare
        answer = target.answer(path, {}, {"Authorization": f"{scheme} {token}"})

    for field in fields:
        real_values, fake_values = _at(real, field), _at(answer.body, field)
        assert real_values, f"the real {example} has no `{field}`"
        assert fake_values, f"the fake's answer has no `{field}`"
        assert {type(v) for v in fake_values} <= {type(v) for v in real_values}, field
    assert (answer.status >= 400) == ("error" in example or "404" in example)
