"""Build the pipeline graph from loaded configs, workflows and the plan."""

from __future__ import annotations

from pathlib import Path

from runart_lint.graph.deploys import Deploy, derive_deploys
from runart_lint.graph.expressions import expressions
from runart_lint.graph.model import Audit, Graph, job_key
from runart_lint.loaders.tree import ParsedFile, walk_scalars
from runart_lint.loaders.workflow import Action, Workflow
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.pack import LoadedPack


def build_audit(
    root: Path,
    pack: LoadedPack,
    configs: tuple[WranglerConfig, ...],
    workflows: tuple[Workflow, ...],
    actions: tuple[Action, ...],
    sources: dict[str, str],
    parsed: tuple[ParsedFile, ...],
) -> Audit:
    """Derive deploys and link everything into one graph."""
    lines = {path: text.splitlines() for path, text in sources.items()}
    by_dir = {action.directory: action for action in actions}
    by_path = {config.path: config for config in configs}

    deploys: list[Deploy] = []
    for workflow in workflows:
        deploys.extend(derive_deploys(workflow, lines, by_dir, by_path.get))

    graph = Graph()
    _add_plan(graph, pack)
    _add_configs(graph, configs)
    by_name: dict[str, list[str]] = {}
    for workflow in workflows:
        by_name.setdefault(workflow.name, []).append(workflow.path)
    for workflow in workflows:
        _add_workflow(graph, workflow, by_name)
    audit = Audit(
        root, pack, configs, workflows, by_dir, tuple(deploys), graph, sources, parsed
    )
    _add_deploys(graph, audit)
    return audit


def _add_plan(graph: Graph, pack: LoadedPack) -> None:
    """Add the plan's stages and the promotion order between them."""
    plan = pack.pack
    for stage in plan.stages:
        graph.add(("stage", stage.name), stage)
    for earlier, later in zip(plan.promotion, plan.promotion[1:], strict=False):
        graph.link(("stage", earlier), "promotes-to", ("stage", later))


def _add_configs(graph: Graph, configs: tuple[WranglerConfig, ...]) -> None:
    """Add configs, env blocks, bindings and the namespaces they bind."""
    for config in configs:
        config_key = graph.add(("config", config.path), config)
        for block in config.blocks():
            block_key = graph.add(("env", config.path, block.label), block)
            graph.link(config_key, "has-env", block_key)
            for binding in block.bindings:
                binding_key = graph.add(
                    (
                        "binding",
                        config.path,
                        block.label,
                        binding.kind,
                        binding.name or f"#{binding.index}",
                    ),
                    binding,
                )
                graph.link(block_key, "binds", binding_key)
                _link_resource(graph, binding_key, binding.kind, binding)


def _link_resource(
    graph: Graph, key: tuple[str, ...], kind: str, binding: object
) -> None:
    """Link a binding to the resource ids it names."""
    from runart_lint.loaders.wrangler import BINDING_ARRAYS, Binding

    assert isinstance(binding, Binding)
    for field in BINDING_ARRAYS.get(kind, ()):
        scalar = binding.field(field)
        if scalar is not None and scalar.text():
            resource = ("resource", kind, scalar.text())
            graph.link(key, "uses-resource", resource, field=field, span=scalar.span)


def _add_workflow(
    graph: Graph, workflow: Workflow, by_name: dict[str, list[str]]
) -> None:
    """Add a workflow with its triggers, jobs, needs, secrets and callers."""
    key = graph.add(("workflow", workflow.path), workflow)
    for trigger in workflow.triggers:
        trigger_key = graph.add(("trigger", workflow.path, trigger.event), trigger)
        graph.link(trigger_key, "starts", key)
        for branch in trigger.branches:
            graph.link(trigger_key, "on-branch", ("branch", branch))
        for name in trigger.workflows:
            for upstream_path in by_name.get(name, ()):
                graph.link(("workflow", upstream_path), "then-runs", key)

    for job in workflow.jobs:
        node = graph.add(job_key(workflow, job), job)
        graph.link(key, "has-job", node)
        for need in job.needs:
            graph.link(node, "needs", ("job", workflow.path, need))
        if job.uses is not None and job.uses.text().startswith("./"):
            called = job.uses.text()[2:].split("@", 1)[0]
            graph.link(node, "calls", ("workflow", called))
        for scalar in walk_scalars(job.node):
            text = scalar.text()
            if "secrets" not in text:  # most values: no expression to read
                continue
            for expression in expressions(text):
                for ref in expression.refs():
                    if ref.startswith("secrets."):
                        secret = ("secret", ref.split(".", 1)[1])
                        graph.link(node, "uses-secret", secret, span=scalar.span)


def _add_deploys(graph: Graph, audit: Audit) -> None:
    """Add each deploy with the stage, project, branch and config it touches."""
    for index, deploy in enumerate(audit.deploys):
        key = graph.add(("deploy", str(index)), deploy)
        graph.link(job_key(deploy.workflow, deploy.job), "runs", key)
        if deploy.config is not None:
            graph.link(key, "loads", ("config", deploy.config.path))
        if deploy.project is not None and deploy.project.text is not None:
            graph.link(key, "to-project", ("project", deploy.project.text))
        if deploy.branch is not None and deploy.branch.text is not None:
            graph.link(key, "from-branch", ("branch", deploy.branch.text))
        match = audit.stage_of(deploy)
        if match.stage is not None and deploy.is_deploy:
            graph.link(
                key, "deploys", ("stage", match.stage.name), certain=match.certain
            )
