"""Report production deploys that no GitHub environment gate holds back.

## What it does
With `--live`, finds the jobs that deploy the last stage of the plan's
promotion order (production) and reads the GitHub environment each one
names with `environment:` (or the stage's `github_environment`). It
reports a job that names no environment, an environment GitHub does not
have yet (the first run creates it without protection), and one with
neither required reviewers nor a wait timer; a gated environment that any
branch may deploy to (no deployment branch policy) is a warning.

## Why is this bad?
An environment's protection rules are the only gate GitHub puts between a
push and a production deploy: without one, anyone who can push to the
production branch, or merge a pull request, deploys at once, with the
environment's secrets. The plan promotes to production only after the
earlier stages passed; a reviewer or a wait timer is where a person checks
that.

## Example
```yaml .github/workflows/pages-prod.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# The repository's environments
[github.environments.production]
reviewers = []
```

Use instead:
```yaml .github/workflows/pages-prod.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# The repository's environments
[github.environments.production]
reviewers = ["release-manager"]
branch_policy = "protected"
```

## Options
Needs a GitHub token that can read environments (fine-grained: Actions:
read; classic: `repo`). See [live audits](../live.md).

## Known problems
Custom deployment protection rules (GitHub Apps) are not counted as a
gate. A job whose `environment:` is an expression is not judged.

## References
- [GitHub: deployment protection rules](https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment#deployment-protection-rules)
- [GitHub REST: list environments](https://docs.github.com/en/rest/deployments/environments#list-environments)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit
from runart_lint.live.plan import job_environment, production_stage
from runart_lint.loaders.workflow import Job
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="ungated-production-environment",
    summary="no reviewer or wait timer gates the production deploy",
    severity=Severity.ERROR,
    inputs=("workflows", "pack", "github"),
    needs_live=True,
    security=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per production deploy job without a gate."""
    if audit.live is None:
        return
    stage = production_stage(audit)
    if stage is None:
        return
    environments = audit.live.github.environments.get()

    seen: set[tuple[str, str]] = set()
    for deploy in _production_deploys(audit, stage):
        job = deploy.job
        if (deploy.workflow.path, job.id) in seen:
            continue
        seen.add((deploy.workflow.path, job.id))
        name = job_environment(job) or stage.github_environment
        if name is None and job.environment is None:
            yield _no_environment(deploy, stage)
            continue
        environment = environments.get(name) if name else None
        if name is not None and (environment is None or not environment.gated):
            yield _ungated(deploy, job, name, stage, exists=environment is not None)
        elif environment is not None and environment.branch_policy is None:
            yield _any_branch(deploy, job, environment.name)


def _any_branch(deploy: Deploy, job: Job, name: str) -> Finding:
    """Return the warning for a gated environment that any branch may deploy to."""
    scalar = job.environment
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"environment `{name}` has a gate but no deployment branch policy, so "
        "a run from any branch can deploy to it once approved",
        help=f"limit environment `{name}` to protected branches (or to the production "
        "branch) in its deployment branch settings",
        location=Location(
            deploy.workflow.path, scalar.span if scalar is not None else job.key_span
        ),
        key=f"{job.id}/environment/{name}/branches",
    )


def _production_deploys(audit: Audit, stage: StageSpec) -> list[Deploy]:
    """Return the deploys that reach the stage, else those of its workflow."""
    deploys = list(audit.real_deploys())
    reached = [d for d in deploys if _stage_name(audit, d) == stage.name]
    return reached or [d for d in deploys if d.workflow.path == stage.workflow]


def _stage_name(audit: Audit, deploy: Deploy) -> str | None:
    """Return the name of the stage a deploy reaches."""
    match = audit.stage_of(deploy)
    return match.stage.name if match.stage is not None else None


def _no_environment(deploy: Deploy, stage: StageSpec) -> Finding:
    """Return the finding for a production job that names no environment."""
    job = deploy.job
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"job `{job.id}` deploys stage `{stage.name}` in no GitHub "
        "environment, so no reviewer or wait timer can hold it back",
        help="add `environment: production` to the job and give that environment "
        "required reviewers",
        location=Location(deploy.workflow.path, job.key_span),
        key=f"{job.id}/environment",
    )


def _ungated(
    deploy: Deploy, job: Job, name: str, stage: StageSpec, *, exists: bool
) -> Finding:
    """Return the finding for an environment without protection rules."""
    state = "does not exist yet, so its first run creates it" if not exists else "has"
    scalar = job.environment
    span = scalar.span if scalar is not None else job.key_span
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"environment `{name}` {state} no required reviewers and no wait "
        f"timer, so job `{job.id}` deploys stage `{stage.name}` unreviewed",
        help=f"add required reviewers (or a wait timer) to environment `{name}` in "
        "the repository's settings",
        location=Location(deploy.workflow.path, span),
        key=f"{job.id}/environment/{name}",
    )
