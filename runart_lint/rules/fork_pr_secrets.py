"""Report deploy jobs on `pull_request` that need secrets fork PRs never receive.

## What it does
Finds jobs that deploy, or hold deploy credentials, in workflows triggered by
`pull_request`, and that read secrets other than `GITHUB_TOKEN`. It points at
the secret the deploy needs, preferring a Cloudflare credential. A job is left
alone when its `if:` (or that of a job it `needs`) runs it only for
pull requests from the repository itself, for example
`github.event.pull_request.head.repo.full_name == github.repository` or
`!github.event.pull_request.head.repo.fork`, when it never runs on pull
requests (`github.event_name == 'push'`), or when it or a job it needs waits
for an approval `environment:`.

## Why is this bad?
GitHub does not pass secrets, except a read-only `GITHUB_TOKEN`, to workflows
run for a pull request from a fork: every `secrets.*` is an empty string. The
deploy then fails with confusing errors ("Input required and not supplied:
apiToken", "Authentication error") on every outside contribution, and teams
"fix" it by switching to `pull_request_target`, which hands the secrets to
code from the fork unless nothing from the pull request is checked out.

## Example
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy dist --project-name site
```

Use instead:
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  preview:
    if: github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy dist --project-name site
```

## Known problems
Any `environment:` counts as an approval gate, because whether it has required
reviewers is only known to the GitHub API. Private repositories can be set to
send secrets to fork pull requests; the rule cannot see that setting, so its
findings there are of medium confidence. A secret read only in the job's
`env:` counts even when just a guarded step uses it.

## References
- GitHub Docs, "Events that trigger workflows: workflows in forked
  repositories": https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#workflows-in-forked-repositories
- actions/checkout #221: https://github.com/actions/checkout/issues/221
- Anantys-oss/koan PR #1601: https://github.com/Anantys-oss/koan/pull/1601
- GitHub Security Lab, "Preventing pwn requests":
  https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.jobs import (
    SecretUse,
    approval_gate,
    blocked,
    deploy_jobs,
    secret_uses,
    step_blocked,
)
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Span
from runart_lint.loaders.workflow import Job, Workflow
from runart_lint.rules.base import RuleMeta

# Medium confidence: a private repository can be set to send secrets to fork
# pull requests, a setting only the GitHub API shows.
META = RuleMeta(
    id="fork-pr-secrets",
    summary="a deploy on `pull_request` needs secrets that fork PRs never get",
    severity=Severity.WARNING,
    inputs=("workflows",),
    security=True,
    confidence=Confidence.MEDIUM,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one warning per unguarded deploy job that fork pull requests break."""
    for workflow, job in deploy_jobs(audit):
        trigger = workflow.trigger("pull_request")
        if trigger is None or blocked(audit, workflow, job, "pull_request"):
            continue
        if approval_gate(audit, workflow, job) is not None:
            continue

        # A secret in the job's `env:` counts even when only a guarded step reads
        # it, so a job whose deploy step alone is guarded is still reported.
        needed = [
            use
            for use in secret_uses(audit, workflow, job)
            if use.name.upper() != "GITHUB_TOKEN"
            and not (use.step is not None and step_blocked(use.step, "pull_request"))
        ]
        if needed:
            yield _finding(workflow, job, _most_relevant(needed), trigger.span)


def _most_relevant(uses: list[SecretUse]) -> SecretUse:
    """Return the Cloudflare credential if the job reads one, else the first."""
    return next((use for use in uses if use.cloudflare), uses[0])


def _finding(workflow: Workflow, job: Job, use: SecretUse, trigger: Span) -> Finding:
    """Build the warning for one job."""
    if use.name == "inherit":
        needs = "the secrets it passes with `secrets: inherit`"
    else:
        needs = f"`secrets.{use.name}`"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"deploy job `{job.id}` runs on `pull_request` but needs {needs}, "
            "which pull requests from forks never receive"
        ),
        help=(
            "run the job only for same-repository pull requests (`if: "
            "github.event.pull_request.head.repo.full_name == github.repository`) "
            "or gate it with an approval `environment:`"
        ),
        location=Location(use.path, use.span),
        key=f"jobs.{job.id}/pull_request",
        confidence=META.confidence,
        related=(
            (Location(workflow.path, trigger), "triggered by `pull_request` here"),
        ),
    )
