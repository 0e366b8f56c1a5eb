"""Report Pages projects whose production branch is not the one the plan deploys.

## What it does
With `--live`, reads each Pages project of the plan and compares its
production branch with the branch the plan deploys to production: the
`branch` of the stage (for RunArt Foundry, `main` for `production`), or,
for a project only one stage uses, the branch its deploys pass with
`--branch`. The finding is placed at that `--branch` value.

## Why is this bad?
`wrangler pages deploy --branch B` goes to production only when `B` is the
project's production branch; any other branch becomes a preview
deployment. A project whose production branch is `develop` turns every
"production" deploy from `main` into a preview, while production keeps
serving whatever `develop` last deployed.

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
# The Pages projects of the Cloudflare account
[cloudflare.projects.runart-foundry]
production_branch = "develop"
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
# The Pages projects of the Cloudflare account
[cloudflare.projects.runart-foundry]
production_branch = "main"
```

## Options
Needs a Cloudflare token with the account permission Cloudflare Pages:
Read. See [live audits](../live.md).

## Known problems
A stage without a `branch` that shares its project with other stages is
not judged: the plan does not say which branch it promotes.

## References
- [Cloudflare Pages: branch deployment controls](https://developers.cloudflare.com/pages/configuration/branch-build-controls/)
- [wrangler pages deploy `--branch`](https://developers.cloudflare.com/workers/wrangler/commands/#deploy-1)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="production-branch-mismatch",
    summary="a Pages project's production branch is not the branch the plan promotes",
    severity=Severity.ERROR,
    inputs=("pack", "workflows", "cloudflare"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per project whose production branch differs from the plan's."""
    if audit.live is None:
        return

    from runart_lint.live.plan import pages_stages
    from runart_lint.live.snapshot import Gaps

    cloudflare = audit.live.cloudflare
    gaps = Gaps()

    reported: set[str] = set()
    for stage in pages_stages(audit):
        assert stage.project is not None
        expected = _expected_branch(audit, stage)
        project = cloudflare.project(stage.project)
        if expected is None or stage.project in reported or gaps.missing(project):
            continue
        if project.value is None or project.value.production_branch == expected:
            continue
        reported.add(stage.project)
        location = _location(audit, stage, expected)
        if location is None:
            gaps.note(
                f"Pages project `{stage.project}` promotes another branch, and "
                "no file of the repository names it"
            )
            continue
        yield _finding(stage, expected, project.value.production_branch, location)
    gaps.close()


def _expected_branch(audit: Audit, stage: StageSpec) -> str | None:
    """Return the branch the plan deploys to the stage's project's production."""
    from runart_lint.live.plan import pages_stages

    if stage.branch and stage.branch != "*":
        return stage.branch
    sharing = [s for s in pages_stages(audit) if s.project == stage.project]
    if len(sharing) > 1:
        return None
    branches = {
        d.branch.text
        for d in audit.real_deploys()
        if d.is_pages
        and d.project is not None
        and d.project.text == stage.project
        and d.branch is not None
        and d.branch.text
    }
    return branches.pop() if len(branches) == 1 else None


def _location(audit: Audit, stage: StageSpec, branch: str) -> Location | None:
    """Return the `--branch` value of the stage's deploy, else the project's name."""
    from runart_lint.live.anchors import branch_value_location, stage_project_location

    assert stage.project is not None
    found = branch_value_location(audit, stage.project, branch)
    return found or stage_project_location(audit, stage)


def _finding(
    stage: StageSpec, expected: str, actual: str, location: Location
) -> Finding:
    """Return the finding for one project."""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"the Pages project `{stage.project}` takes production deploys "
        f"from `{actual}`, so deploys of `{expected}` (stage `{stage.name}`) become "
        "previews",
        help=f"set the production branch of Pages project `{stage.project}` to "
        f"`{expected}` in its build settings",
        location=location,
        key=f"{stage.project}/production-branch",
    )
