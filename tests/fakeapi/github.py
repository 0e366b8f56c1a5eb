"""The GitHub REST API part of the fake: routes, bodies, pagination, errors.

Shapes follow ../shared/reference/apis.md: wrapped lists with `total_count`,
bare arrays for rules, `Link` headers with absolute URLs of the
`/repositories/{id}/...` form pointing back at this server, per-endpoint page
sizes, rate-limit headers on every answer, `status` as a string in error
bodies, and 304 for a matching `If-None-Match`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from fakeapi.answer import Answer, number, timestamp

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000
ROUTES = (
    (re.compile(r"^$"), "repo"),
    (re.compile(r"^/actions/secrets$"), "secrets"),
    (re.compile(r"^/actions/organization-secrets$"), "org-secrets"),
    (re.compile(r"^/actions/variables$"), "variables"),
    (re.compile(r"^/actions/organization-variables$"), "org-variables"),
    (re.compile(r"^/environments$"), "environments"),
    (re.compile(r"^/environments/(?P<env>[^/]+)$"), "environment"),
    (re.compile(r"^/environments/(?P<env>[^/]+)/secrets$"), "env-secrets"),
    (re.compile(r"^/environments/(?P<env>[^/]+)/variables$"), "env-variables"),
    (
        re.compile(r"^/environments/(?P<env>[^/]+)/deployment-branch-policies$"),
        "branch-policies",
    ),
    (re.compile(r"^/branches/(?P<branch>[^/]+)$"), "branch"),
    (re.compile(r"^/branches/(?P<branch>[^/]+)/protection$"), "protection"),
    (re.compile(r"^/rules/branches/(?P<branch>.+)$"), "rules"),
    (re.compile(r"^/actions/workflows$"), "workflows"),
    (re.compile(r"^/actions/workflows/(?P<workflow>[^/]+)/runs$"), "runs"),
)
REPOS = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")
REPOSITORIES = re.compile(r"^/repositories/(?P<id>\d+)(?P<rest>/.*)?$")
# Page sizes: variables lists take at most 30 (default 10); the others 100 (30).
PAGE_SIZES = {
    "variables": (10, 30),
    "org-variables": (10, 30),
    "env-variables": (10, 30),
}
DEFAULT_PAGE_SIZE = (30, 100)


class GitHubFake:
    """Answers GitHub REST requests from the `[github]` table of a scenario."""

    def __init__(self, scenario: dict[str, Any], base_url: str, token: str) -> None:
        self.data = scenario.get("github", {})
        self.base = base_url
        self.token = token
        self.full_name = self.data.get("repository", "runart/runart-foundry")
        self.id = int(self.data.get("id", 1296269))
        self._used = 0
        self._lock = threading.Lock()

    def answer(
        self, path: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> Answer:
        """Return the answer to one GET of `path` (below the API prefix)."""
        refused = self._authenticate(headers)
        if refused is not None:
            return self._finish(refused, headers)
        answer = self._route(path, query)
        return self._finish(answer, headers)

    def endpoint(self, path: str) -> str:
        """Return the name of the endpoint `path` reaches, for the request log."""
        rest = self._rest(path)
        if rest is None:
            return "github rate_limit" if path == "/rate_limit" else "github unknown"
        for pattern, name in ROUTES:
            if pattern.match(rest):
                return f"github {name}"
        return "github unknown"

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        """Return GitHub's error body; `status` is a string in the current style."""
        return {"message": message, "documentation_url": DOCS, "status": str(status)}

    def rate_headers(
        self, remaining: int | None = None, reset_in: float = 3600
    ) -> dict[str, str]:
        """Return the rate-limit headers GitHub sends on every answer."""
        with self._lock:
            self._used += 1
            used = self._used
        left = RATE_LIMIT - used if remaining is None else remaining
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Reset": str(int(time.time() + reset_in)),
            "X-RateLimit-Used": str(RATE_LIMIT - left),
            "X-RateLimit-Resource": "core",
        }

    def _authenticate(self, headers: Mapping[str, str]) -> Answer | None:
        """Return a 401 unless the request carries the scenario's valid token."""
        value = headers.get("Authorization", "")
        scheme, _, given = value.partition(" ")
        if not value:
            return Answer(401, self.error_body(401, "Requires authentication"))
        if scheme.lower() not in ("token", "bearer") or given != self.token:
            return Answer(401, self.error_body(401, "Bad credentials"))
        if self.data.get("token") == "expired":
            return Answer(401, self.error_body(401, "Bad credentials"))
        return None

    def _finish(self, answer: Answer, headers: Mapping[str, str]) -> Answer:
        """Add the headers every answer has, and answer 304 to a matching ETag."""
        answer.headers.update(self.rate_headers())
        answer.headers.update(
            {
                "Content-Type": "application/json; charset=utf-8",
                "X-GitHub-Media-Type": "github.v3; format=json",
                "X-GitHub-Api-Version-Selected": "2022-11-28",
                "X-GitHub-Request-Id": f"FAKE:{self._used:06d}",
            }
        )
        if answer.status != 200:
            return answer
        etag = (
            'W/"' + hashlib.sha256(json.dumps(answer.body).encode()).hexdigest() + '"'
        )
        answer.headers.update(
            {"ETag": etag, "Cache-Control": "private, max-age=60, s-maxage=60"}
        )
        if headers.get("If-None-Match") == etag:
            return Answer(304, None, answer.headers)
        return answer

    def _rest(self, path: str) -> str | None:
        """Return the part of a repository path after `/repos/o/r`, if it is ours."""
        found = REPOS.match(path)
        if found is not None:
            name = f"{found['owner']}/{found['name']}"
            return (
                (found["rest"] or "")
                if name.lower() == self.full_name.lower()
                else None
            )
        found = REPOSITORIES.match(path)
        if found is not None and int(found["id"]) == self.id:
            return found["rest"] or ""
        return None

    def _route(self, path: str, query: dict[str, str]) -> Answer:
        """Return the answer of the endpoint `path` names."""
        if path == "/rate_limit":
            return Answer(200, self._rate_limit())
        rest = self._rest(path)
        for pattern, name in ROUTES if rest is not None else ():
            found = pattern.match(rest or "")
            if found is not None:
                args = {
                    k: urllib.parse.unquote(v) for k, v in found.groupdict().items()
                }
                handler = getattr(self, "_" + name.replace("-", "_"))
                answer: Answer = handler(rest, query, **args)
                return answer
        return Answer(404, self.error_body(404, "Not Found"))

    def _repo(self, rest: str, query: dict[str, str]) -> Answer:
        owner, name = self.full_name.split("/", 1)
        return Answer(
            200,
            {
                "id": self.id,
                "node_id": "R_fake",
                "name": name,
                "full_name": self.full_name,
                "private": True,
                "owner": {"login": owner, "id": 1, "type": "Organization"},
                "html_url": f"https://github.com/{self.full_name}",
                "url": f"{self.base}/repos/{self.full_name}",
                "default_branch": self.data.get("default_branch", "main"),
                "visibility": "private",
                "archived": False,
                "disabled": False,
                "permissions": {"admin": True, "push": True, "pull": True},
            },
        )

    def _secrets(self, rest: str, query: dict[str, str]) -> Answer:
        return self._names(rest, query, self.data.get("secrets", []), "secrets")

    def _org_secrets(self, rest: str, query: dict[str, str]) -> Answer:
        names = self.data.get("organization_secrets", [])
        return self._names(rest, query, names, "secrets")

    def _variables(self, rest: str, query: dict[str, str]) -> Answer:
        return self._values(rest, query, self.data.get("variables", {}), "variables")

    def _org_variables(self, rest: str, query: dict[str, str]) -> Answer:
        values = self.data.get("organization_variables", {})
        return self._values(rest, query, values, "org-variables")

    def _environments(self, rest: str, query: dict[str, str]) -> Answer:
        names = sorted(self._envs())
        items = [self._environment_body(name) for name in names]
        return self._page(items, rest, query, "environments", "environments")

    def _environment(self, rest: str, query: dict[str, str], env: str) -> Answer:
        if env not in self._envs():
            return Answer(404, self.error_body(404, "Not Found"))
        return Answer(200, self._environment_body(env))

    def _env_secrets(self, rest: str, query: dict[str, str], env: str) -> Answer:
        if env not in self._envs():
            return Answer(404, self.error_body(404, "Not Found"))
        return self._names(rest, query, self._envs()[env].get("secrets", []), "secrets")

    def _env_variables(self, rest: str, query: dict[str, str], env: str) -> Answer:
        if env not in self._envs():
            return Answer(404, self.error_body(404, "Not Found"))
        values = self._envs()[env].get("variables", {})
        return self._values(rest, query, values, "env-variables")

    def _branch_policies(self, rest: str, query: dict[str, str], env: str) -> Answer:
        """Answer the custom branch patterns; 404 unless the policy is custom."""
        data = self._envs().get(env)
        if data is None:
            return Answer(404, self.error_body(404, "Not Found"))
        if data.get("branch_policy") != "custom":
            message = "Custom branch policies are not enabled for this environment"
            return Answer(404, self.error_body(404, message))
        items = [
            _branch_policy(i, pattern)
            for i, pattern in enumerate(data.get("branch_policies", []))
        ]
        return self._page(items, rest, query, "branch-policies", "branch_policies")

    def _branch(self, rest: str, query: dict[str, str], branch: str) -> Answer:
        data = self._branches().get(branch)
        if data is None:
            return Answer(404, self.error_body(404, "Branch not found"))
        repo = f"{self.base}/repos/{self.full_name}"
        return Answer(
            200,
            {
                "name": branch,
                "commit": {
                    "sha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
                    "url": f"{repo}/commits/7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
                },
                "protected": bool(data.get("protected")),
                "protection": {"enabled": bool(data.get("protected"))},
                "protection_url": f"{repo}/branches/{branch}/protection",
            },
        )

    def _protection(self, rest: str, query: dict[str, str], branch: str) -> Answer:
        data = self._branches().get(branch)
        if data is None:
            return Answer(404, self.error_body(404, "Branch not found"))
        if not data.get("protected"):
            return Answer(404, self.error_body(404, "Branch not protected"))
        url = f"{self.base}/repos/{self.full_name}/branches/{branch}/protection"
        return Answer(
            200,
            {
                "url": url,
                "required_pull_request_reviews": {
                    "url": f"{url}/required_pull_request_reviews",
                    "dismiss_stale_reviews": False,
                    "require_code_owner_reviews": False,
                    "require_last_push_approval": False,
                    "required_approving_review_count": 1,
                },
                "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": True},
                "required_linear_history": {"enabled": True},
                "allow_force_pushes": {"enabled": False},
                "allow_deletions": {"enabled": False},
            },
        )

    def _rules(self, rest: str, query: dict[str, str], branch: str) -> Answer:
        kinds = self._branches().get(branch, {}).get("rules", [])
        items = [self._rule(kind) for kind in kinds]
        return self._page(items, rest, query, "rules", None)

    def _workflows(self, rest: str, query: dict[str, str]) -> Answer:
        items = [self._workflow_body(path) for path in sorted(self._flows())]
        return self._page(items, rest, query, "workflows", "workflows")

    def _runs(self, rest: str, query: dict[str, str], workflow: str) -> Answer:
        path = self._workflow_path(workflow)
        if path is None:
            return Answer(404, self.error_body(404, "Not Found"))
        runs = [
            self._run_body(path, i, run)
            for i, run in enumerate(self._flows()[path].get("runs", []))
        ]
        runs = [r for r in runs if _run_matches(r, query)]
        return self._page(runs, rest, query, "runs", "workflow_runs")

    def _rate_limit(self) -> dict[str, Any]:
        core = {
            "limit": RATE_LIMIT,
            "used": self._used,
            "remaining": RATE_LIMIT - self._used,
            "reset": int(time.time()) + 3600,
        }
        return {"resources": {"core": core}, "rate": core}

    def _names(
        self, rest: str, query: dict[str, str], names: list[str], key: str
    ) -> Answer:
        items = [
            {"name": n, "created_at": timestamp(i, 10), "updated_at": timestamp(i)}
            for i, n in enumerate(sorted(names))
        ]
        return self._page(items, rest, query, "secrets", key)

    def _values(
        self, rest: str, query: dict[str, str], values: dict[str, str], endpoint: str
    ) -> Answer:
        items = [
            {
                "name": n,
                "value": v,
                "created_at": timestamp(i, 10),
                "updated_at": timestamp(i),
            }
            for i, (n, v) in enumerate(sorted(values.items()))
        ]
        return self._page(items, rest, query, endpoint, "variables")

    def _page(
        self,
        items: list[Any],
        rest: str,
        query: dict[str, str],
        endpoint: str,
        key: str | None,
    ) -> Answer:
        """Return one page of a list, with a `Link` header when there are more."""
        default, maximum = PAGE_SIZES.get(endpoint, DEFAULT_PAGE_SIZE)
        per_page = min(max(number(query.get("per_page"), default), 1), maximum)
        page = max(number(query.get("page"), 1), 1)
        pages = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        body = {"total_count": len(items), key: chunk} if key else chunk
        headers = {}
        if pages > 1:
            headers["Link"] = self._links(rest, query, page, pages, per_page)
        return Answer(200, body, headers)

    def _links(
        self, rest: str, query: dict[str, str], page: int, pages: int, per_page: int
    ) -> str:
        """Return a Link header; URLs are absolute, in the `/repositories/{id}` form."""

        def url(number: int) -> str:
            params = {**query, "per_page": str(per_page), "page": str(number)}
            encoded = urllib.parse.urlencode(params)
            return f"<{self.base}/repositories/{self.id}{rest}?{encoded}>"

        links = []
        if page > 1:
            links.append(f'{url(page - 1)}; rel="prev"')
        if page < pages:
            links.append(f'{url(page + 1)}; rel="next"')
            links.append(f'{url(pages)}; rel="last"')
        if page > 1:
            links.append(f'{url(1)}; rel="first"')
        return ", ".join(links)

    def _envs(self) -> dict[str, dict[str, Any]]:
        return self.data.get("environments", {})

    def _branches(self) -> dict[str, dict[str, Any]]:
        return self.data.get("branches", {})

    def _flows(self) -> dict[str, dict[str, Any]]:
        return self.data.get("workflows", {})

    def _environment_body(self, name: str) -> dict[str, Any]:
        env = self._envs()[name]
        rules: list[dict[str, Any]] = []
        if env.get("wait_timer"):
            rules.append(
                {
                    "id": 3736,
                    "node_id": "GA_wait",
                    "type": "wait_timer",
                    "wait_timer": env["wait_timer"],
                }
            )
        if env.get("reviewers"):
            reviewers = [
                {"type": "User", "reviewer": {"login": login, "id": i + 1}}
                for i, login in enumerate(env["reviewers"])
            ]
            rules.append(
                {
                    "id": 3755,
                    "node_id": "GA_reviewers",
                    "type": "required_reviewers",
                    "prevent_self_review": False,
                    "reviewers": reviewers,
                }
            )
        policy = env.get("branch_policy")
        if policy:
            rules.append({"id": 3756, "node_id": "GA_branch", "type": "branch_policy"})
        quoted = urllib.parse.quote(name, safe="")
        return {
            "id": 161088068 + len(name),
            "node_id": f"EN_{name}",
            "name": name,
            "url": f"{self.base}/repos/{self.full_name}/environments/{quoted}",
            "html_url": f"https://github.com/{self.full_name}/deployments",
            "created_at": timestamp(0, 1),
            "updated_at": timestamp(0, 2),
            "can_admins_bypass": True,
            "protection_rules": rules,
            "deployment_branch_policy": None
            if not policy
            else {
                "protected_branches": policy == "protected",
                "custom_branch_policies": policy == "custom",
            },
        }

    def _rule(self, kind: str) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "type": kind,
            "ruleset_source_type": "Repository",
            "ruleset_source": self.full_name,
            "ruleset_id": 42,
        }
        if kind == "pull_request":
            rule["parameters"] = {
                "allowed_merge_methods": ["merge", "squash", "rebase"],
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": False,
                "require_last_push_approval": False,
                "required_approving_review_count": 1,
                "required_review_thread_resolution": False,
            }
        return rule

    def _workflow_id(self, path: str) -> int:
        return 161335 + sorted(self._flows()).index(path)

    def _workflow_path(self, workflow: str) -> str | None:
        for path in self._flows():
            if workflow in (path.rsplit("/", 1)[-1], str(self._workflow_id(path))):
                return path
        return None

    def _workflow_body(self, path: str) -> dict[str, Any]:
        flow = self._flows()[path]
        number = self._workflow_id(path)
        return {
            "id": number,
            "node_id": f"W_{number}",
            "name": flow.get("name", path.rsplit("/", 1)[-1]),
            "path": path,
            "state": flow.get("state", "active"),
            "created_at": timestamp(0, 1),
            "updated_at": timestamp(0, 2),
            "url": f"{self.base}/repos/{self.full_name}/actions/workflows/{number}",
            "html_url": f"https://github.com/{self.full_name}/blob/main/{path}",
            "badge_url": f"https://github.com/{self.full_name}/workflows/badge.svg",
        }

    def _run_body(self, path: str, index: int, run: dict[str, Any]) -> dict[str, Any]:
        total = len(self._flows()[path].get("runs", []))
        number = int(run.get("number", total - index))
        run_id = 30433642 + self._workflow_id(path) * 1000 + number
        status = run.get("status", "completed")
        return {
            "id": run_id,
            "name": self._flows()[path].get("name", path),
            "head_branch": run.get("branch", self.data.get("default_branch", "main")),
            "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
            "path": path,
            "display_title": "Deploy",
            "run_number": number,
            "run_attempt": 1,
            "event": run.get("event", "push"),
            "status": status,
            "conclusion": run.get("conclusion", "success")
            if status == "completed"
            else None,
            "workflow_id": self._workflow_id(path),
            "url": f"{self.base}/repos/{self.full_name}/actions/runs/{run_id}",
            "html_url": f"https://github.com/{self.full_name}/actions/runs/{run_id}",
            "created_at": run.get("created_at", timestamp(index)),
            "updated_at": run.get("created_at", timestamp(index)),
            "run_started_at": run.get("created_at", timestamp(index)),
            "actor": {"login": "octocat", "id": 1},
            "repository": {"id": self.id, "full_name": self.full_name},
        }


def _branch_policy(index: int, pattern: str | dict[str, str]) -> dict[str, Any]:
    """Return a branch policy body; a bare string is a branch pattern."""
    if isinstance(pattern, str):
        pattern = {"name": pattern}
    number = 361471 + index
    return {
        "id": number,
        "node_id": f"MDE2OkdhdGVCcmFuY2hQb2xpY3k{number}",
        "name": pattern["name"],
        "type": pattern.get("type", "branch"),
    }


def _run_matches(run: dict[str, Any], query: dict[str, str]) -> bool:
    """Return whether a run passes the `branch`, `event` and `status` filters."""
    for key, field in (("branch", "head_branch"), ("event", "event")):
        if key in query and run[field] != query[key]:
            return False
    wanted = query.get("status")
    return wanted is None or wanted in (run["status"], run["conclusion"])
