"""Typed GitHub Actions workflows and composite actions over positioned trees."""

from __future__ import annotations

from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span
from runart_lint.records import record


@record
class Trigger:
    """One event under `on:`, with the filters that narrow it."""

    event: str
    span: Span
    branches: tuple[str, ...] = ()
    branches_ignore: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    def matches_branch(self, branch: str) -> bool:
        """Return whether a push or pull request on `branch` fires this trigger."""
        from runart_lint.loaders.globs import branch_matches, branches_match

        if self.branches:
            return branches_match(self.branches, branch)
        if self.branches_ignore:
            return not any(branch_matches(p, branch) for p in self.branches_ignore)
        return not self.tags


@record
class Step:
    """A step of a job or of a composite action."""

    index: int
    node: Mapping
    span: Span

    @property
    def id(self) -> str | None:
        """Return the step's `id`."""
        return self.node.text("id")

    @property
    def name(self) -> str | None:
        """Return the step's `name`."""
        return self.node.text("name")

    @property
    def uses(self) -> Scalar | None:
        """Return the `uses:` scalar."""
        return self.node.scalar("uses")

    @property
    def run(self) -> Scalar | None:
        """Return the `run:` script."""
        return self.node.scalar("run")

    @property
    def with_(self) -> Mapping | None:
        """Return the `with:` inputs."""
        return self.node.mapping("with")

    @property
    def env(self) -> Mapping | None:
        """Return the step's `env:`."""
        return self.node.mapping("env")

    @property
    def if_(self) -> Scalar | None:
        """Return the step's `if:` condition."""
        return self.node.scalar("if")

    @property
    def working_directory(self) -> Scalar | None:
        """Return the step's `working-directory:`."""
        return self.node.scalar("working-directory")

    def label(self) -> str:
        """Return how to name the step in a message."""
        if self.name:
            return f"step `{self.name}`"
        if self.uses is not None:
            return f"step `{self.uses.text()}`"
        return f"step {self.index + 1}"


@record
class Job:
    """A job with its dependencies, gates and steps."""

    id: str
    key_span: Span
    node: Mapping
    steps: tuple[Step, ...]
    needs: tuple[str, ...]

    @property
    def if_(self) -> Scalar | None:
        """Return the job's `if:` condition."""
        return self.node.scalar("if")

    @property
    def env(self) -> Mapping | None:
        """Return the job's `env:`."""
        return self.node.mapping("env")

    @property
    def environment(self) -> Scalar | None:
        """Return the GitHub environment's name, written plain or as `name:`."""
        value = self.node.get("environment")
        if isinstance(value, Mapping):
            return value.scalar("name")
        return value if isinstance(value, Scalar) else None

    @property
    def uses(self) -> Scalar | None:
        """Return the reusable workflow a job calls."""
        return self.node.scalar("uses")

    @property
    def with_(self) -> Mapping | None:
        """Return the inputs passed to a reusable workflow."""
        return self.node.mapping("with")

    @property
    def working_directory(self) -> Scalar | None:
        """Return `defaults.run.working-directory`."""
        defaults = self.node.mapping("defaults")
        run = defaults.mapping("run") if defaults is not None else None
        return run.scalar("working-directory") if run is not None else None


@record
class Workflow:
    """A workflow file: triggers, workflow-level env and jobs."""

    path: str
    inert: bool
    root: Mapping
    triggers: tuple[Trigger, ...]
    jobs: tuple[Job, ...]

    @property
    def name(self) -> str:
        """Return the workflow's `name:`, or its file name."""
        return self.root.text("name") or self.path.rsplit("/", 1)[-1]

    @property
    def file_name(self) -> str:
        """Return the file name, as `workflow_run` and `uses:` refer to it."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def env(self) -> Mapping | None:
        """Return the workflow's `env:`."""
        return self.root.mapping("env")

    @property
    def on_span(self) -> Span:
        """Return where `on:` is written."""
        return self.root.key_span("on")

    @property
    def working_directory(self) -> Scalar | None:
        """Return the workflow's `defaults.run.working-directory`."""
        defaults = self.root.mapping("defaults")
        run = defaults.mapping("run") if defaults is not None else None
        return run.scalar("working-directory") if run is not None else None

    def trigger(self, event: str) -> Trigger | None:
        """Return the trigger for `event`, if the workflow has one."""
        return next((t for t in self.triggers if t.event == event), None)

    def job(self, job_id: str) -> Job | None:
        """Return the job called `job_id`."""
        return next((job for job in self.jobs if job.id == job_id), None)


@record
class Action:
    """A local composite action, whose steps may deploy too."""

    path: str
    root: Mapping
    steps: tuple[Step, ...]

    @property
    def directory(self) -> str:
        """Return the folder a `uses: ./folder` reference names."""
        return self.path.rsplit("/", 1)[0]


def build_workflow(path: str, root: Node | None, inert: bool) -> Workflow | None:
    """Return the typed workflow for a parsed file, or None if it is not one."""
    if not isinstance(root, Mapping):
        return None

    triggers = _triggers(root.get("on"))
    jobs_node = root.mapping("jobs")
    jobs = _jobs(jobs_node) if jobs_node is not None else ()
    return Workflow(path, inert, root, triggers, jobs)


def build_action(path: str, root: Node | None) -> Action | None:
    """Return the typed composite action for a parsed file."""
    if not isinstance(root, Mapping):
        return None

    runs = root.mapping("runs")
    steps_node = runs.sequence("steps") if runs is not None else None
    return Action(path, root, _steps(steps_node))


def _triggers(node: Node | None) -> tuple[Trigger, ...]:
    """Return the triggers of an `on:` value in any of its three forms."""
    if isinstance(node, Scalar):
        return (Trigger(node.text(), node.span),)
    if isinstance(node, Sequence):
        return tuple(Trigger(i.text(), i.span) for i in node if isinstance(i, Scalar))
    if not isinstance(node, Mapping):
        return ()

    triggers = []
    for event, entry in node.entries.items():
        filters = entry.value if isinstance(entry.value, Mapping) else None
        triggers.append(
            Trigger(
                event,
                entry.key_span,
                branches=_strings(filters, "branches"),
                branches_ignore=_strings(filters, "branches-ignore"),
                tags=_strings(filters, "tags"),
                workflows=_strings(filters, "workflows"),
                types=_strings(filters, "types"),
            )
        )
    return tuple(triggers)


def _strings(node: Mapping | None, key: str) -> tuple[str, ...]:
    """Return a filter list (or single string) under `key` as strings."""
    if node is None:
        return ()
    value = node.get(key)
    if isinstance(value, Scalar):
        return (value.text(),)
    if isinstance(value, Sequence):
        return tuple(item.text() for item in value if isinstance(item, Scalar))
    return ()


def _jobs(node: Mapping) -> tuple[Job, ...]:
    """Return the jobs of a `jobs:` mapping."""
    jobs = []
    for job_id, entry in node.entries.items():
        if not isinstance(entry.value, Mapping):
            continue
        steps = _steps(entry.value.sequence("steps"))
        needs = _strings(entry.value, "needs")
        jobs.append(Job(job_id, entry.key_span, entry.value, steps, needs))
    return tuple(jobs)


def _steps(node: Sequence | None) -> tuple[Step, ...]:
    """Return the steps of a `steps:` sequence."""
    if node is None:
        return ()
    return tuple(
        Step(index, item, item.span)
        for index, item in enumerate(node)
        if isinstance(item, Mapping)
    )
