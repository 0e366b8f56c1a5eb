"""Report Pages stages whose latest deployment failed, or that have none.

## What it does
With `--live`, reads the newest deployment of each Pages stage of the
plan whose workflow is in the repository: the production deployments of a
stage that deploys the project's production branch, the preview
deployments of the others. It reports a
stage with no deployment at all (a warning) and one whose newest
deployment failed or was canceled (an error), at the place a deploy names
the project.

## Why is this bad?
The plan's fourth acceptance criterion is that the preview and production
deployments are visible and reachable. A failed newest deployment means
the stage still serves the previous build, whatever the workflow's status
says (a `pages deploy` that uploads before the build fails in Cloudflare
reports success in GitHub).

## Example
```yaml .github/workflows/pages-prod.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# The project and its deployments, newest first
[cloudflare.projects.runart-foundry]
production_branch = "main"
deployments = [{ environment = "production", stage = "build", status = "failure" }]
```

Use instead:
```yaml .github/workflows/pages-prod.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# The project and its deployments, newest first
[cloudflare.projects.runart-foundry]
production_branch = "main"
deployments = [{ environment = "production", stage = "deploy", status = "success" }]
```

## Options
Needs a Cloudflare token with the account permission Cloudflare Pages:
Read. See [live audits](../live.md).

## Known problems
A deployment still building is not judged. Whether a successful deployment
answers on its URL is not checked: the audit sends no request to the site.

## References
- [Cloudflare API: list Pages deployments](https://developers.cloudflare.com/api/resources/pages/subresources/projects/subresources/deployments/methods/list/)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Span
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.snapshot import Deployment


# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="failed-pages-deployment",
    summary="a Pages stage's newest deployment failed, or it has none",
    severity=Severity.ERROR,
    inputs=("pack", "workflows", "cloudflare"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per stage whose newest deployment is missing or failed."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import project_location
    from runart_lint.live.plan import pages_environment
    from runart_lint.live.snapshot import Gaps

    cloudflare = audit.live.cloudflare
    gaps = Gaps()

    seen: set[tuple[str, str]] = set()
    for stage in _deployed_here(audit):
        assert stage.project is not None and stage.workflow is not None
        environment = pages_environment(audit, stage)
        project = cloudflare.project(stage.project)
        latest = cloudflare.deployment(stage.project, environment)
        if (stage.project, environment) in seen:
            continue
        seen.add((stage.project, environment))
        if gaps.missing(project) or project.value is None or gaps.missing(latest):
            continue
        if latest.value is not None and not latest.value.failed:
            continue
        location = project_location(audit, stage.project, stage.workflow)
        yield _finding(
            stage,
            environment,
            latest.value,
            location or Location(stage.workflow, _on(audit, stage)),
        )
    gaps.close()


def _deployed_here(audit: Audit) -> list[StageSpec]:
    """Return the Pages stages whose workflow is in the repository."""
    from runart_lint.live.plan import pages_stages

    return [
        stage
        for stage in pages_stages(audit)
        if stage.workflow is not None and audit.workflow(stage.workflow) is not None
    ]


def _on(audit: Audit, stage: StageSpec) -> Span:
    """Return where the stage's workflow declares its triggers."""
    workflow = audit.workflow(stage.workflow or "")
    assert workflow is not None
    return workflow.on_span


def _finding(
    stage: StageSpec, environment: str, latest: Deployment | None, location: Location
) -> Finding:
    """Return the finding for a missing or failed deployment."""
    project = f"the Pages project `{stage.project}`"
    if latest is None:
        return Finding(
            rule_id=META.id,
            severity=Severity.WARNING,
            message=f"{project} has no {environment} deployment, so stage "
            f"`{stage.name}` was never deployed",
            help=f"run the workflow of stage `{stage.name}` and check its deploy step",
            location=location,
            key=f"{stage.project}/{environment}/none",
        )
    branch = f"branch `{latest.branch}`, " if latest.branch else ""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"the newest {environment} deployment of {project} ({branch}"
        f"`{latest.short_id}`, {latest.created_on[:10]}) ended in `{latest.status}` "
        f"at stage `{latest.stage}`",
        help="read the deployment's build log in the Cloudflare dashboard, fix the "
        "build and deploy again",
        location=location,
        key=f"{stage.project}/{environment}/failed",
    )
