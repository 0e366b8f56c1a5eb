"""Read the repository's settings from the GitHub REST API through PyGithub.

PyGithub's requester sends every request (authentication, the API version
prefix of GitHub Enterprise, the check that follow-up URLs stay on the same
API, the mapping of errors to exceptions); this module adds the read-only
guard, retries within the deadline, pagination to the end, and typed results.
PyGithub's connection object is not safe to share between threads, so each
worker thread gets its own client.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import urllib.parse
from typing import Any

from github import Auth, Github, GithubException

from runart_lint import __version__
from runart_lint.live.settings import GitHubSettings
from runart_lint.live.snapshot import (
    BranchPolicy,
    Environment,
    Fetched,
    Repository,
    WorkflowRun,
    WorkflowState,
)
from runart_lint.live.transport import (
    Failure,
    FetchError,
    Retrier,
    header,
    refuse_writes,
    retry_after,
)
from runart_lint.records import replace

logger = logging.getLogger(__name__)

LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')
MAX_PAGES = 50
PAGE_SIZE = 100
# Variables lists take at most 30 a page ("List repository variables").
VARIABLES_PAGE_SIZE = 30


class GitHubClient:
    """GET requests to one GitHub API, retried and paginated."""

    def __init__(
        self, settings: GitHubSettings, timeout: float, retrier: Retrier
    ) -> None:
        assert settings.token is not None
        self._settings = settings
        self._timeout = max(1, math.ceil(timeout))
        self._retrier = retrier
        self._local = threading.local()

    def get(
        self, path: str, what: str, needs: str, params: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], Any]:
        """Return the headers and JSON body of one GET."""
        classify = functools.partial(_classify, needs=needs)
        return self._retrier.run(
            what, lambda _timeout: self._send("GET", path, params), classify
        )

    def get_all(
        self,
        path: str,
        what: str,
        needs: str,
        key: str | None = None,
        per_page: int = PAGE_SIZE,
    ) -> list[dict[str, Any]]:
        """Return every item of a list, following `rel="next"` links to the end."""
        items: list[dict[str, Any]] = []
        url: str | None = path
        params: dict[str, Any] | None = {"per_page": per_page}
        for _ in range(MAX_PAGES):
            assert url is not None
            headers, data = self.get(url, what, needs, params)
            items.extend(_items(data, key, what))
            url, params = self._next_page(headers, what), None
            if url is None:
                return items
        raise FetchError(what, Failure("unexpected", f"more than {MAX_PAGES} pages"))

    def _send(
        self, method: str, url: str, params: dict[str, Any] | None
    ) -> tuple[dict[str, Any], Any]:
        """Send one request through this thread's PyGithub requester."""
        refuse_writes(method, url)
        requester = self._github().requester
        return requester.requestJsonAndCheck(method, url, parameters=params)

    def _github(self) -> Github:
        """Return this thread's PyGithub client."""
        client: Github | None = getattr(self._local, "client", None)
        if client is None:
            assert self._settings.token is not None
            client = Github(
                auth=Auth.Token(self._settings.token.reveal()),
                base_url=self._settings.api_url,
                timeout=self._timeout,
                user_agent=f"runart-lint/{__version__}",
                retry=None,
                seconds_between_requests=None,
                seconds_between_writes=None,
            )
            self._local.client = client
        return client

    def _next_page(self, headers: dict[str, Any], what: str) -> str | None:
        """Return the `rel="next"` URL, refusing one outside the configured API."""
        links: dict[str, str] = {
            rel: url for url, rel in LINK.findall(header(headers, "link") or "")
        }
        url = links.get("next")
        if url is None:
            return None
        if not url.startswith(self._settings.api_url + "/"):
            host = urllib.parse.urlsplit(url).netloc
            raise FetchError(
                what,
                Failure(
                    "unexpected",
                    f"the next page is on `{host}`, outside `GITHUB_API_URL`",
                ),
            )
        return url


class GitHubReader:
    """The reads a live audit makes of one repository, as typed values."""

    def __init__(self, client: GitHubClient, repository: str) -> None:
        self._client = client
        self._repo = f"/repos/{repository}"

    def repository(self) -> Repository:
        """Read the repository: its full name and default branch."""
        what = "the repository"
        _, data = self._client.get(self._repo, what, "Metadata: read")
        body = _mapping(data, what)
        return Repository(
            _text(body, "full_name", what), _text(body, "default_branch", what)
        )

    def secret_names(self, scope: str = "") -> frozenset[str]:
        """Read the names of the Actions secrets of the repository or an env."""
        path, what = self._scoped(scope, "actions/secrets", "secrets")
        items = self._client.get_all(path, what, "Secrets: read", "secrets")
        return frozenset(_text(item, "name", what) for item in items)

    def variable_names(self, scope: str = "") -> frozenset[str]:
        """Read the names of the Actions variables of the repository or an env."""
        path, what = self._scoped(scope, "actions/variables", "variables")
        items = self._client.get_all(
            path, what, "Variables: read", "variables", VARIABLES_PAGE_SIZE
        )
        return frozenset(_text(item, "name", what) for item in items)

    def organization_secret_names(self) -> frozenset[str]:
        """Read the names of the organization secrets this repository can use."""
        what = "organization secrets"
        path = f"{self._repo}/actions/organization-secrets"
        items = self._client.get_all(path, what, "Secrets: read", "secrets")
        return frozenset(_text(item, "name", what) for item in items)

    def organization_variable_names(self) -> frozenset[str]:
        """Read the names of the organization variables this repository can use."""
        what = "organization variables"
        path = f"{self._repo}/actions/organization-variables"
        items = self._client.get_all(
            path, what, "Variables: read", "variables", VARIABLES_PAGE_SIZE
        )
        return frozenset(_text(item, "name", what) for item in items)

    def environments(self) -> dict[str, Environment]:
        """Read the deployment environments and their protection rules."""
        what = "environments"
        items = self._client.get_all(
            f"{self._repo}/environments", what, "Actions: read", "environments"
        )
        found = (_environment(item, what) for item in items)
        return {
            environment.name: self._with_policies(environment) for environment in found
        }

    def branch_policies(self, environment: str) -> tuple[BranchPolicy, ...]:
        """Read the name patterns of an environment's custom branch policy."""
        what = f"deployment branch policies of environment `{environment}`"
        path = f"{self._repo}/environments/{_quote(environment)}"
        items = self._client.get_all(
            f"{path}/deployment-branch-policies",
            what,
            "Actions: read",
            "branch_policies",
        )
        return tuple(
            BranchPolicy(_text(i, "name", what), str(i.get("type") or "branch"))
            for i in items
        )

    def _with_policies(self, environment: Environment) -> Environment:
        """Return the environment with its custom branch patterns, or why not read.

        A failed read costs only the checks that judge these patterns, not the
        environment list.
        """
        if environment.branch_policy != "custom":
            return environment

        policies: Fetched[tuple[BranchPolicy, ...]]
        try:
            policies = Fetched(self.branch_policies(environment.name))
        except FetchError as error:
            policies = Fetched.failed(error.reason)
        return replace(environment, branch_policies=policies)

    def protected(self, branch: str) -> bool:
        """Read whether classic branch protection is on for `branch`."""
        what = f"branch protection of `{branch}`"
        path = f"{self._repo}/branches/{_quote(branch)}/protection"
        try:
            self._client.get(path, what, "Administration: read")
        except FetchError as error:
            # "Branch not protected" is a 404 of its own ("Get branch protection").
            if error.failure.message == "Branch not protected":
                return False
            raise
        return True

    def branch_rules(self, branch: str) -> tuple[str, ...]:
        """Read the types of the ruleset rules active on `branch`."""
        what = f"rulesets of `{branch}`"
        path = f"{self._repo}/rules/branches/{_quote(branch)}"
        items = self._client.get_all(path, what, "Metadata: read")
        return tuple(sorted({_text(item, "type", what) for item in items}))

    def workflows(self) -> dict[str, WorkflowState]:
        """Read the workflows GitHub knows, by path."""
        what = "workflows"
        items = self._client.get_all(
            f"{self._repo}/actions/workflows", what, "Actions: read", "workflows"
        )
        states = (
            WorkflowState(_text(i, "path", what), _text(i, "state", what))
            for i in items
        )
        return {state.path: state for state in states}

    def latest_run(self, path: str, branch: str | None) -> WorkflowRun | None:
        """Read the newest completed run of a workflow, on `branch` when given."""
        what = f"runs of `{path}`"
        file_name = _quote(path.rsplit("/", 1)[-1])
        params: dict[str, Any] = {"status": "completed", "per_page": 1}
        if branch is not None:
            params["branch"] = branch
        runs_path = f"{self._repo}/actions/workflows/{file_name}/runs"
        _, data = self._client.get(runs_path, what, "Actions: read", params)
        runs = _items(data, "workflow_runs", what)
        return _run(runs[0], what) if runs else None

    def _scoped(self, scope: str, tail: str, noun: str) -> tuple[str, str]:
        """Return the path and description of a repository or environment list."""
        if not scope:
            return f"{self._repo}/{tail}", f"repository {noun}"
        leaf = tail.rsplit("/", 1)[-1]
        path = f"{self._repo}/environments/{_quote(scope)}/{leaf}"
        return path, f"{noun} of environment `{scope}`"


def _classify(error: Exception, needs: str) -> Failure:
    """Return why a PyGithub call failed, or re-raise what is not an API failure."""
    if isinstance(error, GithubException):
        return _api_failure(error, needs)
    if isinstance(error, ValueError):
        return Failure("invalid", "GitHub's answer is not valid JSON")
    if isinstance(error, OSError):
        return Failure("network", f"no answer from GitHub ({type(error).__name__})")
    raise error


def _api_failure(error: GithubException, needs: str) -> Failure:
    """Return the failure an error status of GitHub stands for."""
    status = error.status
    headers = {str(k): str(v) for k, v in (error.headers or {}).items()}
    message = _message(error.data)
    said = f"GitHub answered {status}" + (
        f" {_first_sentence(message)}" if message else ""
    )
    if status == 401:
        return Failure(
            "auth", f"{said}: the token is invalid or expired", status, message
        )
    if status in (403, 429) and (status == 429 or "rate limit" in message.lower()):
        return _rate_limit(said, status, message, headers)
    if status in (403, 404):
        kind = "forbidden" if status == 403 else "not-found"
        wanted = header(headers, "x-accepted-github-permissions") or needs
        return Failure(kind, f"{said} (the token needs {wanted})", status, message)
    kind = "server" if status >= 500 else "client"
    return Failure(kind, said, status, message)


def _rate_limit(
    said: str, status: int, message: str, headers: dict[str, str]
) -> Failure:
    """Return a primary or secondary rate-limit failure with its wait."""
    reset = header(headers, "x-ratelimit-reset")
    exhausted = header(headers, "x-ratelimit-remaining") == "0"
    return Failure(
        "rate-limit",
        said,
        status,
        message,
        retry_after=retry_after(headers),
        reset_at=float(reset) if exhausted and reset and reset.isdigit() else None,
        secondary="secondary rate limit" in message.lower(),
    )


def _message(data: Any) -> str:
    """Return the `message` of an error body."""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""


def _first_sentence(message: str) -> str:
    """Return the first sentence of an API message, without its full stop."""
    return message.split(". ", 1)[0].rstrip(".")


def _items(data: Any, key: str | None, what: str) -> list[dict[str, Any]]:
    """Return the objects of a list body (wrapped under `key`, or bare)."""
    items = _mapping(data, what).get(key) if key is not None else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FetchError(
            what, Failure("unexpected", "the answer is not a list of objects")
        )
    return items


def _mapping(data: Any, what: str) -> dict[str, Any]:
    """Return a JSON object, refusing anything else."""
    if not isinstance(data, dict):
        raise FetchError(what, Failure("unexpected", "the answer is not a JSON object"))
    return data


def _text(item: dict[str, Any], key: str, what: str) -> str:
    """Return a string field, refusing a missing or non-string one."""
    value = item.get(key)
    if not isinstance(value, str):
        raise FetchError(what, Failure("unexpected", f"an item has no string `{key}`"))
    return value


def _environment(item: dict[str, Any], what: str) -> Environment:
    """Return an environment with its reviewers, wait timer and branch policy."""
    rules = [r for r in item.get("protection_rules") or [] if isinstance(r, dict)]
    reviewers = sum(
        len(r.get("reviewers") or [])
        for r in rules
        if r.get("type") == "required_reviewers"
    )
    waits = [r.get("wait_timer") for r in rules if r.get("type") == "wait_timer"]
    wait = max((w for w in waits if isinstance(w, int)), default=0)
    policy = item.get("deployment_branch_policy")
    branch_policy = None
    if isinstance(policy, dict):
        branch_policy = "protected" if policy.get("protected_branches") else "custom"
    return Environment(_text(item, "name", what), reviewers, wait, branch_policy)


def _run(item: dict[str, Any], what: str) -> WorkflowRun:
    """Return a workflow run's number, branch, event, conclusion and date."""
    number = item.get("run_number")
    return WorkflowRun(
        number=number if isinstance(number, int) else 0,
        branch=str(item.get("head_branch") or ""),
        event=str(item.get("event") or ""),
        conclusion=str(item.get("conclusion") or item.get("status") or "unknown"),
        created_at=_text(item, "created_at", what),
    )


def _quote(segment: str) -> str:
    """Return a path segment URL-encoded, `/` included."""
    return urllib.parse.quote(segment, safe="")
