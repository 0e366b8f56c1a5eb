"""Report a stage deployed as a branch of another stage's Pages project.

## What it does
For each Pages deploy in a workflow the rule pack assigns to a stage, compares
the project the deploy really targets with the stage's own project. When the
deploy goes to the project of another stage instead (as a branch alias such as
`preview2.<project>.pages.dev`, or even its production branch), it reports the
project value, and points at the config that describes the stage's own project
when nothing deploys it.

## Why is this bad?
A branch alias of another project is not a separate stage: it runs with that
project's preview settings, bindings and data, shares its deployment history,
and is promoted by nothing. The stage's own project and config, which the plan
describes, stay stale while everyone believes staging is tested.

## Example
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "site"

[[stages]]
name = "staging"
project = "site-staging"
workflow = ".github/workflows/staging.yml"

[[stages]]
name = "production"
project = "site"
branch = "main"

[rollback]
required = false
```

```yaml .github/workflows/staging.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy dist --project-name site --branch staging
```

Use instead:
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "site"

[[stages]]
name = "staging"
project = "site-staging"
workflow = ".github/workflows/staging.yml"

[[stages]]
name = "production"
project = "site"
branch = "main"

[rollback]
required = false
```

```yaml .github/workflows/staging.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy dist --project-name site-staging --branch main
```

## Known problems
Only Pages deploys are checked; a Workers stage deployed as a preview alias of
another Worker is not reported. A deploy whose project name is only known at
run time (a secret or a computed output) is skipped.

## References
- https://developers.cloudflare.com/pages/configuration/preview-deployments/
- https://developers.cloudflare.com/pages/configuration/branch-build-controls/
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import Value
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Span
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="stage-branch-alias",
    summary="a stage is deployed as a branch alias of another stage's project",
    severity=Severity.ERROR,
    inputs=("pack", "wrangler", "workflows"),
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield a finding for each deploy that lands in another stage's project."""
    for deploy in audit.real_deploys():
        # Only Pages deploys are compared; a Workers stage deployed as another
        # Worker's preview alias is not reported.
        stage = audit.intended_stage(deploy.workflow)
        if deploy.is_pages and stage is not None and stage.kind == "pages":
            yield from _check_deploy(audit, deploy, stage)


def _check_deploy(audit: Audit, deploy: Deploy, stage: StageSpec) -> Iterator[Finding]:
    """Yield the finding when the deploy's project belongs to another stage."""
    project = _project(deploy)
    own = _own_project(audit, stage)
    if project is None or own is None or project == own:
        return
    owners = [
        s
        for s in audit.pack.pack.deployed_stages()
        if s.kind == "pages" and s.project == project
    ]
    if not owners:
        return

    yield Finding(
        rule_id=META.id,
        severity=META.severity,
        message=_message(audit, deploy, stage, project, own, owners),
        help=(
            f"deploy stage `{stage.name}` to its own project `{own}`, or change the "
            "plan if it really is a branch of the other project"
        ),
        location=Location(deploy.path, _anchor(deploy)),
        key=f"{stage.name}/{project}",
        related=tuple(_related(audit, deploy, stage, own)),
    )


def _project(deploy: Deploy) -> str | None:
    """Return the Pages project a deploy targets, if known offline."""
    if deploy.project is not None:
        return deploy.project.text
    return deploy.config.name if deploy.config is not None else None


def _own_project(audit: Audit, stage: StageSpec) -> str | None:
    """Return the stage's own project: from the pack, or its config's `name`."""
    if stage.project is not None:
        return stage.project
    config = audit.config(stage.config) if stage.config else None
    return config.name if config is not None else None


def _message(
    audit: Audit,
    deploy: Deploy,
    stage: StageSpec,
    project: str,
    own: str,
    owners: list[StageSpec],
) -> str:
    """Return the one-line message: which branch of whose project."""
    names = " and ".join(f"`{s.name}`" for s in owners)
    whose = "stages" if len(owners) > 1 else "stage"
    branch = deploy.branch.text if deploy.branch is not None else None
    production = audit.pack.pack.pack.production_branch
    if branch == production:
        where = f"to the production branch `{branch}` of project `{project}`"
    elif branch:
        where = f"as branch `{branch}` of project `{project}`"
    else:
        where = f"as a branch of project `{project}`"
    return (
        f"stage `{stage.name}` is deployed {where} (the project of {whose} {names}) "
        f"instead of its own project `{own}`"
    )


def _anchor(deploy: Deploy) -> Span:
    """Return where the project name is written: its definition, else the deploy."""
    value = deploy.project
    if value is None:
        return deploy.span
    return value.origin or value.span


def _related(
    audit: Audit, deploy: Deploy, stage: StageSpec, own: str
) -> list[tuple[Location, str]]:
    """Return the project's use, the branch, and the unused config of the stage."""
    related: list[tuple[Location, str]] = []
    value = deploy.project
    if value is not None and value.origin is not None:
        related.append((Location(deploy.path, value.span), "project used here"))
    branch: Value | None = deploy.branch
    if branch is not None:
        span = branch.origin or branch.span
        related.append((Location(deploy.path, span), "branch alias set here"))
    config = audit.config(stage.config) if stage.config else None
    if config is not None and config.name == own and not _deployed(audit, own):
        related.append(
            (
                Location(config.path, config.root.key_span("name")),
                f"project `{own}` is described here but nothing deploys it",
            )
        )
    return related


def _deployed(audit: Audit, project: str) -> bool:
    """Return whether any deploy targets the Pages project."""
    return any(d.is_pages and _project(d) == project for d in audit.real_deploys())
