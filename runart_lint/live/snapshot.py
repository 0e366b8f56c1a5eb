"""What a live audit read from GitHub and Cloudflare: typed, each part with why
it may be missing.

Every value a rule reads comes wrapped in `Fetched`: either the value, or the
reason it could not be read. `Fetched.get()` raises `CheckUnavailable`, which
the engine reports as the rule not run, so a check never passes on data it
did not see.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from runart_lint.findings import CheckUnavailable
from runart_lint.records import field, record

T = TypeVar("T")
NOT_READ = "not read"


@record
class Fetched(Generic[T]):
    """A value read from an API, or why it could not be read."""

    value: T
    error: str | None = None

    @classmethod
    def failed(cls, reason: str) -> Fetched[T]:
        """Return a value that could not be read, and why."""
        return cls(cast(T, None), reason)

    @property
    def ok(self) -> bool:
        """Return whether the value was read."""
        return self.error is None

    def get(self) -> T:
        """Return the value, or raise `CheckUnavailable` with the reason."""
        if self.error is not None:
            raise CheckUnavailable(self.error)
        return self.value


class Gaps:
    """The parts of a check that could not be judged, and why.

    A live rule checks what it can and records the rest here; `close()`
    then raises `CheckUnavailable`, so the findings already yielded are kept
    and the check is reported as not run as well.
    """

    MAX_SHOWN = 2

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def missing(self, fetched: Fetched[Any]) -> bool:
        """Return whether `fetched` failed, recording why."""
        if fetched.error is not None:
            self.note(fetched.error)
        return fetched.error is not None

    def note(self, reason: str) -> None:
        """Record one reason (once)."""
        if reason not in self.reasons:
            self.reasons.append(reason)

    def close(self) -> None:
        """Raise `CheckUnavailable` when anything could not be judged."""
        if not self.reasons:
            return
        shown = "; ".join(self.reasons[: self.MAX_SHOWN])
        more = len(self.reasons) - self.MAX_SHOWN
        raise CheckUnavailable(shown + (f"; and {more} more" if more > 0 else ""))


@record
class Repository:
    """The repository as GitHub describes it."""

    full_name: str
    default_branch: str


@record
class BranchPolicy:
    """One name pattern of an environment's custom deployment branch policy."""

    name: str
    type: str = "branch"


@record
class Environment:
    """A GitHub deployment environment and the gates in front of it.

    `branch_policies` holds the name patterns of a custom branch policy; it is
    None when the policy is not custom.
    """

    name: str
    reviewers: int = 0
    wait_timer: int = 0
    branch_policy: str | None = None
    branch_policies: Fetched[tuple[BranchPolicy, ...]] | None = None

    @property
    def gated(self) -> bool:
        """Return whether a deploy waits for a person or a timer."""
        return self.reviewers > 0 or self.wait_timer > 0


@record
class WorkflowState:
    """A workflow GitHub knows, and whether it is switched on."""

    path: str
    state: str


@record
class WorkflowRun:
    """The latest completed run of a workflow."""

    number: int
    branch: str
    event: str
    conclusion: str
    created_at: str


@record
class GitHubData:
    """Everything read from GitHub; `unread` says why a missing part is missing."""

    repository: str | None
    unread: str = NOT_READ
    repo: Fetched[Repository] = field(default_factory=lambda: Fetched.failed(NOT_READ))
    secrets: Fetched[frozenset[str]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )
    variables: Fetched[frozenset[str]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )
    environments: Fetched[dict[str, Environment]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )
    environment_secrets: dict[str, Fetched[frozenset[str]]] = field(
        default_factory=dict
    )
    environment_variables: dict[str, Fetched[frozenset[str]]] = field(
        default_factory=dict
    )
    protected: Fetched[bool] = field(default_factory=lambda: Fetched.failed(NOT_READ))
    rules: Fetched[tuple[str, ...]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )
    workflows: Fetched[dict[str, WorkflowState]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )
    runs: dict[str, Fetched[WorkflowRun | None]] = field(default_factory=dict)

    def secrets_of(self, environment: str) -> Fetched[frozenset[str]]:
        """Return the secret names of one environment."""
        return self.environment_secrets.get(environment, Fetched.failed(self.unread))

    def variables_of(self, environment: str) -> Fetched[frozenset[str]]:
        """Return the variable names of one environment."""
        return self.environment_variables.get(environment, Fetched.failed(self.unread))

    def runs_of(self, workflow: str) -> Fetched[WorkflowRun | None]:
        """Return the latest completed run of one workflow (None: it has none)."""
        return self.runs.get(workflow, Fetched.failed(self.unread))


@record
class TokenCheck:
    """What Cloudflare says of the API token."""

    status: str
    scope: str
    expires_on: str | None = None
    not_before: str | None = None
    detail: str = ""


@record
class DeploymentConfig:
    """The bindings and variables a Pages project deploys one environment with.

    `vars` maps a plain-text variable to its value and a secret to None.
    """

    kv: dict[str, str]
    vars: dict[str, str | None]


@record
class PagesProject:
    """A Pages project and its two deployment configurations."""

    name: str
    production_branch: str
    configs: dict[str, DeploymentConfig]


@record
class Deployment:
    """The newest deployment of a Pages project in one environment."""

    short_id: str
    environment: str
    branch: str | None
    stage: str
    status: str
    created_on: str

    @property
    def failed(self) -> bool:
        """Return whether it stopped with a failure or was canceled."""
        return self.status in ("failure", "canceled")


@record
class CloudflareData:
    """Everything read from Cloudflare; `unread` says why a missing part is missing.

    A project or deployment that does not exist is read as None.
    """

    account_id: str | None
    unread: str = NOT_READ
    token: Fetched[TokenCheck] = field(default_factory=lambda: Fetched.failed(NOT_READ))
    projects: dict[str, Fetched[PagesProject | None]] = field(default_factory=dict)
    deployments: dict[tuple[str, str], Fetched[Deployment | None]] = field(
        default_factory=dict
    )
    kv_namespaces: Fetched[dict[str, str]] = field(
        default_factory=lambda: Fetched.failed(NOT_READ)
    )

    def project(self, name: str) -> Fetched[PagesProject | None]:
        """Return one Pages project, None when it does not exist."""
        return self.projects.get(name, Fetched.failed(self.unread))

    def deployment(self, project: str, environment: str) -> Fetched[Deployment | None]:
        """Return the newest deployment of a project in `production` or `preview`."""
        return self.deployments.get((project, environment), Fetched.failed(self.unread))


@record
class LiveSnapshot:
    """The state of both services at the time of the audit."""

    github: GitHubData
    cloudflare: CloudflareData
