"""Report production deploys that skip the stage before them or other branches.

## What it does
Checks each deploy that reaches the last stage of the pack's promotion order
(production) in two ways. First, it must run behind the stage before it: the
job `needs` a job that deploys that stage, or the workflow starts from a
`workflow_run` of that stage's workflow and checks
`github.event.workflow_run.conclusion == 'success'`, or the job has a GitHub
`environment:` whose protection rules hold it. Second, it must run only from
the production branch: a push to other branches, a pull request, or a manual
run (`workflow_dispatch`) with no check of `github.ref` and no environment
gate is reported at the trigger.

## Why is this bad?
The plan promises that nothing reaches production without having passed the
earlier stages. A production job that starts on its own, or from any branch,
ships commits that never ran on staging, and a manual run from a feature
branch puts that branch in front of users.

## Example
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "api"
production_branch = "main"

[[stages]]
name = "staging"
kind = "worker"
project = "api-staging"

[[stages]]
name = "production"
kind = "worker"
project = "api"

[rollback]
required = false
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  staging:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --name api-staging
  production:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --name api
```

Use instead:
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "api"
production_branch = "main"

[[stages]]
name = "staging"
kind = "worker"
project = "api-staging"

[[stages]]
name = "production"
kind = "worker"
project = "api"

[rollback]
required = false
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  staging:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --name api-staging
  production:
    needs: staging
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --name api
```

## Known problems
Branch protection and required status checks are repository settings, not
files, so a gate that only exists there is not seen. Any `environment:` is
taken as a gate, whether or not it has required reviewers. The rule needs a
pack whose stages match the deploys; without one it reports nothing.

## References
- https://docs.github.com/en/actions/using-jobs/using-jobs-in-a-workflow#defining-prerequisite-jobs
- https://docs.github.com/en/actions/using-workflows/events-that-trigger-workflows#workflow_run
- https://docs.github.com/en/actions/deployment/targeting-different-environments/using-environments-for-deployment
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit, job_key
from runart_lint.loaders.tree import Mapping, Scalar
from runart_lint.loaders.workflow import Job, Trigger, Workflow
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="unordered-promotion",
    summary="production is deployed without the earlier stage or from other branches",
    severity=Severity.ERROR,
    inputs=("pack", "workflows"),
)

SUCCESS_CHECK = re.compile(
    r"workflow_run\.conclusion\s*==\s*['\"]success['\"]|"
    r"['\"]success['\"]\s*==\s*github\.event\.workflow_run\.conclusion"
)
REF_CONTEXTS = ("github.ref", "github.ref_name", "github.head_ref", "github.base_ref")
PULL_REQUESTS = ("pull_request", "pull_request_target")


def check(audit: Audit) -> Iterator[Finding]:
    """Yield the missing gates and the stray triggers of production deploys."""
    plan = audit.pack.pack
    deployed = [s.name for s in plan.deployed_stages() if s.name in plan.promotion]
    if not deployed:
        return
    final = plan.stage(deployed[-1])
    previous = plan.previous_stage(deployed[-1])

    for deploy in audit.real_deploys():
        if final is None or audit.stage_of(deploy).stage != final:
            continue
        if previous is not None:
            yield from _check_gate(audit, deploy, final, previous)
        if not _follows_ref(deploy) and not _checks_ref(
            deploy, plan.pack.production_branch
        ):
            yield from _check_triggers(deploy, final, plan.pack.production_branch)


def _check_gate(
    audit: Audit, deploy: Deploy, final: StageSpec, previous: StageSpec
) -> Iterator[Finding]:
    """Yield a finding when nothing makes the deploy wait for `previous`."""
    # Branch protection and required checks live in repository settings, not
    # in files, so a gate kept only there is not seen.
    if deploy.job.environment is not None or _needs_previous(audit, deploy, previous):
        return
    runs = _workflow_runs(audit, deploy.workflow, previous)
    if runs and _checks_success(audit, deploy):
        return

    if runs:
        message = (
            f"`{final.name}` deploy starts after `{previous.name}`'s workflow "
            "whatever its result: no `workflow_run.conclusion == 'success'` check"
        )
    else:
        message = (
            f"`{final.name}` deploy does not wait for stage `{previous.name}`: no "
            "`needs`, successful `workflow_run` or `environment:` gate"
        )
    yield Finding(
        rule_id=META.id,
        severity=META.severity,
        message=message,
        help=(
            f"run this job after the `{previous.name}` deploy (`needs:`), or from a "
            f"successful `workflow_run` of its workflow, or behind an `environment:`"
        ),
        location=Location(deploy.path, deploy.span),
        key=f"{final.name}/after/{previous.name}/{deploy.job.id}",
    )


def _deploys_stage(audit: Audit, deploy: Deploy, stage: StageSpec) -> bool:
    """Return whether a deploy reaches `stage` or runs in the stage's workflow."""
    if deploy.workflow.path == stage.workflow:
        return True
    return audit.stage_of(deploy).stage == stage


def _needs_previous(audit: Audit, deploy: Deploy, previous: StageSpec) -> bool:
    """Return whether a job the deploy's job needs deploys `previous`."""
    upstream = audit.upstream_jobs(deploy.workflow, deploy.job)
    return any(
        job_key(other.workflow, other.job) in upstream
        and _deploys_stage(audit, other, previous)
        for other in audit.real_deploys()
    )


def _workflow_runs(audit: Audit, workflow: Workflow, previous: StageSpec) -> bool:
    """Return whether the workflow starts from a run of the earlier stage's one."""
    trigger = workflow.trigger("workflow_run")
    if trigger is None:
        return False
    sources = {
        d.workflow.name
        for d in audit.real_deploys()
        if _deploys_stage(audit, d, previous)
    }
    planned = audit.workflow(previous.workflow) if previous.workflow else None
    if planned is not None:
        sources.add(planned.name)
    return any(name in sources for name in trigger.workflows)


def _checks_success(audit: Audit, deploy: Deploy) -> bool:
    """Return whether the job, a job it needs, or the step checks the run succeeded."""
    conditions = [deploy.job.if_, deploy.step.if_]
    for key in audit.upstream_jobs(deploy.workflow, deploy.job):
        job = audit.graph.nodes.get(key)
        if isinstance(job, Job):
            conditions.append(job.if_)
    return any(c is not None and SUCCESS_CHECK.search(c.text()) for c in conditions)


def _follows_ref(deploy: Deploy) -> bool:
    """Return whether the deploy's target is taken from the branch it runs on.

    `pages deploy` without `--branch` uses the checked-out branch, so a run on
    another branch makes a preview, not a production deploy.
    """
    value = deploy.branch if deploy.is_pages else deploy.env
    if value is None:
        return deploy.is_pages
    return any(ref.startswith(REF_CONTEXTS) for ref in value.refs)


def _checks_ref(deploy: Deploy, branch: str) -> bool:
    """Return whether the job only runs for, or only checks out, the branch."""
    conditions: list[Scalar | None] = [deploy.job.if_, deploy.step.if_]
    for condition in conditions:
        text = condition.text() if condition is not None else ""
        if re.search(r"github\.ref(_name)?\b", text) and branch in text:
            return True
    return any(
        _checks_out(step.with_, branch)
        for step in deploy.job.steps
        if step.uses is not None and step.uses.text().startswith("actions/checkout")
    )


def _checks_out(with_: Mapping | None, branch: str) -> bool:
    """Return whether a checkout step pins the production branch."""
    ref = with_.text("ref") if with_ is not None else None
    return ref in (branch, f"refs/heads/{branch}")


def _check_triggers(deploy: Deploy, final: StageSpec, branch: str) -> Iterator[Finding]:
    """Yield a warning per trigger that starts the deploy off the production branch."""
    gated = deploy.job.environment is not None
    for trigger in deploy.workflow.triggers:
        reason = _stray(trigger, branch, gated)
        if reason is None:
            continue
        yield Finding(
            rule_id=META.id,
            severity=Severity.WARNING,
            message=f"`{final.name}` deploy of job `{deploy.job.id}` runs {reason}",
            help=(
                f"limit the trigger to `{branch}`, or add "
                f"`if: github.ref == 'refs/heads/{branch}'` to the job"
            ),
            location=Location(deploy.path, trigger.span),
            key=f"{final.name}/trigger/{trigger.event}/{deploy.job.id}",
        )


def _stray(trigger: Trigger, branch: str, gated: bool) -> str | None:
    """Return how a trigger reaches other branches, or None if it does not."""
    if trigger.event in PULL_REQUESTS:
        return f"on `{trigger.event}`, for code that is not on `{branch}`"
    if trigger.event == "workflow_dispatch" and not gated:
        return "when started by hand from any branch (`workflow_dispatch`)"
    if trigger.event != "push":
        return None
    if trigger.tags and not trigger.branches and not trigger.branches_ignore:
        return None
    others = [b for b in trigger.branches if b != branch]
    if others:
        names = ", ".join(f"`{b}`" for b in others)
        return f"on pushes to {names}"
    if not trigger.branches:
        return "on pushes to any branch"
    return None
