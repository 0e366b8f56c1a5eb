"""Report plan workflows whose latest run did not succeed, or that cannot run.

## What it does
With `--live`, reads the repository (its default branch), the workflows
GitHub knows and, for each workflow of the rule pack's stages (and the
rollback workflow) present in the repository, its latest completed run on
the branch its `push` trigger names (any branch when it names none). It
reports:

- a latest run that failed, timed out or could not start (an error), or
  ended otherwise than in success (a warning);
- a workflow that never completed a run (a warning; a note for a
  workflow that only runs by hand);
- a workflow GitHub has disabled, or does not know because it is not on
  the default branch (a warning).

## Why is this bad?
The plan's first acceptance criterion is that every workflow exists and
runs without error. A deploy workflow whose last run failed means the
stage serves an older build than the branch says; a disabled one means
the stage silently stopped deploying.

## Example
```yaml .github/workflows/pages-prod.yml
name: Deploy Production
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy site --project-name runart-foundry
```

```toml account.toml
# The runs GitHub recorded, newest first
[github.workflows.".github/workflows/pages-prod.yml"]
name = "Deploy Production"
runs = [{ branch = "main", conclusion = "failure" }]
```

Use instead:
```yaml .github/workflows/pages-prod.yml
name: Deploy Production
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy site --project-name runart-foundry
```

```toml account.toml
# The runs GitHub recorded, newest first
[github.workflows.".github/workflows/pages-prod.yml"]
name = "Deploy Production"
runs = [{ branch = "main", conclusion = "success" }]
```

## Options
Needs a GitHub token that can read Actions (fine-grained: Actions: read;
classic: `repo` for a private repository). See [live audits](../live.md).

## Known problems
Runs of pull requests are read on any branch, so a failing run of one pull
request is reported although others passed.

## References
- [GitHub REST: list workflow runs for a workflow](https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow)
- [GitHub: disabling and enabling a workflow](https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/disabling-and-enabling-a-workflow)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.workflow import Workflow
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.plan import PlannedWorkflow
    from runart_lint.live.snapshot import WorkflowRun, WorkflowState


# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="failed-workflow-run",
    summary="a plan workflow's latest run failed, or it never runs",
    severity=Severity.ERROR,
    inputs=("workflows", "pack", "github"),
    needs_live=True,
)

FAILED = frozenset({"failure", "timed_out", "startup_failure"})


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per plan workflow that is not running successfully."""
    if audit.live is None:
        return

    from runart_lint.live.plan import plan_workflows
    from runart_lint.live.snapshot import Gaps

    github = audit.live.github
    default = github.repo.get().default_branch
    workflows = github.workflows.get()
    gaps = Gaps()

    for planned in plan_workflows(audit):
        workflow = audit.workflow(planned.path)
        state = workflows.get(planned.path)
        latest = github.runs_of(planned.path)
        if workflow is None or (state is not None and gaps.missing(latest)):
            continue
        problem = _state_problem(workflow, state, default)
        problem = problem or _run_problem(workflow, planned, latest.value)
        if problem is not None:
            yield _finding(workflow, planned, *problem)
    gaps.close()


Problem = tuple[Severity, str, str, str]


def _state_problem(
    workflow: Workflow, state: WorkflowState | None, default: str
) -> Problem | None:
    """Return why GitHub does not run the workflow at all, if it does not."""
    if state is None:
        message = f"GitHub knows no workflow `{workflow.path}`, so it never runs"
        fix = f"merge the workflow into `{default}`, the default branch"
        return Severity.WARNING, "unknown", message, fix
    if state.state == "active":
        return None
    message = f"workflow `{workflow.name}` is `{state.state}` in GitHub, so it "
    message += "does not run"
    return Severity.WARNING, "state", message, "enable the workflow in the Actions tab"


def _run_problem(
    workflow: Workflow, planned: PlannedWorkflow, latest: WorkflowRun | None
) -> Problem | None:
    """Return what is wrong with the latest completed run, if anything."""
    on = f" on `{planned.branch}`" if planned.branch else ""
    if latest is None:
        manual = {t.event for t in workflow.triggers} <= {"workflow_dispatch"}
        message = f"workflow `{workflow.name}` has never completed a run{on}"
        severity = Severity.NOTE if manual else Severity.WARNING
        return (
            severity,
            "never",
            message,
            "run the workflow once and check that it passes",
        )
    if latest.conclusion == "success":
        return None
    severity = Severity.ERROR if latest.conclusion in FAILED else Severity.WARNING
    message = (
        f"the latest run of `{workflow.name}`{on} (run #{latest.number}, "
        f"{latest.created_at[:10]}) ended in `{latest.conclusion}`"
    )
    return severity, "latest", message, "fix the failing run and run the workflow again"


def _finding(
    workflow: Workflow,
    planned: PlannedWorkflow,
    severity: Severity,
    key: str,
    message: str,
    help_text: str,
) -> Finding:
    """Return a finding at the workflow's trigger for the branch read."""
    from runart_lint.live.anchors import branch_location

    return Finding(
        rule_id=META.id,
        severity=severity,
        message=message,
        help=help_text,
        location=branch_location(workflow, planned.branch),
        key=f"{workflow.path}/{key}",
    )
