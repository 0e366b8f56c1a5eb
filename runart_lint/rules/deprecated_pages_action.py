"""Report steps that still deploy with the archived `cloudflare/pages-action`.

## What it does
Finds every `uses: cloudflare/pages-action@...`, in workflows and in local
composite actions, and suggests the `cloudflare/wrangler-action` command that
replaces it, built from the step's `directory`, `projectName` and `branch`
(its `workingDirectory` is kept). The replacement is pinned to a commit SHA
with the version in a comment, as `unpinned-action` asks.

## Why is this bad?
Cloudflare deprecated `pages-action` (last release v1.5.0) and archived its
repository on 21 October 2024. It runs on a Node.js version GitHub has retired
for actions, calls the deprecated `wrangler pages publish` with older wrangler
versions, and will not get fixes when the Pages API or GitHub's runners change.

## Example
```yaml .github/workflows/preview.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/pages-action@v1
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          projectName: site
          directory: dist
```

Use instead:
```yaml .github/workflows/preview.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      # cloudflare/wrangler-action v3.14.1
      - uses: cloudflare/wrangler-action@da0e0dfe58b7a431659754fdf3f186c529afbe65
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy dist --project-name=site
```

## Known problems
`wrangler-action` names its outputs differently (`deployment-url` and
`pages-deployment-alias-url` instead of `url` and `alias`); later steps that
read `steps.<id>.outputs.url` have to be changed by hand, and the rule does not
point at them.

## References
- cloudflare/pages-action (archived): https://github.com/cloudflare/pages-action
- cloudflare/pages-action #131: https://github.com/cloudflare/pages-action/issues/131
- cloudflare/wrangler-action, "Deploy your Pages site":
  https://github.com/cloudflare/wrangler-action#deploy-your-pages-site-production--preview
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.workflow import Step
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="deprecated-pages-action",
    summary="a step deploys with the archived `cloudflare/pages-action`",
    severity=Severity.WARNING,
    inputs=("workflows",),
)

# https://github.com/cloudflare/pages-action (archived 2024-10-21)
PAGES_ACTION = re.compile(r"^cloudflare/pages-action(?:@|$)", re.I)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one warning per step that uses `cloudflare/pages-action`."""
    for workflow in audit.workflows:
        for job in workflow.jobs:
            for step in job.steps:
                if _is_pages_action(step):
                    yield _finding(workflow.path, f"jobs.{job.id}", step)
    for action in audit.actions.values():
        for step in action.steps:
            if _is_pages_action(step):
                yield _finding(action.path, "runs", step)


def _is_pages_action(step: Step) -> bool:
    """Return whether a step uses `cloudflare/pages-action`."""
    return step.uses is not None and PAGES_ACTION.match(step.uses.text()) is not None


def _finding(path: str, owner: str, step: Step) -> Finding:
    """Build the warning for one step."""
    # Later steps reading `steps.<id>.outputs.url` must be renamed by hand; the
    # finding does not point at them.
    assert step.uses is not None
    name = step.id or step.name or f"steps[{step.index}]"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"`{step.uses.text()}` is deprecated and its repository is archived",
        help=(
            "replace it with `cloudflare/wrangler-action@<commit-sha> # v3` "
            f"and {_inputs(step)}"
        ),
        location=Location(path, step.uses.span),
        key=f"{owner}/{name}",
        confidence=META.confidence,
    )


def _inputs(step: Step) -> str:
    """Return the `wrangler-action` inputs that do what the step's inputs did."""
    with_ = step.with_
    folder = with_.text("workingDirectory") if with_ is not None else None
    command = f"`command: {_command(step)}`"
    return f"{command}, keeping `workingDirectory: {folder}`" if folder else command


def _command(step: Step) -> str:
    """Return the `pages deploy` command equivalent to the step's inputs."""
    with_ = step.with_
    directory = (with_.text("directory") if with_ is not None else None) or "<dir>"
    project = (with_.text("projectName") if with_ is not None else None) or "<project>"
    branch = with_.text("branch") if with_ is not None else None
    command = f"pages deploy {directory} --project-name={project}"
    return f"{command} --branch={branch}" if branch else command
