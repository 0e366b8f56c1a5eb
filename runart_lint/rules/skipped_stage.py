"""Report stages of the promotion path that no workflow deploys.

## What it does
Reports every deployed stage of the rule pack that no active workflow deploys:
no deploy reaches the stage and its own workflow deploys nothing. That is an
error, above the rule's default severity, since the plan itself names the
stage. For Workers configs with `[env.X]` blocks it also reports, without
needing a pack, an environment such as `staging` that no workflow deploys
while a later one such as `production` is deployed by CI: a warning, since the
block may simply be unused. A stage whose planned workflow is there but cannot
be parsed is left to `invalid-file`.

## Why is this bad?
Promotion only means something if every stage is passed on the way: when CI
deploys production but never staging, the staging environment in the config
is dead weight, and changes reach users without having run anywhere else.

## Example
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[env.staging]
vars = { STAGE = "staging" }

[env.production]
vars = { STAGE = "production" }
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy --env production
```

Use instead:
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[env.staging]
vars = { STAGE = "staging" }

[env.production]
vars = { STAGE = "production" }
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  staging:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy --env staging
  production:
    needs: staging
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy --env production
```

## Known problems
Environment names are ranked by a fixed list (`dev`/`local`/`test` first,
`preview`/`staging`/`canary`/`qa`... next, `prod`/`production`/`live` last);
an environment with another name is never reported by the pack-free check. A
config deployed through a package script (`npm run deploy`) looks undeployed,
so configs that no workflow deploys at all are left alone. A stage whose own
workflow deploys somewhere else counts as deployed here; `stage-branch-alias`
reports that case.

## References
- https://developers.cloudflare.com/workers/wrangler/environments/
- https://developers.cloudflare.com/pages/configuration/branch-build-controls/
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.graph.stages import (
    PRODUCTION_TIER,
    STAGING_TIER,
    block_anchor,
    env_tier,
    pack_location,
    stage_block,
)
from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="skipped-stage",
    summary="a stage of the promotion path is never deployed by a workflow",
    severity=Severity.WARNING,
    inputs=("pack", "wrangler", "workflows"),
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield skipped plan stages, then skipped Workers environments."""
    for stage in audit.pack.pack.deployed_stages():
        if not _deployed(audit, stage):
            yield from _skipped_stage(audit, stage)
    for config in audit.configs:
        if not config.is_pages and config.envs:
            yield from _skipped_envs(audit, config)


def _deployed(audit: Audit, stage: StageSpec) -> bool:
    """Return whether a deploy reaches the stage or runs in its own workflow."""
    for deploy in audit.real_deploys():
        if deploy.workflow.path == stage.workflow:
            return True
        if audit.stage_of(deploy).stage == stage:
            return True
    return False


def _skipped_stage(audit: Audit, stage: StageSpec) -> Iterator[Finding]:
    """Yield the finding for a stage no workflow deploys, if it can be placed."""
    location = _stage_location(audit, stage)
    unreadable = stage.workflow is not None and audit.workflow(stage.workflow) is None
    if location is None or (unreadable and audit.present(stage.workflow or "")):
        # A planned workflow that cannot be parsed is `invalid-file`'s finding;
        # whether it deploys the stage is not known.
        return
    named = (
        f" (`{stage.workflow}` deploys nothing)"
        if (stage.workflow and audit.workflow(stage.workflow))
        else ""
    )
    yield Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=f"stage `{stage.name}` is never deployed by a workflow{named}",
        help=_stage_help(audit, stage),
        location=location,
        key=f"stage/{stage.name}",
    )


def _stage_help(audit: Audit, stage: StageSpec) -> str:
    """Return where in the promotion path the missing deploy belongs."""
    plan = audit.pack.pack
    previous = plan.previous_stage(stage.name)
    following = next(
        (s for s in plan.deployed_stages() if plan.previous_stage(s.name) == stage),
        None,
    )
    order = []
    if previous is not None:
        order.append(f"after the `{previous.name}` deploy")
    if following is not None:
        order.append(f"before the `{following.name}` deploy")
    where = f" {' and '.join(order)}" if order else ""
    return f"add a job that deploys `{stage.name}`{where}"


def _stage_location(audit: Audit, stage: StageSpec) -> Location | None:
    """Return where a skipped stage is described: its config, workflow or pack."""
    config = audit.config(stage.config) if stage.config else None
    if config is not None:
        block = stage_block(config, stage) or config.top
        return Location(config.path, block_anchor(config, block))
    workflow = audit.workflow(stage.workflow) if stage.workflow else None
    if workflow is not None:
        return Location(workflow.path, workflow.on_span)
    return pack_location(audit, audit.pack.stage_span(stage.name))


def _skipped_envs(audit: Audit, config: WranglerConfig) -> Iterator[Finding]:
    """Yield staging-like envs CI never deploys while it deploys a later one."""
    deploys = [
        d
        for d in audit.real_deploys()
        if d.config is not None and d.config.path == config.path and not d.is_pages
    ]
    if not deploys or any(d.env is not None and d.env.text is None for d in deploys):
        return
    deployed = {d.env_name for d in deploys}
    later = sorted(
        (name or "" for name in deployed if _tier(config, name) == PRODUCTION_TIER),
        key=lambda name: (name == "", name),
    )
    if not later:
        return

    for name, block in config.envs.items():
        if name not in deployed and env_tier(name) == STAGING_TIER:
            yield _skipped_env(config, block, later[0])


def _tier(config: WranglerConfig, env: str | None) -> int | None:
    """Return an env's tier; the top level is production when no env claims it."""
    if env is not None:
        return env_tier(env)
    named = {env_tier(name) for name in config.envs}
    return PRODUCTION_TIER if PRODUCTION_TIER not in named else None


def _skipped_env(config: WranglerConfig, block: EnvBlock, later: str) -> Finding:
    """Return the finding for one env block CI never deploys (`later` '' is top)."""
    named = f"`{later}`" if later else "the top level"
    deploy = f"the `{later}` deploy" if later else "the top-level deploy"
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=(
            f"{block.phrase} of `{config.path}` is never deployed by a workflow, "
            f"while {named} is"
        ),
        help=(
            f"deploy `--env {block.name}` in a job that {deploy} needs, "
            "or remove the unused block"
        ),
        location=Location(config.path, block_anchor(config, block)),
        key=f"{block.prefix}deployed",
    )
