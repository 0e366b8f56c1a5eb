"""Report a production that no manually run workflow can roll back.

## What it does
Looks for a workflow that can be started by hand (`workflow_dispatch`) and
really restores an earlier production deployment, in one of four ways: a call
to the Pages rollback API (`/pages/projects/<project>/deployments/<id>/rollback`),
`wrangler rollback`, `wrangler versions deploy` of an earlier version (a
version id given as an input or looked up with `versions list`), or a redeploy
of a build artifact that the production deploy job uploads
(`actions/download-artifact` of that artifact's name, then a deploy). When
there is none, reports the production deploy step.

The production deploys are those that reach the pack's `rollback.stage`. When
the built-in pack does not describe the repository at all, a deploy counts as
production when it targets the production branch of a Pages project or a
Worker's production environment.

## Why is this bad?
When a release breaks production, the fastest safe fix is to put the previous
deployment back, without waiting for a revert to pass CI. Without a prepared,
tested rollback workflow that step is improvised under pressure, by someone
who needs dashboard rights.

## Example
```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy
```

```toml wrangler.toml
name = "api"
main = "src/index.ts"
```

Use instead:
```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy
```

```yaml .github/workflows/rollback.yml
on:
  workflow_dispatch:
    inputs:
      version:
        required: true
jobs:
  rollback:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler rollback ${{ inputs.version }}
```

```toml wrangler.toml
name = "api"
main = "src/index.ts"
```

## Known problems
A rollback done by a script the workflow runs (`python rollback.py`) is not
seen. Rebuilding and deploying an older commit is not counted as a rollback,
since it rebuilds with today's dependencies and settings. Any rollback
workflow is accepted; whether it targets the same project is not checked.

## References
- https://developers.cloudflare.com/pages/configuration/rollbacks/
- https://developers.cloudflare.com/api/resources/pages/subresources/projects/subresources/deployments/methods/rollback/
- https://developers.cloudflare.com/workers/configuration/versions-and-deployments/rollbacks/
- https://github.com/actions/download-artifact
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy, always_false
from runart_lint.graph.expressions import EXPRESSION
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import walk_scalars
from runart_lint.loaders.workflow import Job, Step, Workflow
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.skipped_stage import PRODUCTION_TIER, env_tier

META = RuleMeta(
    id="missing-rollback",
    summary="no manually run workflow can roll production back",
    severity=Severity.WARNING,
    inputs=("pack", "workflows"),
)

ROLLBACK_API = re.compile(r"/pages/projects/[^/\s]+/deployments/[^/\s]+/rollback")
VERSION_INPUT = re.compile(
    r"versions\s+deploy\s+[^\n]*\$\{\{\s*(?:github\.event\.)?inputs\."
)
VERSION_LOOKUPS = frozenset({"versions list", "deployments list", "versions view"})
PRODUCTION_BRANCHES = ("main", "master")


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding when production deploys and nothing can roll it back."""
    production, planned = _production_deploys(audit)
    if not production:
        return
    manual = [w for w in audit.active_workflows() if w.trigger("workflow_dispatch")]
    if any(_rolls_back(audit, workflow, production) for workflow in manual):
        return

    yield _finding(audit, production, planned)


def _production_deploys(audit: Audit) -> tuple[list[Deploy], bool]:
    """Return the production deploys, and whether the pack identified them."""
    plan = audit.pack.pack
    stage = plan.stage(plan.rollback.stage)
    deploys = list(audit.real_deploys())
    matched = [d for d in deploys if stage and audit.stage_of(d).stage == stage]
    if matched or _plan_applies(audit, deploys):
        return (matched if plan.rollback.required else []), True
    return [d for d in deploys if _looks_like_production(audit, d)], False


def _plan_applies(audit: Audit, deploys: list[Deploy]) -> bool:
    """Return whether the pack describes this repository at all."""
    if not audit.pack.builtin:
        return True
    if any(audit.stage_of(d).stage is not None for d in deploys):
        return True
    stages = audit.pack.pack.stages
    return any(
        (s.config and audit.config(s.config))
        or (s.workflow and audit.workflow(s.workflow))
        for s in stages
    )


def _looks_like_production(audit: Audit, deploy: Deploy) -> bool:
    """Return whether a deploy targets a production branch or environment."""
    if deploy.is_pages:
        branch = deploy.branch
        names = (audit.pack.pack.pack.production_branch, *PRODUCTION_BRANCHES)
        return branch is not None and not branch.refs and branch.text in names
    if deploy.env_name is not None:
        return env_tier(deploy.env_name) == PRODUCTION_TIER
    if deploy.env is not None or deploy.action_environment is not None:
        return False
    config = deploy.config
    return config is None or all(env_tier(n) != PRODUCTION_TIER for n in config.envs)


def _rolls_back(audit: Audit, workflow: Workflow, production: list[Deploy]) -> bool:
    """Return whether a manual workflow really restores an earlier deployment."""
    # A rollback done inside a script the workflow runs is not seen, so a
    # repository that only has such a script is still reported.
    jobs = [job for job in workflow.jobs if not always_false(job.if_)]
    if any(
        ROLLBACK_API.search(s.text()) for job in jobs for s in walk_scalars(job.node)
    ):
        return True

    commands = [
        d for d in audit.workflow_deploys(workflow) if not d.disabled and not d.dry_run
    ]
    verbs = {d.verb for d in commands}
    if "rollback" in verbs:
        return True
    if "versions deploy" in verbs and (
        verbs & VERSION_LOOKUPS or any(_version_from_input(d) for d in commands)
    ):
        return True
    return any(d.is_deploy for d in commands) and _downloads_kept_build(
        jobs, production
    )


def _version_from_input(deploy: Deploy) -> bool:
    """Return whether `versions deploy` takes its version id from an input."""
    if deploy.verb != "versions deploy":
        return False
    step = deploy.step
    command = step.with_.scalar("command") if step.with_ is not None else None
    script = step.run or command
    return script is not None and bool(VERSION_INPUT.search(script.text()))


def _downloads_kept_build(jobs: list[Job], production: list[Deploy]) -> bool:
    """Return whether a job downloads an artifact a production deploy job uploads."""
    kept = {
        _pattern(name)
        for deploy in production
        for name in _artifact_names(deploy.job.steps, "actions/upload-artifact")
    }
    for job in jobs:
        for step in job.steps:
            if not _uses(step, "actions/download-artifact"):
                continue
            name = step.with_.text("name") if step.with_ is not None else None
            if name is None and step.with_ is not None and "run-id" in step.with_:
                return bool(kept)
            if name is not None and any(
                _same_artifact(_pattern(name), k) for k in kept
            ):
                return True
    return False


def _artifact_names(steps: tuple[Step, ...], action: str) -> Iterator[str]:
    """Yield the artifact names the steps upload (or download) with `action`."""
    for step in steps:
        if _uses(step, action) and step.with_ is not None:
            name = step.with_.text("name")
            yield name if name is not None else "artifact"


def _uses(step: Step, action: str) -> bool:
    """Return whether a step uses `action` at any version."""
    uses = step.uses.text() if step.uses is not None else ""
    return uses.split("@", 1)[0].lower() == action


def _pattern(name: str) -> str:
    """Return an artifact name with its expressions turned into `*`."""
    return EXPRESSION.sub("*", name)


def _same_artifact(downloaded: str, uploaded: str) -> bool:
    """Return whether two artifact name patterns can name the same artifact."""
    return fnmatch.fnmatchcase(downloaded, uploaded) or fnmatch.fnmatchcase(
        uploaded, downloaded
    )


def _preference(deploy: Deploy, preferred: str | None) -> tuple[object, ...]:
    """Return a sort key: the plan's workflow, then explicit production targets."""
    explicit = deploy.env_name is not None or deploy.branch is not None
    named = "prod" in f"{deploy.workflow.path} {deploy.job.id}".lower()
    return (
        deploy.workflow.path != preferred,
        not explicit,
        not named,
        deploy.path,
        deploy.span,
    )


def _finding(audit: Audit, production: list[Deploy], planned: bool) -> Finding:
    """Return the finding, at the production deploy the plan names first."""
    plan = audit.pack.pack
    stage = plan.stage(plan.rollback.stage) if planned else None
    preferred = stage.workflow if stage is not None else None
    ordered = sorted(production, key=lambda d: _preference(d, preferred))
    anchor = ordered[0]
    named = plan.rollback.workflow if planned else None
    if stage is not None:
        message = f"no manually run workflow rolls back stage `{stage.name}`"
    else:
        message = "no manually run workflow rolls back this production deploy"
    if named and audit.workflow(named) is None:
        message += f" (the plan names `{named}`, which does not exist)"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=message,
        help=(
            "add a `workflow_dispatch` workflow that calls the Pages rollback API, "
            "runs `wrangler rollback`, or redeploys an artifact this job uploads"
        ),
        location=Location(anchor.path, anchor.span),
        key=f"rollback/{stage.name if stage is not None else 'production'}",
        confidence=Confidence.HIGH if planned else Confidence.MEDIUM,
        related=tuple(
            (Location(d.path, d.span), "production is also deployed here")
            for d in ordered[1:4]
        ),
    )
