"""Read both services concurrently, within the deadline, into a `LiveSnapshot`.

Every read is planned up front from the offline audit and runs on a bounded
thread pool, so the audit takes about as long as its slowest chain of
requests (a paginated list) rather than the sum of them.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from runart_lint.graph.model import Audit
from runart_lint.live.cloudflare_client import CloudflareClient, CloudflareReader
from runart_lint.live.github_client import GitHubClient, GitHubReader
from runart_lint.live.plan import LivePlan, make_plan
from runart_lint.live.settings import Settings
from runart_lint.live.snapshot import (
    CloudflareData,
    Fetched,
    GitHubData,
    LiveSnapshot,
    TokenCheck,
)
from runart_lint.live.transport import Deadline, Failure, FetchError, Gate, Retrier
from runart_lint.records import record, replace

logger = logging.getLogger(__name__)

Key = tuple[str, ...]
Outcome = Any
# When the repository itself cannot be read, that is the reason for every
# GitHub check, whatever the other reads answered.
REPOSITORY_REFUSED = frozenset({"auth", "forbidden", "not-found"})


@record
class Task:
    """One read: its key, what it reads (for messages), and how."""

    key: Key
    what: str
    read: Callable[[], Any]


def live_source(
    settings: Settings, sides: Collection[str]
) -> Callable[[Audit], LiveSnapshot]:
    """Return the function the engine calls to read the services for an audit."""

    def read(audit: Audit) -> LiveSnapshot:
        return fetch_snapshot(audit, settings, sides)

    return read


def fetch_snapshot(
    audit: Audit, settings: Settings, sides: Collection[str]
) -> LiveSnapshot:
    """Read what the plan needs from the services in `sides`."""
    plan = make_plan(audit)
    deadline = Deadline(settings.deadline)
    github_reason = _github_unavailable(settings) if "github" in sides else "not needed"
    cloudflare_reason = (
        _cloudflare_unavailable(settings) if "cloudflare" in sides else "not needed"
    )

    tasks: list[Task] = []
    cloudflare: CloudflareClient | None = None
    if github_reason is None:
        github = settings.github
        logger.info(
            "reading %s (from %s) with the token in `%s`",
            github.repository,
            github.repository_source,
            github.token_name,
        )
        tasks += _github_tasks(settings, plan, deadline)
    if cloudflare_reason is None:
        cloudflare = _cloudflare_client(settings, deadline)
        tasks += _cloudflare_tasks(settings, plan, cloudflare)
    try:
        outcomes = _run(tasks, settings.workers, deadline)
    finally:
        if cloudflare is not None:
            cloudflare.close()

    return LiveSnapshot(
        github=_github_data(settings, plan, outcomes, github_reason),
        cloudflare=_cloudflare_data(settings, plan, outcomes, cloudflare_reason),
    )


def _github_unavailable(settings: Settings) -> str | None:
    """Return why GitHub cannot be read, or None when it can."""
    github = settings.github
    if github.token is None:
        return "no GitHub token: set `GH_TOKEN` or `GITHUB_TOKEN`"
    if github.repository is None:
        return "no repository: set `GITHUB_REPOSITORY` or add an `origin` remote"
    return None


def _cloudflare_unavailable(settings: Settings) -> str | None:
    """Return why Cloudflare cannot be read, or None when it can."""
    if settings.cloudflare.token is None:
        return "no Cloudflare token: set `CLOUDFLARE_API_TOKEN`"
    return None


def _github_tasks(settings: Settings, plan: LivePlan, deadline: Deadline) -> list[Task]:
    """Return every GitHub read of the plan."""
    assert settings.github.repository is not None
    retrier = Retrier(deadline, Gate(), backoff=settings.backoff)
    client = GitHubClient(settings.github, settings.request_timeout, retrier)
    reader = GitHubReader(client, settings.github.repository)
    branch = plan.production_branch

    tasks = [
        Task(("repo",), "the repository", reader.repository),
        Task(("secrets",), "repository secrets", reader.secret_names),
        Task(
            ("org-secrets",), "organization secrets", reader.organization_secret_names
        ),
        Task(("variables",), "repository variables", reader.variable_names),
        Task(
            ("org-variables",),
            "organization variables",
            reader.organization_variable_names,
        ),
        Task(("environments",), "environments", reader.environments),
        Task(
            ("protected",),
            f"branch protection of `{branch}`",
            _bind(reader.protected, branch),
        ),
        Task(("rules",), f"rulesets of `{branch}`", _bind(reader.branch_rules, branch)),
        Task(("workflows",), "workflows", reader.workflows),
    ]
    for name in plan.environments:
        tasks.append(
            Task(
                ("env-secrets", name),
                f"secrets of environment `{name}`",
                _bind(reader.secret_names, name),
            )
        )
        tasks.append(
            Task(
                ("env-variables", name),
                f"variables of environment `{name}`",
                _bind(reader.variable_names, name),
            )
        )
    tasks += [
        Task(
            ("runs", w.path),
            f"runs of `{w.path}`",
            _bind(reader.latest_run, w.path, w.branch),
        )
        for w in plan.workflows
    ]
    return tasks


def _cloudflare_client(settings: Settings, deadline: Deadline) -> CloudflareClient:
    """Return the shared Cloudflare client (httpx clients are thread-safe)."""
    retrier = Retrier(deadline, Gate(), backoff=settings.backoff)
    return CloudflareClient(
        settings.cloudflare, settings.request_timeout, retrier, settings.workers
    )


def _cloudflare_tasks(
    settings: Settings, plan: LivePlan, client: CloudflareClient
) -> list[Task]:
    """Return every Cloudflare read of the plan."""
    reader = CloudflareReader(client, settings.cloudflare.account_id)
    tasks = [Task(("token",), "token verification", reader.verify_token)]
    if settings.cloudflare.account_id is None:
        return tasks

    tasks.append(Task(("kv",), "KV namespaces", reader.kv_namespaces))
    tasks += [
        Task(("project", name), f"Pages project `{name}`", _bind(reader.project, name))
        for name in plan.projects
    ]
    tasks += [
        Task(
            ("deployment", project, environment),
            f"{environment} deployments of `{project}`",
            _bind(reader.latest_deployment, project, environment),
        )
        for project, environment in plan.deployments
    ]
    return tasks


def _bind(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Return `function` with its arguments bound (a loop-safe closure)."""
    return lambda: function(*args)


def _run(tasks: list[Task], workers: int, deadline: Deadline) -> dict[Key, Outcome]:
    """Run every task on daemon threads; a task still running at the deadline fails.

    The threads are daemons, so a read that never ends (a server that trickles
    one byte at a time) cannot keep the process alive after the report.
    """
    if not tasks:
        return {}
    started = time.monotonic()
    queue: collections.deque[Task] = collections.deque(tasks)
    outcomes: dict[Key, Outcome] = {}
    finished = threading.Condition()

    def work() -> None:
        while True:
            with finished:
                if not queue:
                    return
                task = queue.popleft()
            outcome = _attempt(task)
            with finished:
                outcomes[task.key] = outcome
                finished.notify_all()

    for number in range(min(workers, len(tasks))):
        threading.Thread(target=work, name=f"runart-live-{number}", daemon=True).start()
    with finished:
        finished.wait_for(lambda: len(outcomes) == len(tasks), deadline.remaining())
        late = [task for task in tasks if task.key not in outcomes]
        queue.clear()
        result = dict(outcomes)

    limit = f"no answer within the {deadline.seconds:g} s limit of `--live-timeout`"
    for task in late:
        result[task.key] = FetchError(task.what, Failure("timeout", limit))
    logger.info(
        "read %d resources in %.2f s (%d not in time)",
        len(tasks),
        time.monotonic() - started,
        len(late),
    )
    return result


def _attempt(task: Task) -> Outcome:
    """Run one read; return its value, or the FetchError saying why it failed."""
    try:
        return task.read()
    except FetchError as error:
        logger.info("could not read %s", error.reason)
        return error
    except Exception as error:  # a bug must cost one check, not the audit
        logger.debug("reading %s failed", task.what, exc_info=True)
        detail = f"internal error: {type(error).__name__}"
        return FetchError(task.what, Failure("internal", detail))


def _fetched(outcomes: dict[Key, Outcome], key: Key) -> Fetched[Any]:
    """Return one outcome as a `Fetched` value."""
    if key not in outcomes:
        return Fetched.failed("not read")
    outcome = outcomes[key]
    if isinstance(outcome, FetchError):
        return Fetched.failed(outcome.reason)
    return Fetched(outcome)


def _github_data(
    settings: Settings, plan: LivePlan, outcomes: dict[Key, Outcome], reason: str | None
) -> GitHubData:
    """Return the GitHub side of the snapshot."""
    repository = settings.github.repository
    repo = outcomes.get(("repo",))
    if isinstance(repo, FetchError) and repo.failure.kind in REPOSITORY_REFUSED:
        reason = repo.reason
    if reason is not None:
        return _unread_github(repository, reason)

    environments = _fetched(outcomes, ("environments",))
    return GitHubData(
        repository=repository,
        repo=_fetched(outcomes, ("repo",)),
        secrets=_union(outcomes, ("secrets",), ("org-secrets",)),
        variables=_union(outcomes, ("variables",), ("org-variables",)),
        environments=environments,
        environment_secrets={
            name: _of_environment(outcomes, ("env-secrets", name), environments)
            for name in plan.environments
        },
        environment_variables={
            name: _of_environment(outcomes, ("env-variables", name), environments)
            for name in plan.environments
        },
        protected=_fetched(outcomes, ("protected",)),
        rules=_fetched(outcomes, ("rules",)),
        workflows=_fetched(outcomes, ("workflows",)),
        runs={w.path: _fetched(outcomes, ("runs", w.path)) for w in plan.workflows},
    )


def _unread_github(repository: str | None, reason: str) -> GitHubData:
    """Return a GitHub side where nothing could be read, and why."""
    failed: Fetched[Any] = Fetched.failed(reason)
    return GitHubData(
        repository=repository,
        unread=reason,
        repo=failed,
        secrets=failed,
        variables=failed,
        environments=failed,
        protected=failed,
        rules=failed,
        workflows=failed,
    )


def _union(outcomes: dict[Key, Outcome], *keys: Key) -> Fetched[frozenset[str]]:
    """Return the union of name sets; failed when any part failed."""
    names: frozenset[str] = frozenset()
    for key in keys:
        part = _fetched(outcomes, key)
        if not part.ok:
            return part
        names |= part.value
    return Fetched(names)


def _of_environment(
    outcomes: dict[Key, Outcome], key: Key, environments: Fetched[Any]
) -> Fetched[frozenset[str]]:
    """Return an environment's names; none for an environment GitHub lacks.

    A 404 for an environment that is not in the environment list means the
    environment does not exist yet (GitHub creates it on the first deploy),
    not that the token cannot see it.
    """
    outcome = outcomes.get(key)
    missing = (
        isinstance(outcome, FetchError)
        and outcome.failure.kind == "not-found"
        and environments.ok
        and key[1] not in environments.value
    )
    return Fetched(frozenset()) if missing else _fetched(outcomes, key)


def _cloudflare_data(
    settings: Settings, plan: LivePlan, outcomes: dict[Key, Outcome], reason: str | None
) -> CloudflareData:
    """Return the Cloudflare side of the snapshot."""
    account = settings.cloudflare.account_id
    if reason is not None:
        failed: Fetched[Any] = Fetched.failed(reason)
        return CloudflareData(
            account, unread=reason, token=failed, kv_namespaces=failed
        )
    if account is None:
        unread = "no Cloudflare account: set `CLOUDFLARE_ACCOUNT_ID`"
        return CloudflareData(
            account,
            unread=unread,
            token=_fetched(outcomes, ("token",)),
            kv_namespaces=Fetched.failed(unread),
        )

    return CloudflareData(
        account_id=account,
        token=_token(outcomes),
        projects={n: _fetched(outcomes, ("project", n)) for n in plan.projects},
        deployments={
            (p, e): _fetched(outcomes, ("deployment", p, e))
            for p, e in plan.deployments
        },
        kv_namespaces=_fetched(outcomes, ("kv",)),
    )


def _token(outcomes: dict[Key, Outcome]) -> Fetched[TokenCheck]:
    """Return the token check, noting when a user token cannot read the account."""
    token: Fetched[TokenCheck] = _fetched(outcomes, ("token",))
    if not token.ok or token.value.status != "active" or token.value.scope != "user":
        return token
    refusals = [
        o.failure.message or o.failure.detail
        for k, o in sorted(outcomes.items(), key=lambda item: item[0])
        if k[0] in ("kv", "project")
        and isinstance(o, FetchError)
        and o.failure.kind == "forbidden"
    ]
    if not refusals:
        return token
    return Fetched(replace(token.value, status="no-account-access", detail=refusals[0]))
