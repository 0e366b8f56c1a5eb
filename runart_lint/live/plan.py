"""Decide, from the offline audit, what a live audit reads.

The fetcher and the live rules both ask these functions, so that every value
a rule looks up is one the fetcher read.
"""

from __future__ import annotations

from runart_lint.graph.model import Audit
from runart_lint.loaders.workflow import Job, Workflow
from runart_lint.pack import StageSpec
from runart_lint.records import record

PAGES_ENVIRONMENTS = ("production", "preview")
GLOB_CHARACTERS = frozenset("*?[]!+")


@record
class PlannedWorkflow:
    """A plan workflow in the repository and the branch its runs are read on."""

    path: str
    branch: str | None


@record
class LivePlan:
    """Every read a live audit makes, by what it reads."""

    environments: tuple[str, ...]
    production_branch: str
    workflows: tuple[PlannedWorkflow, ...]
    projects: tuple[str, ...]
    deployments: tuple[tuple[str, str], ...]


def make_plan(audit: Audit) -> LivePlan:
    """Return what to read for this repository and plan."""
    branch = production_branch(audit)
    deployments = {
        (stage.project, pages_environment(audit, stage))
        for stage in pages_stages(audit)
        if stage.project is not None
    }
    return LivePlan(
        environments=environments(audit),
        production_branch=branch,
        workflows=plan_workflows(audit),
        projects=pages_projects(audit),
        deployments=tuple(sorted(deployments)),
    )


def job_environment(job: Job) -> str | None:
    """Return the GitHub environment a job names, when it is written literally."""
    scalar = job.environment
    if scalar is None:
        return None
    text = scalar.text().strip()
    return text if text and "${{" not in text else None


def environments(audit: Audit) -> tuple[str, ...]:
    """Return every environment a job or the plan names."""
    names = {
        name
        for workflow in audit.active_workflows()
        for job in workflow.jobs
        if (name := job_environment(job)) is not None
    }
    names.update(
        s.github_environment for s in audit.pack.pack.stages if s.github_environment
    )
    return tuple(sorted(names))


def production_stage(audit: Audit) -> StageSpec | None:
    """Return the last deployed stage of the promotion order: production."""
    stages = audit.pack.pack.deployed_stages()
    return stages[-1] if stages else None


def production_branch(audit: Audit) -> str:
    """Return the branch production deploys from."""
    stage = production_stage(audit)
    if stage is not None and stage.branch and stage.branch != "*":
        return stage.branch
    return audit.pack.pack.pack.production_branch


def plan_workflows(audit: Audit) -> tuple[PlannedWorkflow, ...]:
    """Return the plan's workflows present in the repository, rollback included."""
    plan = audit.pack.pack
    paths: list[tuple[str, StageSpec | None]] = [
        (s.workflow, s) for s in plan.deployed_stages() if s.workflow
    ]
    if plan.rollback.required and plan.rollback.workflow:
        paths.append((plan.rollback.workflow, None))

    planned: dict[str, PlannedWorkflow] = {}
    for path, stage in paths:
        workflow = audit.workflow(path) if path else None
        if workflow is not None and not workflow.inert and path not in planned:
            planned[path] = _planned(workflow, stage)
    return tuple(planned.values())


def _planned(workflow: Workflow, stage: StageSpec | None) -> PlannedWorkflow:
    """Return the workflow with the branch its push trigger names, if one."""
    push = workflow.trigger("push")
    literal = [b for b in push.branches if not GLOB_CHARACTERS & set(b)] if push else []
    if stage is not None and stage.branch in literal:
        return PlannedWorkflow(workflow.path, stage.branch)
    return PlannedWorkflow(workflow.path, literal[0] if literal else None)


def pages_stages(audit: Audit) -> tuple[StageSpec, ...]:
    """Return the deployed Pages stages that name their project."""
    stages = audit.pack.pack.deployed_stages()
    return tuple(s for s in stages if s.kind == "pages" and s.project)


def pages_projects(audit: Audit) -> tuple[str, ...]:
    """Return the Pages projects the plan's deployed stages name."""
    return tuple(sorted({s.project for s in pages_stages(audit) if s.project}))


def pages_environment(audit: Audit, stage: StageSpec) -> str:
    """Return the Pages environment (`production` or `preview`) a stage deploys to.

    A Pages deploy goes to production when its branch is the project's
    production branch, and to preview otherwise (wrangler `pages deploy`).
    """
    if stage.config_env is not None and stage.config_env in PAGES_ENVIRONMENTS:
        return stage.config_env
    if stage.branch and stage.branch != "*":
        return "production" if stage.branch == production_branch(audit) else "preview"
    sharing = [s for s in pages_stages(audit) if s.project == stage.project]
    return "production" if len(sharing) == 1 else "preview"
