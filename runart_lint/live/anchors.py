"""Where in the repository a live finding belongs.

A live finding is about a setting outside the repository, but it is reported
at the line that setting concerns: the `secrets.X` reference, the KV id, the
project name a deploy passes, the branch a workflow deploys, or the stage in
the rule pack when the pack file is part of the repository. Nothing here
points at a file outside the repository; a finding with no such line is
reported by its rule as a check not run instead, so the user sees the
reason but not a position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.expressions import expressions
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.live.plan import job_environment
from runart_lint.live.snapshot import Fetched, Gaps
from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span
from runart_lint.loaders.workflow import Job, Workflow
from runart_lint.loaders.wrangler import Binding, EnvBlock, WranglerConfig
from runart_lint.pack import StageSpec
from runart_lint.records import record

CONTEXT_NAME = re.compile(
    r"(?<![\w.])(secrets|vars)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)"
    r"|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
KV_ID = re.compile(r"[0-9a-f]{32}")
# An expression that compares or combines values tests a setting's presence.
TESTS = re.compile(r"==|!=|&&|<|>|!\s*[\w(]|\b(?:contains|startsWith|endsWith)\s*\(")
# Secrets GitHub provides itself, never set in the settings.
PROVIDED_SECRETS = frozenset({"GITHUB_TOKEN"})


@record
class Reference:
    """One `secrets.X` or `vars.X` in a workflow, and the job that reads it.

    `read` is False where the value is only tested (`if:`, `==`, `!=`, `&&`)
    or has a fallback that is no setting (`secrets.X || 'default'`); `chain`
    holds every name of a `secrets.A || secrets.B` fallback chain.
    """

    context: str
    name: str
    path: str
    span: Span
    workflow: Workflow
    job: Job
    read: bool = True
    chain: tuple[str, ...] = ()


@record
class Unset:
    """References of one file to a setting its job cannot read, the first one first."""

    references: tuple[Reference, ...]
    environment: str | None

    @property
    def first(self) -> Reference:
        """Return the reference the finding is reported at."""
        return self.references[0]


@record
class KvId:
    """A well-formed KV namespace id written in a wrangler config."""

    config: WranglerConfig
    block: EnvBlock
    binding: Binding
    field: str
    scalar: Scalar


def references(audit: Audit, context: str) -> Iterator[Reference]:
    """Yield every `secrets.X` (or `vars.X`) each job of an active workflow reads.

    A reference in the workflow's `env:` is read by every job. Workflows that
    only run when another workflow calls them read their caller's settings
    and are left out; Dependabot's own secrets are not read, so a workflow
    that only Dependabot runs may be reported wrongly.
    """
    for workflow in audit.active_workflows():
        if {t.event for t in workflow.triggers} == {"workflow_call"}:
            continue
        lines = audit.lines(workflow.path)
        shared = list(_names(workflow.env, lines, context, False))
        for job in workflow.jobs:
            for found in [*shared, *_names(job.node, lines, context, False)]:
                name, span, read, chain = found
                yield Reference(
                    context, name, workflow.path, span, workflow, job, read, chain
                )


def _names(
    node: Node | None, lines: list[str], context: str, tested: bool
) -> Iterator[tuple[str, Span, bool, tuple[str, ...]]]:
    """Yield the names a subtree reads from `context`: name, span, read, chain."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _names(value, lines, context, tested or key == "if")
    elif isinstance(node, Sequence):
        for item in node:
            yield from _names(item, lines, context, tested)
    elif isinstance(node, Scalar):
        yield from _scalar_names(node, lines, context, tested)


def _scalar_names(
    scalar: Scalar, lines: list[str], context: str, tested: bool
) -> Iterator[tuple[str, Span, bool, tuple[str, ...]]]:
    """Yield the names one scalar's expressions read from `context`."""
    text = scalar.text()
    for expression in expressions(text):
        inside = text[expression.start : expression.end]
        found = [m for m in CONTEXT_NAME.finditer(inside) if m.group(1) == context]
        chain = tuple(_name(m) for m in found)
        read = not tested and _reads(expression.body, context)
        for match in found:
            start = expression.start + match.start()
            span = locate(scalar, lines, start, expression.start + match.end())
            yield _name(match), span, read, chain


def _name(match: re.Match[str]) -> str:
    """Return the setting name of a reference, upper case as GitHub stores it."""
    return (match.group(2) or match.group(3)).upper()


def _reads(body: str, context: str) -> bool:
    """Return whether an expression uses the value rather than testing it."""
    if TESTS.search(body):
        return False
    operands = [operand.strip().strip("()").strip() for operand in body.split("||")]
    if len(operands) == 1:
        return True
    matches = [CONTEXT_NAME.fullmatch(operand) for operand in operands]
    return all(m is not None and m.group(1) == context for m in matches)


def pack_location(audit: Audit, span: Span) -> Location | None:
    """Return a place in the rule pack, when the pack file is in the repository."""
    if audit.pack.builtin:
        return None
    root = audit.root.resolve()
    path = Path(audit.pack.path).resolve()
    if not path.is_relative_to(root):
        return None
    return Location(path.relative_to(root).as_posix(), span)


def stage_location(audit: Audit, stage: StageSpec) -> Location | None:
    """Return where the pack declares `stage`, when the pack is in the repository."""
    return pack_location(audit, audit.pack.stage_span(stage.name))


def project_location(
    audit: Audit, project: str, workflow: str | None = None
) -> Location | None:
    """Return where a deploy names the Pages project, else the config naming it."""
    deploys = [d for d in audit.real_deploys() if d.is_pages and d.project is not None]
    named = [d for d in deploys if d.project is not None and d.project.text == project]
    named.sort(key=lambda d: d.workflow.path != workflow)
    for deploy in named:
        assert deploy.project is not None
        own = deploy.action is None and deploy.project.origin is not None
        span = deploy.project.origin if own else deploy.project.span
        assert span is not None
        return Location(deploy.workflow.path if own else deploy.path, span)
    for config in audit.configs:
        name = config.root.scalar("name")
        if config.is_pages and name is not None and name.text() == project:
            return Location(config.path, name.span)
    return None


def stage_project_location(audit: Audit, stage: StageSpec) -> Location | None:
    """Return where a stage's project is named: a deploy, the config, or the pack."""
    assert stage.project is not None
    found = project_location(audit, stage.project, stage.workflow)
    return found or stage_location(audit, stage)


def branch_location(workflow: Workflow, branch: str | None) -> Location:
    """Return the push trigger's entry for `branch`, else the workflow's `on:`."""
    on = workflow.root.get("on")
    push = on.get("push") if isinstance(on, Mapping) else None
    branches = push.get("branches") if isinstance(push, Mapping) else None
    items: list[Node] = []
    if isinstance(branches, Sequence):
        items = list(branches.items)
    elif isinstance(branches, Scalar):
        items = [branches]
    for item in items:
        if isinstance(item, Scalar) and item.text() == branch:
            return Location(workflow.path, item.span)
    return Location(workflow.path, workflow.on_span)


def kv_ids(audit: Audit) -> Iterator[KvId]:
    """Yield every well-formed KV `id` and `preview_id` of every config."""
    for config in audit.configs:
        for block in config.blocks():
            for binding in block.bindings_of("kv_namespaces"):
                for field in ("id", "preview_id"):
                    scalar = binding.field(field)
                    if scalar is not None and KV_ID.fullmatch(scalar.text()):
                        yield KvId(config, block, binding, field, scalar)


def block_stages(
    audit: Audit, config: WranglerConfig, block: EnvBlock
) -> list[StageSpec]:
    """Return the plan stages that deploy with this block of this config."""
    stages = []
    for stage in audit.pack.pack.deployed_stages():
        if stage.config != config.path:
            continue
        own = stage.config_env is not None and stage.config_env in config.envs
        if (own and block.name == stage.config_env) or (not own and block.name is None):
            stages.append(stage)
    return stages


def deploy_block(config: WranglerConfig, environment: str | None) -> EnvBlock:
    """Return the block a deploy of `environment` reads: its own, else the top level."""
    if environment is not None and environment in config.envs:
        return config.envs[environment]
    return config.top


def unset_references(
    audit: Audit,
    context: str,
    shared: frozenset[str],
    in_environment: Callable[[str], Fetched[frozenset[str]]],
    gaps: Gaps,
) -> list[Unset]:
    """Return the reads of a setting set neither for the repository nor in the
    job's environment (no name of a fallback chain), grouped by file.

    A job whose environment is only known at run time is not judged.
    """
    groups: dict[tuple[str, str | None, tuple[str, ...]], list[Reference]] = {}
    for reference in references(audit, context):
        chain = reference.chain or (reference.name,)
        if not reference.read or reference.name != chain[0]:
            continue
        if PROVIDED_SECRETS & set(chain) or shared & set(chain):
            continue
        environment = job_environment(reference.job)
        if reference.job.environment is not None and environment is None:
            continue
        if environment is not None:
            names = in_environment(environment)
            if gaps.missing(names) or names.value & set(chain):
                continue
        groups.setdefault((reference.path, environment, chain), []).append(reference)

    unset = []
    for (_, environment, _), found in groups.items():
        by_span = {reference.span: reference for reference in found}
        ordered = tuple(sorted(by_span.values(), key=lambda r: r.span))
        unset.append(Unset(ordered, environment))
    return unset


def credential_location(audit: Audit, variable: str) -> Location | None:
    """Return the first `secrets.X` reference of the plan credential `variable`."""
    credentials = audit.pack.pack.secrets.credentials
    names = {c.name for c in credentials if variable in c.env} or {variable}
    found = [r for r in references(audit, "secrets") if r.name in names]
    if not found:
        return None
    first = min(found, key=lambda r: (r.path, r.span))
    return Location(first.path, first.span)


def branch_value_location(audit: Audit, project: str, branch: str) -> Location | None:
    """Return where a Pages deploy of `project` names `branch` as its `--branch`."""
    for deploy in audit.real_deploys():
        value = deploy.branch
        named = deploy.project is not None and deploy.project.text == project
        if not (deploy.is_pages and named and value is not None):
            continue
        if value.text == branch:
            own = deploy.action is None and value.origin is not None
            span = value.origin if own and value.origin is not None else value.span
            return Location(deploy.workflow.path if own else deploy.path, span)
    return None


def unset_finding(unset: Unset, rule_id: str, severity: Severity, noun: str) -> Finding:
    """Return the finding for a secret or variable (`noun`) that is not set,
    at its first read in the file, the next ones as related places."""
    first = unset.first
    name = (first.chain or (first.name,))[0]
    where = (
        f"environment `{unset.environment}`" if unset.environment else "the repository"
    )
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=_describe(unset),
        help=f"add the {noun} `{name}` to {where}, or read a {noun} that exists",
        location=Location(first.path, first.span),
        key=f"{unset.environment}/{first.context}.{name}",
        related=tuple(
            (Location(r.path, r.span), "also read here") for r in unset.references[1:4]
        ),
    )


def _describe(unset: Unset) -> str:
    """Return what is missing, where, and which jobs read it."""
    first, environment = unset.first, unset.environment
    chain = first.chain or (first.name,)
    shown = ", ".join(f"`{first.context}.{name}`" for name in chain)
    if len(chain) == 1 and environment is None:
        missing = f"{shown} is not set for the repository or its organization"
    elif len(chain) == 1:
        missing = f"{shown} is set neither in environment `{environment}` nor for "
        missing += "the repository"
    elif environment is None:
        missing = f"none of {shown} is set for the repository or its organization"
    else:
        missing = f"none of {shown} is set in environment `{environment}` or for "
        missing += "the repository"

    jobs = sorted({reference.job.id for reference in unset.references})
    if len(jobs) == 1:
        return f"{missing}, so job `{jobs[0]}` reads it empty"
    return f"{missing}, so jobs {', '.join(f'`{job}`' for job in jobs)} read it empty"
