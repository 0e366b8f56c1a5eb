"""The promotion path as reports show it: stages, their workflows, gates, results.

Built once from the audit graph and the findings, then read by the log entry,
the Markdown summary and the diagram, so that all three say the same thing.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator

from runart_lint.findings import AuditResult, Finding, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Node, Sequence
from runart_lint.loaders.workflow import Trigger, Workflow
from runart_lint.pack import StageSpec
from runart_lint.records import record

# The rule whose findings say that a stage does not wait for the one before it.
GATE_RULE = "unordered-promotion"


class Status(enum.Enum):
    """A stage's result, in the words of the team's deployment log."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"
    UNKNOWN = "UNKNOWN"


class LinkState(enum.Enum):
    """How sure, and how sound, a link of the diagram is."""

    OK = "ok"
    UNCERTAIN = "uncertain"
    MISSING = "missing"
    BROKEN = "broken"


@record
class StageReport:
    """One stage of the plan with its result and the findings related to it."""

    spec: StageSpec
    reached: bool
    status: Status
    findings: tuple[Finding, ...]

    @property
    def name(self) -> str:
        """Return the stage name."""
        return self.spec.name


@record
class WorkflowLink:
    """A workflow that deploys a stage, or was planned to and does not."""

    workflow: str
    title: str
    stage: str
    triggers: tuple[str, ...]
    gates: tuple[str, ...]
    state: LinkState
    actual: tuple[str, ...] = ()
    present: bool = True


@record
class PromotionLink:
    """One step of the promotion order and what starts the later stage."""

    source: str
    target: str
    via: tuple[str, ...]
    state: LinkState


@record
class Promotion:
    """Everything the reports show about the promotion path."""

    stages: tuple[StageReport, ...]
    workflows: tuple[WorkflowLink, ...]
    links: tuple[PromotionLink, ...]

    def stage(self, name: str) -> StageReport | None:
        """Return the report of the stage called `name`."""
        return next((s for s in self.stages if s.name == name), None)

    def workflows_of(self, stage: str) -> tuple[WorkflowLink, ...]:
        """Return the links into `stage`."""
        return tuple(link for link in self.workflows if link.stage == stage)


def build_promotion(result: AuditResult, audit: Audit) -> Promotion:
    """Return the promotion path of the audit, with a result for each stage."""
    reached = _reached(audit)
    workflows = tuple(_workflow_links(audit, reached))
    related = _relate(result.findings, audit, workflows)

    incomplete = bool(result.not_run)
    stages = tuple(
        _stage_report(spec, workflows, related.get(spec.name, ()), incomplete)
        for spec in _ordered_stages(audit)
    )
    links = tuple(_promotion_links(audit, result, workflows, reached))
    return Promotion(stages, workflows, links)


def stage_status(findings: Iterable[Finding], *, incomplete: bool) -> Status:
    """Return FAIL for errors, WARN for warnings, else PASS (UNKNOWN if incomplete)."""
    worst = max((f.severity for f in findings if f.suppressed is None), default=None)
    if worst is Severity.ERROR:
        return Status.FAIL
    if worst is Severity.WARNING:
        return Status.WARN
    return Status.UNKNOWN if incomplete else Status.PASS


def _ordered_stages(audit: Audit) -> list[StageSpec]:
    """Return the plan's stages in promotion order, the others after them."""
    plan = audit.pack.pack
    order = {name: index for index, name in enumerate(plan.promotion)}
    return sorted(plan.stages, key=lambda s: order.get(s.name, len(order)))


Reached = dict[tuple[str, str], list[tuple[Deploy, bool]]]


def _reached(audit: Audit) -> Reached:
    """Return the deploys of each (workflow, stage) pair, with their certainty."""
    reached: Reached = defaultdict(list)
    for deploy in audit.real_deploys():
        match = audit.stage_of(deploy)
        if match.stage is not None:
            key = (deploy.workflow.path, match.stage.name)
            reached[key].append((deploy, match.certain))
    return reached


def _workflow_links(audit: Audit, reached: Reached) -> Iterator[WorkflowLink]:
    """Yield the links that deploy stages, then the planned ones that do not."""
    order = {spec.name: index for index, spec in enumerate(_ordered_stages(audit))}
    for (path, stage), deploys in sorted(
        reached.items(), key=lambda item: (order[item[0][1]], item[0][0])
    ):
        workflow = deploys[0][0].workflow
        certain = any(sure for _, sure in deploys)
        yield WorkflowLink(
            path,
            workflow.name,
            stage,
            _triggers(workflow),
            _gates(d for d, _ in deploys),
            LinkState.OK if certain else LinkState.UNCERTAIN,
        )

    for spec in audit.pack.pack.deployed_stages():
        if spec.workflow is not None and (spec.workflow, spec.name) not in reached:
            yield _planned_link(audit, spec, spec.workflow, reached)


def _planned_link(
    audit: Audit, spec: StageSpec, path: str, reached: Reached
) -> WorkflowLink:
    """Return the link of a planned workflow that is absent or deploys elsewhere."""
    workflow = audit.workflow(path)
    if workflow is None:
        name = path.rsplit("/", 1)[-1]
        return WorkflowLink(
            path, name, spec.name, (), (), LinkState.MISSING, present=False
        )

    actual = tuple(stage for (where, stage) in reached if where == path)
    state = LinkState.BROKEN if actual else LinkState.MISSING
    return WorkflowLink(
        path, workflow.name, spec.name, _triggers(workflow), (), state, actual
    )


def _triggers(workflow: Workflow) -> tuple[str, ...]:
    """Return each trigger as `event: branch, branch`."""
    return tuple(_trigger_text(trigger) for trigger in workflow.triggers)


def _trigger_text(trigger: Trigger) -> str:
    """Return one trigger with the branches or workflows that narrow it."""
    narrowing = trigger.branches or trigger.workflows or trigger.tags
    if not narrowing:
        return trigger.event
    return f"{trigger.event}: {', '.join(narrowing)}"


def _gates(deploys: Iterable[Deploy]) -> tuple[str, ...]:
    """Return the environments and needed jobs the deploying jobs wait for.

    Branch protection and required deployments are repository settings, not
    files, so a gate kept only there is not shown.
    """
    gates: list[str] = []
    for deploy in deploys:
        environment = deploy.job.environment
        if environment is not None and environment.text():
            gates.append(f"environment: {environment.text()}")
        gates.extend(f"needs: {need}" for need in deploy.job.needs)
    return tuple(dict.fromkeys(gates))


def _stage_report(
    spec: StageSpec,
    workflows: tuple[WorkflowLink, ...],
    findings: tuple[Finding, ...],
    incomplete: bool,
) -> StageReport:
    """Return one stage's result from its deploys and its findings."""
    reached = any(link.stage == spec.name and _live(link) for link in workflows)
    status = stage_status(findings, incomplete=incomplete)
    unseen = not reached and status in (Status.PASS, Status.UNKNOWN)
    if not spec.deployed or unseen:
        status = Status.SKIPPED
    return StageReport(spec, reached, status, findings)


def _promotion_links(
    audit: Audit,
    result: AuditResult,
    workflows: tuple[WorkflowLink, ...],
    reached: Reached,
) -> Iterator[PromotionLink]:
    """Yield each step of the promotion order, marked when its gate is missing."""
    plan = audit.pack.pack
    ungated = _ungated(result.findings)
    for source, target in zip(plan.promotion, plan.promotion[1:], strict=False):
        into = [link for link in workflows if link.stage == target and _live(link)]
        via = tuple(
            dict.fromkeys(
                text for link in into for text in (*link.triggers, *link.gates)
            )
        )
        spec = plan.stage(target)
        deploys = [
            d
            for (_, stage), found in reached.items()
            if stage == target
            for d, _ in found
        ]
        if spec is not None and spec.deployed and not into:
            state = LinkState.MISSING
        elif any((d.path, d.span) in ungated for d in deploys):
            state = LinkState.BROKEN
        elif into and all(link.state is LinkState.UNCERTAIN for link in into):
            state = LinkState.UNCERTAIN
        else:
            state = LinkState.OK
        yield PromotionLink(source, target, via, state)


def _live(link: WorkflowLink) -> bool:
    """Return whether a link is a deploy found in the workflows (sure or not)."""
    return link.state in (LinkState.OK, LinkState.UNCERTAIN)


def _ungated(findings: Iterable[Finding]) -> set[tuple[str, object]]:
    """Return the places of deploys that a finding says do not wait their turn."""
    return {
        (f.location.path, f.location.span)
        for f in findings
        if f.rule_id == GATE_RULE
        and f.severity is Severity.ERROR
        and f.suppressed is None
    }


# Which stages a finding concerns, from where it points.


def _relate(
    findings: Iterable[Finding], audit: Audit, workflows: tuple[WorkflowLink, ...]
) -> dict[str, tuple[Finding, ...]]:
    """Return the unsuppressed findings of each stage.

    A finding is related by where it points, so one in a workflow that deploys
    two stages counts for both, and one in a file no stage deploys with counts
    for none.
    """
    by_workflow = _stages_by_workflow(workflows)
    configs = _config_users(audit)
    pack_lines = _pack_stage_lines(audit)
    pack_file = _pack_file(audit)

    related: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.suppressed is not None:
            continue
        path = finding.location.path
        line = finding.location.span.line if finding.location.span else 0
        stages = by_workflow.get(path, set())
        stages |= _config_stages(audit, configs, path, line)
        if path == pack_file:
            stages |= {name for name, lines in pack_lines.items() if line in lines}
        for stage in stages:
            related[stage].append(finding)
    return {stage: tuple(found) for stage, found in related.items()}


def _stages_by_workflow(workflows: tuple[WorkflowLink, ...]) -> dict[str, set[str]]:
    """Return the stages each existing workflow deploys or was planned to deploy."""
    stages: dict[str, set[str]] = defaultdict(set)
    for link in workflows:
        if link.present:
            stages[link.workflow].add(link.stage)
    return stages


ConfigUsers = dict[tuple[str, str | None], set[str]]


def _config_users(audit: Audit) -> ConfigUsers:
    """Return the stages that deploy each (config, environment) pair."""
    users: ConfigUsers = defaultdict(set)
    for spec in audit.pack.pack.deployed_stages():
        if spec.config is not None:
            users[(spec.config, spec.config_env)].add(spec.name)
    for deploy in audit.real_deploys():
        match = audit.stage_of(deploy)
        if match.stage is not None and deploy.config is not None:
            env = deploy.env_name
            if deploy.is_pages and env is None:
                env = match.stage.config_env
            users[(deploy.config.path, env)].add(match.stage.name)
    return users


def _config_stages(audit: Audit, users: ConfigUsers, path: str, line: int) -> set[str]:
    """Return the stages a finding at `line` of a config concerns.

    A finding inside `[env.X]` concerns the stages that deploy X; one at the
    top level concerns every stage that deploys the config.
    """
    config = audit.config(path)
    if config is None:
        return set()
    for name, block in config.envs.items():
        if line == block.span.line or line in _lines(block.node):
            return set(users.get((path, name), set()))
    return {
        stage
        for (where, _), stages in users.items()
        if where == path
        for stage in stages
    }


def _pack_stage_lines(audit: Audit) -> dict[str, set[int]]:
    """Return the lines of the pack file that declare each stage."""
    stages = audit.pack.tree.sequence("stages")
    lines: dict[str, set[int]] = {}
    for node in stages.items if stages is not None else ():
        if isinstance(node, Mapping):
            name = node.text("name")
            if name is not None:
                lines[name] = _lines(node) | {node.key_span("name").line}
    return lines


def _pack_file(audit: Audit) -> str:
    """Return the pack's path as findings name it."""
    from runart_lint.graph.stages import pack_path

    return pack_path(audit)


def _lines(node: Node) -> set[int]:
    """Return every line a key or a value below `node` is written on."""
    found = {node.span.line}
    if isinstance(node, Mapping):
        for entry in node.entries.values():
            found.add(entry.key_span.line)
            found |= _lines(entry.value)
    elif isinstance(node, Sequence):
        for item in node.items:
            found |= _lines(item)
    return found
