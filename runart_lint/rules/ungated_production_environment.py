"""Report production deploys that no GitHub environment gate holds back.

## What it does
With `--live`, finds the jobs that deploy the last stage of the plan's
promotion order (production) and reads the GitHub environment each one
names with `environment:` (or the stage's `github_environment`). It
reports a job that names no environment, an environment GitHub does not
have yet (the first run creates it without protection), and one with
neither required reviewers nor a wait timer. A gated environment that any
branch may deploy to is a warning: one with no deployment branch policy, or
a custom policy whose name patterns admit more than the production branch
(`*`, `**`, another branch's pattern, or a tag pattern).

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
Needs a GitHub token that can read environments and their deployment branch
policies (fine-grained: Actions: read; classic: `repo`). See [live audits](../live.md).

## Known problems
Custom deployment protection rules (GitHub Apps) are not counted as a
gate. A job whose `environment:` is an expression is not judged.

## References
- [GitHub: deployment protection rules](https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment#deployment-protection-rules)
- [GitHub REST: list environments](https://docs.github.com/en/rest/deployments/environments#list-environments)
- [GitHub REST: list deployment branch policies](https://docs.github.com/en/rest/deployments/branch-policies#list-deployment-branch-policies)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Span
from runart_lint.loaders.workflow import Job
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.snapshot import BranchPolicy, Environment

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="ungated-production-environment",
    summary="no reviewer or wait timer gates the production deploy",
    severity=Severity.ERROR,
    inputs=("workflows", "pack", "github"),
    needs_live=True,
    security=True,
)
# Custom patterns that match every branch name.
ANY_BRANCH = frozenset({"*", "**"})


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per production deploy job without a gate."""
    if audit.live is None:
        return

    from runart_lint.live.plan import production_branch, production_stage

    stage = production_stage(audit)
    if stage is None:
        return
    environments = audit.live.github.environments.get()

    judge = _Judge(stage, environments, production_branch(audit))
    seen: set[tuple[str, str]] = set()
    for deploy in _production_deploys(audit, stage):
        if (deploy.workflow.path, deploy.job.id) in seen:
            continue
        seen.add((deploy.workflow.path, deploy.job.id))
        finding = judge.deploy(deploy)
        if finding is not None:
            yield finding

    judge.gaps.close()


class _Judge:
    """Judges the gate in front of each production deploy job."""

    def __init__(
        self, stage: StageSpec, environments: dict[str, Environment], branch: str
    ) -> None:
        from runart_lint.live.snapshot import Gaps

        self.stage = stage
        self.environments = environments
        self.branch = branch
        self.gaps = Gaps()

    def deploy(self, deploy: Deploy) -> Finding | None:
        """Return the finding for one production deploy job, if any."""
        from runart_lint.live.plan import job_environment

        job = deploy.job
        name = job_environment(job) or self.stage.github_environment
        if name is None and job.environment is None:
            return _no_environment(deploy, self.stage)

        environment = self.environments.get(name) if name else None
        if name is not None and (environment is None or not environment.gated):
            exists = environment is not None
            return _ungated(deploy, job, name, self.stage, exists=exists)
        if environment is None:
            return None

        if environment.branch_policy is None:
            return _any_branch(deploy, job, environment.name)
        return self._custom(deploy, environment)

    def _custom(self, deploy: Deploy, environment: Environment) -> Finding | None:
        """Return the warning for custom patterns that admit other refs, if any."""
        policies = environment.branch_policies
        if policies is None or self.gaps.missing(policies):
            return None

        wide = [p for p in policies.value if not _only(p, self.branch)]
        if not wide:
            return None
        return _wide_policy(deploy, environment.name, wide[0], self.branch)


def _only(policy: BranchPolicy, branch: str) -> bool:
    """Return whether a pattern admits nothing but the production branch."""
    return policy.type == "branch" and policy.name == branch


def _admits(policy: BranchPolicy) -> str:
    """Return what a custom pattern lets deploy, in words."""
    if policy.type == "branch" and policy.name in ANY_BRANCH:
        return "every branch"
    kind = "tags" if policy.type == "tag" else "branches"
    return f"{kind} matching `{policy.name}`"


def _any_branch(deploy: Deploy, job: Job, name: str) -> Finding:
    """Return the warning for a gated environment that any branch may deploy to."""
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"environment `{name}` has a gate but no deployment branch policy, so "
        "a run from any branch can deploy to it once approved",
        help=f"limit environment `{name}` to protected branches (or to the production "
        "branch) in its deployment branch settings",
        location=Location(deploy.workflow.path, _environment_span(job)),
        key=f"{job.id}/environment/{name}/branches",
    )


def _wide_policy(
    deploy: Deploy, name: str, policy: BranchPolicy, branch: str
) -> Finding:
    """Return the warning for a custom policy that admits more than `branch`."""
    job = deploy.job
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"environment `{name}` has a gate but its custom deployment branch "
        f"policy lets {_admits(policy)} deploy once approved, not only `{branch}`",
        help=f"limit environment `{name}` to the `{branch}` branch in its deployment "
        "branch settings",
        location=Location(deploy.workflow.path, _environment_span(job)),
        key=f"{job.id}/environment/{name}/branches",
    )


def _environment_span(job: Job) -> Span:
    """Return where a job names its environment, else where the job starts."""
    scalar = job.environment
    return scalar.span if scalar is not None else job.key_span


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
    span = _environment_span(job)
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
