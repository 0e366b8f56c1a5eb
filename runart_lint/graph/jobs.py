"""Deploy jobs: which jobs hold deploy credentials, and what keeps them from running.

Several rules judge only jobs that deploy or hold deploy credentials, and
accept a job that an `if:` keeps away from an event (pull requests from forks,
for example); the reading of those conditions lives here, once.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import expressions
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Scalar, Span, walk_scalars
from runart_lint.loaders.workflow import Action, Job, Step, Workflow
from runart_lint.records import record

SECRET_REF = re.compile(
    r"\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])", re.I
)
RUNS_ANYWAY = re.compile(r"\b(?:always|failure|cancelled)\s*\(", re.I)
HEAD_REPO = r"github\.event\.pull_request\.head\.repo"
OWN_REPO = (
    r"(?:github\.repository|github\.event\.pull_request\.base\.repo\.full_name"
    r"|github\.event\.repository\.full_name|'[\w.-]+/[\w.-]+')"
)
FORK_GUARDS = (
    re.compile(rf"^{HEAD_REPO}\.full_name\s*==\s*{OWN_REPO}$", re.I),
    re.compile(rf"^{OWN_REPO}\s*==\s*{HEAD_REPO}\.full_name$", re.I),
    re.compile(rf"^{HEAD_REPO}\.fork\s*(?:==\s*false|!=\s*true)$", re.I),
    re.compile(rf"^!\s*{HEAD_REPO}\.fork$", re.I),
)
EVENT_IS = re.compile(
    r"^(?:github\.event_name\s*==\s*'([^']*)'"
    r"|'([^']*)'\s*==\s*github\.event_name)$"
)
EVENT_IS_NOT = re.compile(
    r"^(?:github\.event_name\s*!=\s*'([^']*)'"
    r"|'([^']*)'\s*!=\s*github\.event_name)$"
)
CONSTANT_FALSE = ("false", "0")
# Inputs exist only on `workflow_dispatch` and `workflow_call`; elsewhere null.
DISPATCH_INPUT = re.compile(
    r"^(?:(?:github\.event\.)?inputs\.[\w-]+(?:\s*==\s*(?:'[^']+'|true))?"
    r"|(?:'[^']+'|true)\s*==\s*(?:github\.event\.)?inputs\.[\w-]+)$"
)
# On `pull_request` GITHUB_REF is `refs/pull/<n>/merge`, never a branch or tag.
BRANCH_OR_TAG = re.compile(
    r"^(?:github\.ref\s*==\s*'refs/(?:heads|tags)/|startswith\(\s*github\.ref\s*,"
    r"\s*'refs/(?:heads|tags)/)",
    re.I,
)


@record
class SecretUse:
    """One `secrets.NAME` (or `secrets: inherit`) a job reads, and where."""

    name: str
    path: str
    span: Span
    step: Step | None = None

    @property
    def cloudflare(self) -> bool:
        """Return whether the secret looks like a Cloudflare credential."""
        return is_cloudflare_credential(self.name)


def is_cloudflare_credential(name: str) -> bool:
    """Return whether a secret's name says it is a Cloudflare token or key."""
    upper = name.upper()
    return ("CLOUDFLARE" in upper or upper.startswith("CF_")) and (
        "TOKEN" in upper or "KEY" in upper
    )


def secret_uses(audit: Audit, workflow: Workflow, job: Job) -> tuple[SecretUse, ...]:
    """Return every secret a job reads, workflow-level `env:` included."""
    return audit.remember(
        ("secret-uses", workflow.path, job.id),
        lambda: _secret_uses(audit, workflow, job),
    )


def _secret_uses(audit: Audit, workflow: Workflow, job: Job) -> tuple[SecretUse, ...]:
    """Find the secrets a job reads (see `secret_uses`)."""
    lines = audit.lines(workflow.path)
    uses = [
        use
        for scalar in walk_scalars(workflow.env)
        for use in _scalar_secrets(scalar, workflow.path, lines, None)
    ]
    for key, value in job.node.items():
        if key != "steps":
            uses.extend(
                use
                for scalar in walk_scalars(value)
                for use in _scalar_secrets(scalar, workflow.path, lines, None)
            )
    for step in job.steps:
        uses.extend(
            use
            for scalar in walk_scalars(step.node)
            for use in _scalar_secrets(scalar, workflow.path, lines, step)
        )

    inherit = job.node.scalar("secrets")
    if inherit is not None and inherit.text() == "inherit":
        uses.append(SecretUse("inherit", workflow.path, inherit.span))
    return tuple(uses)


def _scalar_secrets(
    scalar: Scalar, path: str, lines: list[str], step: Step | None
) -> Iterator[SecretUse]:
    """Yield the `secrets.*` references inside the expressions of a scalar."""
    text = scalar.text()
    for expression in expressions(text):
        for match in SECRET_REF.finditer(text, expression.start, expression.end):
            span = locate(scalar, lines, match.start(), match.end())
            yield SecretUse(match.group(1) or match.group(2), path, span, step)


def is_deploy_job(
    audit: Audit, workflow: Workflow, job: Job, seen: frozenset[str] = frozenset()
) -> bool:
    """Return whether a job deploys or holds deploy credentials."""
    if not seen:
        return audit.remember(
            ("deploy-job", workflow.path, job.id),
            lambda: _is_deploy_job(audit, workflow, job, seen),
        )
    return _is_deploy_job(audit, workflow, job, seen)


def _is_deploy_job(
    audit: Audit, workflow: Workflow, job: Job, seen: frozenset[str]
) -> bool:
    """Decide whether a job deploys (see `is_deploy_job`)."""
    deploys = audit.job_deploys(workflow, job)
    if any(deploy.is_deploy or _gets_secret(deploy) for deploy in deploys):
        return True
    if any(use.cloudflare for use in secret_uses(audit, workflow, job)):
        return True
    return _calls_deploy(audit, job, seen | {workflow.path})


def deploy_jobs(audit: Audit) -> Iterator[tuple[Workflow, Job]]:
    """Yield every job that deploys or holds deploy credentials and can run."""
    return iter(audit.remember(("deploy-jobs",), lambda: list(_deploy_jobs(audit))))


def _deploy_jobs(audit: Audit) -> Iterator[tuple[Workflow, Job]]:
    """Find the jobs `deploy_jobs` yields."""
    for workflow in audit.workflows:
        if not workflow.triggers:
            continue
        for job in workflow.jobs:
            if not disabled(job.if_) and is_deploy_job(audit, workflow, job):
                yield workflow, job


def disabled(condition: Scalar | None) -> bool:
    """Return whether an `if:` is the constant false (`false`, `${{ false }}`)."""
    return condition is not None and unwrap(_bare(condition)).lower() in CONSTANT_FALSE


def _gets_secret(deploy: Deploy) -> bool:
    """Return whether a secret is handed to wrangler as a credential or action input.

    Secrets in the `env:` of a `run:` step count only as the Cloudflare token
    or account: a test step running `wrangler d1 execute --local` next to an
    app password does not deploy anything.
    """
    refs = [ref for value in deploy.credentials.values() for ref in value.refs]
    if deploy.action is None and deploy.tool != "run":
        refs.extend(
            ref
            for scalar in walk_scalars(deploy.step.node)
            for expression in expressions(scalar.text())
            for ref in expression.refs()
        )
    return any(ref.startswith("secrets.") for ref in refs)


def _calls_deploy(audit: Audit, job: Job, seen: frozenset[str]) -> bool:
    """Return whether a job calls a local reusable workflow that deploys."""
    uses = job.uses.text() if job.uses is not None else ""
    if not uses.startswith("./"):
        return False

    called = audit.workflow(posixpath.normpath(uses[2:].split("@", 1)[0]))
    if called is None or called.path in seen:
        return False
    return any(is_deploy_job(audit, called, inner, seen) for inner in called.jobs)


def upstream(audit: Audit, workflow: Workflow, job: Job) -> list[Job]:
    """Return the jobs `job` waits for through `needs`, transitively."""
    found = (workflow.job(key[2]) for key in audit.upstream_jobs(workflow, job))
    return [other for other in found if other is not None]


def approval_gate(audit: Audit, workflow: Workflow, job: Job) -> Scalar | None:
    """Return the `environment:` the job or a job it needs waits for."""
    # Any environment counts: only the GitHub API knows whether it has required
    # reviewers, so an environment without reviewers hides a real problem.
    for candidate in (job, *upstream(audit, workflow, job)):
        environment = candidate.environment
        if environment is not None and environment.text().strip():
            return environment
    return None


def blocked(audit: Audit, workflow: Workflow, job: Job, event: str) -> bool:
    """Return whether `if:` keeps fork pull requests of `event` out of the job."""
    return _job_blocked(audit, workflow, job, event, forks_only=True)


def step_blocked(step: Step, event: str) -> bool:
    """Return whether a step's `if:` keeps fork pull requests of `event` out."""
    return _if_blocks(step.if_, event)


def blocked_for_all(audit: Audit, workflow: Workflow, job: Job, event: str) -> bool:
    """Return whether `if:` keeps every pull request of `event` out of the job.

    Unlike `blocked`, a guard that only turns away forks does not count.
    """
    return _job_blocked(audit, workflow, job, event, forks_only=False)


def step_blocked_for_all(step: Step, event: str) -> bool:
    """Return whether a step's `if:` keeps every pull request of `event` out."""
    return _if_blocks(step.if_, event, forks_only=False)


def _job_blocked(
    audit: Audit, workflow: Workflow, job: Job, event: str, *, forks_only: bool
) -> bool:
    """Return whether the job's `if:`, or that of a job it needs, keeps PRs out."""
    if _if_blocks(job.if_, event, forks_only=forks_only):
        return True
    if job.if_ is not None and RUNS_ANYWAY.search(job.if_.text()):
        return False
    return any(
        _if_blocks(other.if_, event, forks_only=forks_only)
        for other in upstream(audit, workflow, job)
    )


def _if_blocks(
    condition: Scalar | None, event: str, *, forks_only: bool = True
) -> bool:
    """Return whether a condition is false for a (fork) pull request of `event`."""
    if condition is None:
        return False
    return _false_for_forks(_bare(condition), event, forks_only)


def _bare(condition: Scalar) -> str:
    """Return an `if:` without the optional `${{ }}` around it."""
    text = condition.text().strip()
    if text.startswith("${{") and text.endswith("}}"):
        return text[3:-2].strip()
    return text


def _false_for_forks(expression: str, event: str, forks_only: bool = True) -> bool:
    """Return whether `expression` is false when a fork opens a pull request.

    With `forks_only` False, whether it is false for every pull request.
    """
    disjuncts = split_top_level(expression, "||")
    if len(disjuncts) > 1:
        return all(_false_for_forks(part, event, forks_only) for part in disjuncts)
    conjuncts = split_top_level(expression, "&&")
    if len(conjuncts) > 1:
        return any(_false_for_forks(part, event, forks_only) for part in conjuncts)

    atom = unwrap(expression)
    if atom != expression.strip():
        return _false_for_forks(atom, event, forks_only)
    return _atom_false_for_forks(" ".join(atom.split()), event, forks_only)


def _atom_false_for_forks(atom: str, event: str, forks_only: bool) -> bool:
    """Return whether one comparison excludes (fork) pull requests of `event`."""
    if atom.lower() in CONSTANT_FALSE or DISPATCH_INPUT.match(atom):
        return True
    if forks_only and any(guard.match(atom) for guard in FORK_GUARDS):
        return True
    match = EVENT_IS.match(atom)
    if match is not None:
        return (match.group(1) or match.group(2)) != event
    match = EVENT_IS_NOT.match(atom)
    if match is not None:
        return (match.group(1) or match.group(2)) == event
    return event == "pull_request" and BRANCH_OR_TAG.match(atom) is not None


def split_top_level(expression: str, operator: str) -> list[str]:
    """Split an expression on `operator` outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(expression):
        char = expression[index]
        if char == "'":
            index = _string_end(expression, index)
            continue
        depth += 1 if char in "([" else -1 if char in ")]" else 0
        if depth == 0 and expression.startswith(operator, index):
            parts.append(expression[start:index])
            index += len(operator)
            start = index
            continue
        index += 1
    parts.append(expression[start:])
    return [part.strip() for part in parts]


def unwrap(expression: str) -> str:
    """Return an expression without parentheses that enclose all of it."""
    text = expression.strip()
    while text.startswith("(") and closing_paren(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def closing_paren(text: str, opening: int) -> int:
    """Return the index of the parenthesis that closes `text[opening]`, or -1."""
    depth = 0
    index = opening
    while index < len(text):
        char = text[index]
        if char == "'":
            index = _string_end(text, index)
            continue
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth == 0:
            return index
        index += 1
    return -1


def _string_end(text: str, start: int) -> int:
    """Return the index just past the quoted string starting at `start`."""
    index = start + 1
    while index < len(text):
        if text[index] == "'":
            if text.startswith("''", index):
                index += 2
                continue
            return index + 1
        index += 1
    return index


# https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#workflows-in-forked-repositories


def local_action(audit: Audit, step: Step) -> Action | None:
    """Return the local composite action a step uses, if it was loaded."""
    uses = step.uses.text() if step.uses is not None else ""
    if not uses.startswith("./"):
        return None
    return audit.actions.get(posixpath.normpath(uses[2:]))
