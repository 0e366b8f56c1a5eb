"""Write a starting rule pack from what a repository's workflows already deploy."""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import expressions
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Scalar, Span, walk_scalars
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.pack import LoadedPack, Pack, PackInfo, RollbackSpec
from runart_lint.records import field, record

DEFAULT_OUTPUT = "runart-lint-pack.toml"
PRODUCTION_BRANCHES = ("main", "master")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_SECRETISH = re.compile(r"TOKEN|SECRET|KEY|PASSW|PRIVATE|CREDENTIAL", re.I)
_WORKFLOW_AFFIXES = re.compile(r"^(?:pages|deploy|cf|cloudflare)[-_]|[-_]deploy$")
# How early a stage comes in the promotion path, by words in its name.
_RANKS = (
    (re.compile(r"local|dev"), 0),
    (re.compile(r"stag|qa|uat|canary|pre-?prod"), 2),
    (re.compile(r"prod|live|release"), 3),
)
_TOKEN_KEYS = ("apiToken", "CLOUDFLARE_API_TOKEN")
_ACCOUNT_KEYS = ("accountId", "CLOUDFLARE_ACCOUNT_ID")


@record(frozen=False)
class StageDraft:
    """A stage being inferred: what the first deploy of it says, and its sources."""

    name: str
    kind: str
    project: str
    branch: str | None
    config: WranglerConfig | None
    config_env: str | None
    workflow: str
    deploy: Deploy
    also: list[str] = field(default_factory=list)


@record
class Starter:
    """The pack text, and what went into it."""

    text: str
    stages: tuple[str, ...]
    left_out: tuple[str, ...]


def infer(root: Path) -> Starter:
    """Read the repository at `root` and return its starting pack."""
    from runart_lint.engine import load_files
    from runart_lint.graph.builder import build_audit
    from runart_lint.loaders.discover import discover

    loaded = load_files(root, discover(root).files)
    audit = build_audit(
        root,
        _placeholder_pack(),
        loaded.configs,
        loaded.workflows,
        loaded.actions,
        loaded.sources,
        loaded.parsed,
    )
    return starter_pack(audit, pack_name(root))


def _placeholder_pack() -> LoadedPack:
    """Return an empty plan, for building the graph before any plan exists."""
    pack = Pack(PackInfo(name="starter"), stages=(), rollback=RollbackSpec(False))
    return LoadedPack(pack, "<starter>", "", Mapping({}, Span.point(1, 1)), True)


def starter_pack(audit: Audit, name: str) -> Starter:
    """Return a rule pack describing the stages the repository deploys today."""
    production = _production_branch(audit)
    drafts, left_out = _drafts(audit, production)
    ordered = sorted(drafts, key=lambda d: (_rank(d, production), d.name))

    lines = _header(audit, name, production, ordered)
    for draft in ordered:
        lines.extend(_stage_lines(draft, production))
    lines.extend(_secrets_lines(audit))
    lines.extend(_rollback_lines(audit, ordered, production))
    lines.extend(_left_out_lines(left_out))
    text = "\n".join(lines).rstrip("\n") + "\n"
    return Starter(text, tuple(d.name for d in ordered), tuple(left_out))


def pack_name(root: Path) -> str:
    """Return a pack name made from the repository folder's name."""
    slug = _slug(root.resolve().name)
    return slug or "my-pipeline"


def _production_branch(audit: Audit) -> str:
    """Return the branch production deploys from: the usual names, seen in use."""
    seen: Counter[str] = Counter()
    for deploy in audit.real_deploys():
        if deploy.branch is not None and deploy.branch.text in PRODUCTION_BRANCHES:
            seen[deploy.branch.text] += 1
        for trigger in deploy.workflow.triggers:
            seen.update(b for b in trigger.branches if b in PRODUCTION_BRANCHES)
    return seen.most_common(1)[0][0] if seen else "main"


def _drafts(audit: Audit, production: str) -> tuple[list[StageDraft], list[str]]:
    """Return one draft per distinct deploy target, and the deploys left out."""
    drafts: dict[tuple[object, ...], StageDraft] = {}
    left_out: list[str] = []
    names: set[str] = set()

    for deploy in sorted(audit.real_deploys(), key=_deploy_order):
        project = _project(deploy)
        if project is None:
            env = f" with `--env {deploy.env_name}`" if deploy.env_name else ""
            left_out.append(
                f"{_where(deploy)}{env}: its target is only known at run time"
            )
            continue
        branch = _branch(deploy)
        key = (deploy.is_pages, project, branch, deploy.env_name)
        if key in drafts:
            drafts[key].also.append(_where(deploy))
            continue
        draft = _draft(deploy, project, branch, production, names)
        names.add(draft.name)
        drafts[key] = draft
    return list(drafts.values()), left_out


def _draft(
    deploy: Deploy, project: str, branch: str | None, production: str, taken: set[str]
) -> StageDraft:
    """Return the draft stage of one deploy target."""
    config = deploy.config
    config_env = _config_env(deploy, config, branch, production)
    name = _unique(_stage_name(deploy, branch, production), taken)
    return StageDraft(
        name=name,
        kind="pages" if deploy.is_pages else "worker",
        project=project,
        branch=branch if deploy.is_pages else None,
        config=config,
        config_env=config_env,
        workflow=deploy.workflow.path,
        deploy=deploy,
    )


def _deploy_order(deploy: Deploy) -> tuple[str, str, int, int]:
    """Return a stable order of deploys: by workflow, job, step and position."""
    return (deploy.workflow.path, deploy.job.id, deploy.step.index, deploy.span.line)


def _project(deploy: Deploy) -> str | None:
    """Return the Pages project or Worker a deploy updates, when known offline."""
    if deploy.project is not None and deploy.project.text:
        return deploy.project.text
    if deploy.config is None:
        return None
    if deploy.is_pages:
        return deploy.config.name
    return deploy.config.worker_name(deploy.env_name)


def _branch(deploy: Deploy) -> str | None:
    """Return the literal branch a Pages deploy publishes, if it is one."""
    if not deploy.is_pages or deploy.branch is None:
        return None
    return deploy.branch.text or None


def _config_env(
    deploy: Deploy, config: WranglerConfig | None, branch: str | None, production: str
) -> str | None:
    """Return the env block of the config the deploy applies."""
    if config is None:
        return None
    if not deploy.is_pages:
        env = deploy.env_name
        return env if env is not None and env in config.envs else None
    wanted = "production" if branch == production else "preview"
    return wanted if wanted in config.envs else None


def _stage_name(deploy: Deploy, branch: str | None, production: str) -> str:
    """Return a name for the stage, from the clearest hint the workflow gives."""
    if deploy.env_name:
        return _slug(deploy.env_name)
    environment = deploy.job.environment
    if environment is not None and "${{" not in environment.text():
        return _slug(environment.text())
    if deploy.is_pages and branch == production:
        return "production"
    if deploy.is_pages and branch:
        return _slug(branch)
    stem = posixpath.splitext(deploy.workflow.file_name)[0]
    return _slug(_WORKFLOW_AFFIXES.sub("", stem)) or _slug(stem)


def _unique(name: str, taken: set[str]) -> str:
    """Return `name`, or `name-2`, `name-3`... when it is taken."""
    name = name or "stage"
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    return candidate


def _slug(text: str) -> str:
    """Return `text` as a stage or pack name (letters, digits, `.`, `_`, `-`)."""
    return _NOT_NAME.sub("-", text.strip()).strip("-._").lower()


def _rank(draft: StageDraft, production: str) -> int:
    """Return how early the stage comes: local, previews, staging, production."""
    if draft.kind == "pages" and draft.branch == production:
        return 3
    return next((rank for pattern, rank in _RANKS if pattern.search(draft.name)), 1)


def _where(deploy: Deploy) -> str:
    """Return where a deploy is written, for a comment."""
    return f"{deploy.workflow.path} job `{deploy.job.id}` ({deploy.verb})"


def _header(
    audit: Audit, name: str, production: str, ordered: list[StageDraft]
) -> list[str]:
    """Return the comment, the promotion order and the `[pack]` table."""
    counts = f"{len(audit.workflows)} workflows and {len(audit.configs)} configs"
    return [
        f"# A starting deployment plan, inferred from {counts}",
        "# by `runart-lint init`. It describes what the repository deploys today,",
        "# not what it should: check every stage, fix what is wrong, then audit",
        "# with `runart-lint --pack THIS-FILE` (see docs/rule-packs.md).",
        "",
        f"promotion = {_toml(d.name for d in ordered)}",
        *([] if ordered else ["stages = []  # no deploy found: add stages by hand"]),
        "",
        "[pack]",
        f"name = {_toml(name)}",
        f"description = {_toml(f'inferred from {counts}')}",
        f"production_branch = {_toml(production)}",
        "",
    ]


def _stage_lines(draft: StageDraft, production: str) -> list[str]:
    """Return the `[[stages]]` table of one stage."""
    deploy = draft.deploy
    lines = [f"# deployed by {_where(deploy)}"]
    lines += [f"# also deployed by {where}" for where in draft.also]
    lines += ["[[stages]]", f"name = {_toml(draft.name)}"]
    lines += [f"kind = {_toml(draft.kind)}", f"project = {_toml(draft.project)}"]
    if draft.branch is not None:
        lines.append(f"branch = {_toml(draft.branch)}")
    if draft.config is not None:
        lines.append(f"config = {_toml(draft.config.path)}")
    if draft.config_env is not None:
        lines.append(f"config_env = {_toml(draft.config_env)}")
    lines.append(f"workflow = {_toml(draft.workflow)}")
    lines.extend(_trigger_lines(deploy))
    lines.extend(_optional_lines(draft))
    lines.extend(_binding_lines(draft))  # last: it may open the `[stages.vars]` table
    return [*lines, ""]


def _trigger_lines(deploy: Deploy) -> list[str]:
    """Return the `triggers` array: the events that start the workflow today."""
    items = []
    for trigger in deploy.workflow.triggers:
        branches = f", branches = {_toml(trigger.branches)}" if trigger.branches else ""
        items.append(f"  {{ event = {_toml(trigger.event)}{branches} }},")
    return ["triggers = [", *items, "]"] if items else []


def _binding_lines(draft: StageDraft) -> list[str]:
    """Return the bindings and vars the stage's config declares."""
    config = draft.config
    if config is None:
        return []
    block = config.envs.get(draft.config_env) if draft.config_env else None
    # Top-level bindings are what the code expects; an env block that drops
    # them is a fault the plan should make visible, not copy.
    names = [b.name for b in config.top.bindings if b.name]
    names += [b.name for b in (block.bindings if block else ()) if b.name]
    lines = [f"bindings = {_toml(dict.fromkeys(names))}"] if names else []

    variables = _vars((block or config.top).node.mapping("vars"))
    if variables:
        lines.append("[stages.vars]")
        lines.extend(f"{_key(k)} = {_toml(v)}" for k, v in variables.items())
    return lines


def _vars(node: Mapping | None) -> dict[str, str]:
    """Return the string vars of a block, leaving out secret-looking names."""
    if node is None:
        return {}
    return {
        key: value.value
        for key, value in node.items()
        if isinstance(value, Scalar)
        and isinstance(value.value, str)
        and not _SECRETISH.search(key)
    }


def _optional_lines(draft: StageDraft) -> list[str]:
    """Return the project variable and GitHub environment, when they are literal."""
    lines = []
    deploy = draft.deploy
    refs = deploy.project.refs if deploy.project is not None else ()
    variable = next((r.split(".", 1)[1] for r in refs if r.startswith("vars.")), None)
    if variable:
        lines.append(f"project_variable = {_toml(variable)}")
    environment = deploy.job.environment
    if environment is not None and "${{" not in environment.text():
        lines.append(f"github_environment = {_toml(environment.text())}")
    return lines


def _secrets_lines(audit: Audit) -> list[str]:
    """Return the `[secrets]` tables: variables used and the credential names."""
    lines = []
    variables = sorted(_variables(audit))
    if variables:
        lines += ["[secrets]", f"variables = {_toml(variables)}", ""]
    for canonical, keys, description in (
        ("CLOUDFLARE_API_TOKEN", _TOKEN_KEYS, "Cloudflare API token"),
        ("CLOUDFLARE_ACCOUNT_ID", _ACCOUNT_KEYS, "the Cloudflare account"),
    ):
        lines.extend(_credential_lines(audit, canonical, keys, description))
    return lines


def _variables(audit: Audit) -> set[str]:
    """Return the names of `vars.X` read by deploy jobs."""
    names: set[str] = set()
    jobs = {(d.workflow.path, d.job.id): d.job for d in audit.real_deploys()}
    for job in jobs.values():
        for scalar in walk_scalars(job.node):
            for expression in expressions(scalar.text()):
                names.update(
                    ref.split(".", 1)[1].split(".")[0]
                    for ref in expression.refs()
                    if ref.startswith("vars.") and "[" not in ref
                )
    return names


def _credential_lines(
    audit: Audit, canonical: str, keys: tuple[str, ...], description: str
) -> list[str]:
    """Return one `[[secrets.credentials]]` table: the most used name first."""
    seen: Counter[str] = Counter()
    for deploy in audit.real_deploys():
        for key in keys:
            value = deploy.credentials.get(key)
            refs = value.refs if value is not None else ()
            seen.update(r.split(".", 1)[1] for r in refs if r.startswith("secrets."))
    ranked = sorted(seen, key=lambda n: (-seen[n], n != canonical, n))
    valid = [n for n in ranked if re.match(r"^[A-Z_][A-Z0-9_]*$", n)]
    name = valid[0] if valid else canonical
    return [
        "[[secrets.credentials]]",
        f"name = {_toml(name)}",
        f"description = {_toml(description)}",
        f"aliases = {_toml(n for n in valid if n != name)}",
        f"inputs = {_toml(keys[:1])}",
        f"env = {_toml(keys[1:])}",
        "",
    ]


def _rollback_lines(
    audit: Audit, ordered: list[StageDraft], production: str
) -> list[str]:
    """Return the `[rollback]` table: required when a production stage exists."""
    final = next((d for d in reversed(ordered) if _rank(d, production) == 3), None)
    if final is None:
        return ["[rollback]", "required = false", ""]
    workflow = _rollback_workflow(audit)
    lines = ["[rollback]", "required = true", f"stage = {_toml(final.name)}"]
    if workflow is not None:
        lines.append(f"workflow = {_toml(workflow)}")
    return [*lines, ""]


def _rollback_workflow(audit: Audit) -> str | None:
    """Return a workflow started by hand whose name says it rolls back."""
    for workflow in audit.active_workflows():
        words = f"{workflow.path} {workflow.name}".lower()
        manual = workflow.trigger("workflow_dispatch") is not None
        if manual and ("rollback" in words or "roll back" in words):
            return workflow.path
    return None


def _left_out_lines(left_out: Iterable[str]) -> Iterator[str]:
    """Yield comments naming the deploys no stage describes."""
    items = list(dict.fromkeys(left_out))
    if not items:
        return
    yield "# Deploys left out (add a stage by hand if they belong to the plan):"
    yield from (f"# - {item}" for item in items)


def _toml(value: object) -> str:
    """Return a TOML literal: a string, an array of strings, or a boolean."""
    if isinstance(value, str):
        # JSON escapes every control character but DEL, which TOML refuses raw.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Iterable):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(name: str) -> str:
    """Return a TOML key: bare when it can be, quoted otherwise."""
    return name if re.match(r"^[A-Za-z0-9_-]+$", name) else _toml(name)
