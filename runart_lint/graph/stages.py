"""Stages of the plan: which one a deploy reaches, and the config block it uses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from runart_lint.findings import Location
from runart_lint.graph.deploys import Deploy
from runart_lint.loaders.tree import Span
from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig
from runart_lint.pack import StageSpec

if TYPE_CHECKING:
    from runart_lint.graph.model import Audit, StageMatch

PULL_REQUEST_REFS = ("github.head_ref", "github.event.pull_request")


def match_stage(audit: Audit, deploy: Deploy) -> StageMatch:
    """Return the stage a deploy reaches, from its project, branch and env."""
    from runart_lint.graph.model import StageMatch

    if deploy.is_pages:
        return _pages_stage(audit, deploy)

    name = _worker_name(deploy)
    stages = [s for s in audit.pack.pack.deployed_stages() if s.kind == "worker"]
    for stage in stages:
        if name is not None and stage.project == name:
            return StageMatch(stage, True, f"Worker `{name}`")
    config = deploy.config
    for stage in stages:
        same_config = config is not None and stage.config == config.path
        if same_config and stage.config_env == deploy.env_name:
            reason = f"`{stage.config}` env `{stage.config_env}`"
            return StageMatch(stage, True, reason)
    return StageMatch(None, name is not None, f"Worker `{name or '?'}`")


def _pages_stage(audit: Audit, deploy: Deploy) -> StageMatch:
    """Match a Pages deploy by project, then by branch."""
    from runart_lint.graph.model import StageMatch

    project = _pages_project(deploy)
    if project is None:
        return StageMatch(None, False, "project name is only known at run time")
    candidates = [
        s
        for s in audit.pack.pack.deployed_stages()
        if s.kind == "pages" and s.project == project
    ]
    if not candidates:
        return StageMatch(None, True, f"project `{project}` is not in the plan")

    branch = deploy.branch
    production = audit.pack.pack.pack.production_branch
    if branch is not None and branch.text is not None:
        return _by_branch(candidates, branch.text, production, project)
    if branch is not None and any(r.startswith(PULL_REQUEST_REFS) for r in branch.refs):
        stage = _alias_stage(candidates, production)
        return StageMatch(stage, stage is not None, "branch is the pull request's")
    branch_text = _implied_branch(deploy)
    if branch_text is not None:
        match = _by_branch(candidates, branch_text, production, project)
        return StageMatch(match.stage, False, match.reason + " (branch implied)")
    stage = _alias_stage(candidates, production)
    return StageMatch(stage, False, "branch is only known at run time")


def _by_branch(
    candidates: list[StageSpec], branch: str, production: str, project: str
) -> StageMatch:
    """Return the candidate stage whose branch is `branch`."""
    from runart_lint.graph.model import StageMatch

    for stage in candidates:
        if stage.branch == branch:
            return StageMatch(stage, True, f"branch `{branch}` of project `{project}`")
    # A project that only one stage uses is that stage on every branch (a
    # separate staging project deploys to its own production branch).
    if len(candidates) == 1 and candidates[0].branch in (None, "*"):
        return StageMatch(candidates[0], True, f"project `{project}`")
    if branch == production:
        return StageMatch(None, True, f"production branch of project `{project}`")
    alias = _alias_stage(candidates, production)
    return StageMatch(alias, alias is not None, f"branch `{branch}` of `{project}`")


def _alias_stage(candidates: list[StageSpec], production: str) -> StageSpec | None:
    """Return the stage that takes any non-production branch of the project."""
    return next((s for s in candidates if s.branch in (None, "*")), None)


def _implied_branch(deploy: Deploy) -> str | None:
    """Return the branch `pages deploy` picks from git when `--branch` is absent.

    Without `--branch`, wrangler uses the checked-out branch; for a workflow
    that only runs on pushes to one branch, that is the branch.
    """
    pushes = [t for t in deploy.workflow.triggers if t.event == "push"]
    others = [
        t
        for t in deploy.workflow.triggers
        if t.event not in ("push", "workflow_dispatch")
    ]
    if len(pushes) == 1 and not others and len(pushes[0].branches) == 1:
        only = pushes[0].branches[0]
        return only if "*" not in only else None
    return None


def _pages_project(deploy: Deploy) -> str | None:
    """Return the Pages project: the flag or input, else the config's `name`."""
    if deploy.project is not None:
        return deploy.project.text
    if deploy.config is not None:
        return deploy.config.name
    return None


def _worker_name(deploy: Deploy) -> str | None:
    """Return the Worker a deploy updates: `--name`, or the config's name."""
    if deploy.project is not None:
        return deploy.project.text
    if deploy.config is not None:
        return deploy.config.worker_name(deploy.env_name)
    return None


def stage_block(config: WranglerConfig, stage: StageSpec) -> EnvBlock | None:
    """Return the block of `config` a stage deploys with.

    `config_env` unset means the top level. A Pages config without the named
    block falls back to the top level (wrangler >= 3.36); a Workers config
    without it has no block, since `--env` then fails or makes a new Worker.
    """
    if stage.config_env is None:
        return config.top
    block = config.envs.get(stage.config_env)
    if block is None and config.is_pages:
        return config.top
    return block


def block_anchor(config: WranglerConfig, block: EnvBlock) -> Span:
    """Return where to point at a block: its header, or the top-level `name`."""
    if block.name is not None:
        return block.span
    if "name" in config.root:
        return config.root.key_span("name")
    return Span.point(1, 1)


def pack_location(audit: Audit, span: Span) -> Location | None:
    """Return a place in the rule pack, when the pack file is in the repository."""
    path = audit.pack_file()
    return Location(path, span) if path is not None else None


def pack_path(audit: Audit) -> str:
    """Return the pack file's path, relative to the repository when inside it."""
    return audit.pack_file() or audit.pack.path


# Environment names outside these lists have no tier, so such an environment
# is never reported by the pack-free check.
DEV_TIER = 0
STAGING_TIER = 1
PRODUCTION_TIER = 2
_TIERS = (
    (DEV_TIER, r"dev|development|local|test|testing|ci|e2e"),
    (
        STAGING_TIER,
        r"pre-?prod.*|preview.*|stag.*|stg|canary|beta|alpha|next|qa|uat|"
        r"rc|demo|sandbox|review|pr",
    ),
    (
        PRODUCTION_TIER,
        r"prod|production|live|release|main|master|prod[_-].*|"
        r"production[_-].*",
    ),
)


def env_tier(name: str | None) -> int | None:
    """Return where an environment name sits on the way to production, if known."""
    if name is None:
        return None
    for tier, pattern in _TIERS:
        if re.fullmatch(pattern, name.lower()):
            return tier
    return None
