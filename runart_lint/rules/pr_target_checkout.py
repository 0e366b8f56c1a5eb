"""Report `pull_request_target` jobs that check out pull request code next to secrets.

## What it does
In workflows triggered by `pull_request_target`, finds jobs that use
`actions/checkout` on the pull request's own code (`ref:` naming
`github.event.pull_request.head.sha`, `head.ref`, `github.head_ref`, the
`merge_commit_sha`, or a `refs/pull/...` ref, or `repository:` naming the
head repository) while the job reads secrets or deploys. The finding points at
the `ref:` (or `repository:`) value. A job is left alone when it, or a job it
`needs`, waits for an `environment:` approval, or when its `if:` admits only
pull requests from the repository itself.

## Why is this bad?
`pull_request_target` runs in the context of the base repository, with its
secrets and a writable `GITHUB_TOKEN`, for pull requests from anyone. Checking
out the fork's code and then building or deploying it runs the attacker's
`package.json` scripts, build plugins or wrangler config with the Cloudflare
token in reach: a "pwn request".

## Example
```yaml .github/workflows/preview.yml
on: pull_request_target
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy dist --project-name site
```

Use instead:
```yaml .github/workflows/preview.yml
on: pull_request_target
jobs:
  approve:
    runs-on: ubuntu-latest
    environment: external-preview
    steps:
      - run: echo approved
  preview:
    needs: approve
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy dist --project-name site
```

## Known problems
Any `environment:` counts as an approval gate, because whether it has required
reviewers is only known to the GitHub API. Pull request code fetched with
`git checkout`, `gh pr checkout` or another action than `actions/checkout` is
not recognised, and a job whose only secret is `GITHUB_TOKEN` is not reported
although that token can write to the repository.

## References
- GitHub Security Lab, "Preventing pwn requests":
  https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/
- GitHub Docs, "pull_request_target":
  https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request_target
- actions/checkout #221: https://github.com/actions/checkout/issues/221
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.expressions import expressions
from runart_lint.graph.jobs import (
    approval_gate,
    blocked,
    disabled,
    is_deploy_job,
    secret_uses,
)
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Scalar, Span
from runart_lint.loaders.workflow import Job, Step, Workflow
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="pr-target-checkout",
    summary="a `pull_request_target` job checks out pull request code next to secrets",
    severity=Severity.ERROR,
    inputs=("workflows",),
    security=True,
)

EVENT = "pull_request_target"
CHECKOUT = re.compile(r"^actions/checkout(?:@|$)", re.I)
HEAD_REFS = frozenset(
    {
        "github.head_ref",
        "github.event.pull_request.head.sha",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.merge_commit_sha",
        "github.event.pull_request.head.repo.full_name",
    }
)
PULL_REF = re.compile(r"refs/pull/")


@record
class HeadCheckout:
    """A checkout step of pull request code, and what in it names that code."""

    step: Step
    scalar: Scalar
    start: int
    end: int
    what: str


# https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/
def check(audit: Audit) -> Iterator[Finding]:
    """Yield one error per unguarded job that checks out pull request code."""
    for workflow in audit.workflows:
        trigger = workflow.trigger(EVENT)
        if trigger is None:
            continue
        for job in workflow.jobs:
            checkout = _head_checkout(job)
            if checkout is None or not _exposed(audit, workflow, job):
                continue
            yield _finding(audit, workflow, job, checkout, trigger.span)


def _exposed(audit: Audit, workflow: Workflow, job: Job) -> bool:
    """Return whether the job holds secrets and nothing keeps forks out."""
    # `GITHUB_TOKEN` alone does not count, although on `pull_request_target` it
    # may write to the repository; such jobs go unreported.
    if disabled(job.if_) or blocked(audit, workflow, job, EVENT):
        return False
    if approval_gate(audit, workflow, job) is not None:
        return False
    secrets = [
        use
        for use in secret_uses(audit, workflow, job)
        if use.name.upper() != "GITHUB_TOKEN"
    ]
    return bool(secrets) or is_deploy_job(audit, workflow, job)


def _head_checkout(job: Job) -> HeadCheckout | None:
    """Return the first `actions/checkout` step that fetches pull request code."""
    # Only `actions/checkout` is recognised: `git checkout` or `gh pr checkout`
    # of the pull request in a script is missed.
    for step in job.steps:
        uses = step.uses.text() if step.uses is not None else ""
        if not CHECKOUT.match(uses) or step.with_ is None:
            continue
        for key in ("ref", "repository"):
            scalar = step.with_.scalar(key)
            found = _head_part(step, scalar) if scalar is not None else None
            if found is not None:
                return found
    return None


def _head_part(step: Step, scalar: Scalar) -> HeadCheckout | None:
    """Return the part of a `ref:` or `repository:` that names the PR's code."""
    text = scalar.text()
    for expression in expressions(text):
        named = [ref for ref in expression.refs() if ref in HEAD_REFS]
        if named:
            return HeadCheckout(
                step, scalar, expression.start, expression.end, named[0]
            )
    match = PULL_REF.search(text)
    if match is not None:
        return HeadCheckout(step, scalar, 0, len(text), text)
    return None


def _finding(
    audit: Audit, workflow: Workflow, job: Job, checkout: HeadCheckout, trigger: Span
) -> Finding:
    """Build the error for one job."""
    lines = audit.lines(workflow.path)
    span = locate(checkout.scalar, lines, checkout.start, checkout.end)
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"job `{job.id}` runs on `pull_request_target` with secrets and checks "
            f"out pull request code (`{checkout.what}`) without an approval gate"
        ),
        help=(
            "add an approval `environment:` to the job or to a job it `needs`, "
            "or build the pull request on `pull_request` without secrets"
        ),
        location=Location(workflow.path, span),
        key=f"jobs.{job.id}/checkout",
        confidence=META.confidence,
        related=(
            (
                Location(workflow.path, trigger),
                "triggered by `pull_request_target` here",
            ),
        ),
    )
