"""The Cloudflare API v4 part of the fake: envelopes, body pagination, error codes.

Every answer, errors included, is the v4 envelope (`success`, `errors`,
`messages`, `result`, `result_info`); lists are paged in the body only, with
no Link header and no ETag; `result_info` has `total_pages` for Pages
deployments alone; deployments refuse `per_page` above 25 (8000024); nullable
fields (`env_vars`, `aliases`, `latest_deployment`, `source`) are sent as
null when empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from fakeapi.answer import Answer, number, stable_id, timestamp

ACCOUNT = re.compile(r"^/accounts/(?P<account>[^/]+)(?P<rest>/.*)$")
ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
ROUTES = (
    (re.compile(r"^/tokens/verify$"), "account-verify"),
    (re.compile(r"^/pages/projects$"), "projects"),
    (re.compile(r"^/pages/projects/(?P<name>[^/]+)$"), "project"),
    (re.compile(r"^/pages/projects/(?P<name>[^/]+)/deployments$"), "deployments"),
    (re.compile(r"^/storage/kv/namespaces$"), "kv"),
)
MAX_DEPLOYMENTS_PAGE = 25
KV_PAGE = (20, 5, 100)
PROJECTS_PAGE = (10, 1, 100)
INVALID_TOKEN = (401, 1000, "Invalid API Token")
UNUSABLE_TOKEN = (401, 10001, "Unable to authenticate request")
NOT_ALLOWED = (403, 10000, "Authentication error")
NOT_FOUND = (
    404,
    8000007,
    "Project not found. The specified project name does "
    "not match any of your existing projects.",
)


class CloudflareFake:
    """Answers Cloudflare v4 requests from the `[cloudflare]` table of a scenario."""

    def __init__(self, scenario: dict[str, Any], token: str) -> None:
        self.data = scenario.get("cloudflare", {})
        self.token = token
        self.account = self.data.get("account_id", "023e105f4ecef8ad9ca31a8372d0c353")
        self.token_data = {
            "status": "active",
            "scope": "account",
            **self.data.get("token", {}),
        }

    def answer(
        self, path: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> Answer:
        """Return the answer to one GET of `path` (below `/client/v4`)."""
        answer = self._answer(path, query, headers)
        answer.headers.update(self.headers())
        return answer

    def endpoint(self, path: str) -> str:
        """Return the name of the endpoint `path` reaches, for the request log."""
        if path == "/user/tokens/verify":
            return "cloudflare user-verify"
        found = ACCOUNT.match(path)
        for pattern, name in ROUTES if found else ():
            if pattern.match(found["rest"] if found else ""):
                return f"cloudflare {name}"
        return "cloudflare unknown"

    def headers(self, retry_after: int | None = None) -> dict[str, str]:
        """Return the headers of every answer (rate limits since September 2025)."""
        headers = {
            "Content-Type": "application/json",
            "CF-Ray": "8f1e2d3c4b5a6978-AMS",
            "Ratelimit": '"default";r=50;t=30',
            "Ratelimit-Policy": '"burst";q=100;w=60',
        }
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
            headers["Ratelimit"] = f'"default";r=0;t={retry_after}'
        return headers

    def failure(self, status: int, code: int, message: str) -> Answer:
        """Return an error envelope."""
        body = {
            "success": False,
            "errors": [{"code": code, "message": message}],
            "messages": [],
            "result": None,
        }
        return Answer(status, body)

    def _answer(
        self, path: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> Answer:
        """Authenticate, then route."""
        value = headers.get("Authorization", "")
        scheme, _, given = value.partition(" ")
        if scheme != "Bearer" or not given or " " in given:
            return self._bad_header()
        if given != self.token or self.token_data["status"] == "invalid":
            return self.failure(*INVALID_TOKEN)
        if path == "/user/tokens/verify":
            return self._verify("user")
        return self._account_route(path, query)

    def _bad_header(self) -> Answer:
        """Return the answer to a malformed Authorization header (6003)."""
        body = {
            "success": False,
            "errors": [
                {
                    "code": 6003,
                    "message": "Invalid request headers",
                    "error_chain": [
                        {
                            "code": 6111,
                            "message": "Invalid format for Authorization header",
                        }
                    ],
                }
            ],
            "messages": [],
            "result": None,
        }
        return Answer(400, body)

    def _account_route(self, path: str, query: dict[str, str]) -> Answer:
        """Route a path below `/accounts/{id}`."""
        found = ACCOUNT.match(path)
        if found is None or not ACCOUNT_ID.match(found["account"]):
            return self.failure(
                400,
                7003,
                f"Could not route to /client/v4{path}, "
                "perhaps your object identifier is invalid?",
            )
        rest = found["rest"]
        if rest == "/tokens/verify":
            return self._verify("account")
        if self.token_data["status"] != "active":
            return self.failure(*UNUSABLE_TOKEN)
        if found["account"] != self.account or self.token_data.get("account") is False:
            return self.failure(*NOT_ALLOWED)
        for pattern, name in ROUTES:
            match = pattern.match(rest)
            if match is not None:
                handler = getattr(self, "_" + name.replace("-", "_"))
                answer: Answer = handler(query, **match.groupdict())
                return answer
        return self.failure(
            400,
            7003,
            f"Could not route to /client/v4{path}, "
            "perhaps your object identifier is invalid?",
        )

    def _verify(self, scope: str) -> Answer:
        """Verify the token on the user or account path."""
        if self.token_data["scope"] != scope:
            return self.failure(*INVALID_TOKEN)
        result = {
            "id": "ed17574386854bf78a67040be0a770b0",
            "status": self.token_data["status"],
        }
        for key in ("not_before", "expires_on"):
            if key in self.token_data:
                result[key] = self.token_data[key]
        messages = [
            {
                "code": 10000,
                "message": "This API Token is valid and active",
                "type": None,
            }
        ]
        return self._success(result, messages=messages)

    def _projects(self, query: dict[str, str]) -> Answer:
        items = [self._project_body(name) for name in sorted(self._all_projects())]
        return self._list(items, query, PROJECTS_PAGE, total_pages=False)

    def _project(self, query: dict[str, str], name: str) -> Answer:
        if name not in self._all_projects():
            return self.failure(*NOT_FOUND)
        return self._success(self._project_body(name))

    def _deployments(self, query: dict[str, str], name: str) -> Answer:
        if name not in self._all_projects():
            return self.failure(*NOT_FOUND)
        if number(query.get("per_page"), MAX_DEPLOYMENTS_PAGE) > MAX_DEPLOYMENTS_PAGE:
            return self.failure(400, 8000024, "Invalid list options provided")
        items = self._deployment_bodies(name)
        if "env" in query:
            items = [d for d in items if d["environment"] == query["env"]]
        page = (MAX_DEPLOYMENTS_PAGE, 1, MAX_DEPLOYMENTS_PAGE)
        return self._list(items, query, page, total_pages=True)

    def _kv(self, query: dict[str, str]) -> Answer:
        namespaces = self.data.get("kv", {})
        items = [
            {"id": ns, "title": title, "supports_url_encoding": True, "beta": False}
            for ns, title in namespaces.items()
        ]
        return self._list(items, query, KV_PAGE, total_pages=False)

    def _list(
        self,
        items: list[Any],
        query: dict[str, str],
        limits: tuple[int, int, int],
        *,
        total_pages: bool,
    ) -> Answer:
        """Return one page of a list with its `result_info`."""
        default, least, most = limits
        per_page = min(max(number(query.get("per_page"), default), least), most)
        page = max(number(query.get("page"), 1), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(items),
        }
        if total_pages:
            info["total_pages"] = max(math.ceil(len(items) / per_page), 1)
        return self._success(chunk, info=info)

    def _success(
        self,
        result: Any,
        messages: list[Any] | None = None,
        info: dict[str, Any] | None = None,
    ) -> Answer:
        body = {
            "success": True,
            "errors": [],
            "messages": messages or [],
            "result": result,
        }
        if info is not None:
            body["result_info"] = info
        return Answer(200, body)

    def _all_projects(self) -> dict[str, dict[str, Any]]:
        return self.data.get("projects", {})

    def _project_body(self, name: str) -> dict[str, Any]:
        data = self._all_projects()[name]
        deployments = self._deployment_bodies(name)
        production = [
            d
            for d in deployments
            if d["environment"] == "production"
            and d["latest_stage"]["status"] == "success"
        ]
        return {
            "id": stable_id("project", name),
            "name": name,
            "subdomain": f"{name}.pages.dev",
            "domains": [f"{name}.pages.dev"],
            "production_branch": data.get("production_branch", "main"),
            "created_on": timestamp(0, 1),
            "source": None,
            "build_config": {
                "build_caching": True,
                "build_command": "npm run build",
                "destination_dir": "site",
                "root_dir": "apps/briefing",
            },
            "deployment_configs": {
                env: self._config(data.get(env, {}))
                for env in ("preview", "production")
            },
            "latest_deployment": deployments[0] if deployments else None,
            "canonical_deployment": production[0] if production else None,
            "uses_functions": True,
        }

    def _config(self, data: dict[str, Any]) -> dict[str, Any]:
        """Return a deployment config; `env_vars` is null when there are none."""
        env_vars: dict[str, Any] = {
            name: {"type": "plain_text", "value": value}
            for name, value in data.get("vars", {}).items()
        }
        env_vars.update(
            {
                name: {"type": "secret_text", "value": ""}
                for name in data.get("secrets", [])
            }
        )
        return {
            "compatibility_date": "2025-10-01",
            "compatibility_flags": [],
            "always_use_latest_compatibility_date": False,
            "fail_open": True,
            "usage_model": "standard",
            "env_vars": env_vars or None,
            "kv_namespaces": {
                binding: {"namespace_id": ns}
                for binding, ns in data.get("kv", {}).items()
            },
        }

    def _deployment_bodies(self, name: str) -> list[dict[str, Any]]:
        """Return a project's deployments, newest first."""
        data = self._all_projects()[name]
        entries = data.get("deployments", [])
        return [self._deployment(name, data, i, d) for i, d in enumerate(entries)]

    def _deployment(
        self, name: str, project: dict[str, Any], index: int, entry: dict[str, Any]
    ) -> dict[str, Any]:
        environment = entry.get("environment", "production")
        default_branch = project.get("production_branch", "main")
        branch = entry.get(
            "branch", default_branch if environment == "production" else "preview"
        )
        deployment_id = stable_id("deployment", name, index)
        short = deployment_id[:8]
        stage = {
            "name": entry.get("stage", "deploy"),
            "status": entry.get("status", "success"),
            "started_on": timestamp(index),
            "ended_on": timestamp(index),
        }
        alias = (
            f"https://{name}.pages.dev"
            if environment == "production"
            else (f"https://{branch.replace('/', '-')}.{name}.pages.dev")
        )
        return {
            "id": deployment_id,
            "short_id": short,
            "project_id": stable_id("project", name),
            "project_name": name,
            "environment": environment,
            "url": f"https://{short}.{name}.pages.dev",
            "created_on": entry.get("created_on", timestamp(index)),
            "modified_on": entry.get("created_on", timestamp(index)),
            "aliases": [alias] if stage["status"] == "success" else None,
            "latest_stage": stage,
            "stages": [stage],
            "deployment_trigger": {
                "type": "ad_hoc",
                "metadata": {
                    "branch": branch,
                    "commit_hash": "ad9ccd918a81025731e10e40267e11273a2634",
                    "commit_message": "Deploy",
                    "commit_dirty": False,
                },
            },
            "is_skipped": False,
            "env_vars": None,
        }
