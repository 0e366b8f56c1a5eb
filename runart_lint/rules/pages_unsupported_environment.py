"""Report Pages configs with environments Pages does not have.

## What it does
In a Pages config (a wrangler file with `pages_build_output_dir`), reports:

- every `[env.X]` other than `[env.preview]` and `[env.production]`;
- a `name` set inside an environment, which Pages ignores;
- a stage of the rule pack that expects its own environment in a Pages config
  (`config_env = "staging"`), which that config cannot have.

When the environment is named after a stage of the plan (the RunArt Foundry
plan's `preview2`, say), the help says what Pages offers instead: a separate
Pages project with its own config file.

## Why is this bad?
A Pages project has exactly two environments, production (the production
branch) and preview (every other branch); `wrangler pages deploy` picks one
from `--branch` and rejects a config that declares any other, so the deploy
fails on validation. The project is always the top-level `name`: an
environment's `name` does not deploy anywhere else.

## Example
```toml wrangler.toml
name = "docs"
pages_build_output_dir = "./public"
compatibility_date = "2024-01-01"

[env.staging.vars]
MODE = "staging"
```

Use instead:
```toml wrangler.toml
name = "docs"
pages_build_output_dir = "./public"
compatibility_date = "2024-01-01"

[env.preview.vars]
MODE = "staging"
```

## Known problems
A Workers config that is meant for Pages but lacks `pages_build_output_dir`
is not treated as a Pages config, so its environments are not checked here.

## References
- [Pages: environments in wrangler configuration](https://developers.cloudflare.com/pages/functions/wrangler-configuration/#environment-specific-overrides)
- [cloudflare/workers-sdk#5377](https://github.com/cloudflare/workers-sdk/pull/5377)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.wrangler import PAGES_ENVIRONMENTS, EnvBlock, WranglerConfig
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.config_syntax import block_name

META = RuleMeta(
    id="pages-unsupported-environment",
    summary="a Pages config declares an environment other than preview/production",
    severity=Severity.ERROR,
    inputs=("wrangler", "pack"),
)

ALLOWED = " and ".join(f"`env.{name}`" for name in PAGES_ENVIRONMENTS)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield unsupported environments, ignored names and impossible stages."""
    stages = audit.pack.pack.stages
    for config in audit.configs:
        if not config.is_pages:
            continue
        for block in config.envs.values():
            if block.name not in PAGES_ENVIRONMENTS:
                yield _unsupported(config, block, _stage_for(stages, block.name))
            if block.has("name"):
                yield _ignored_name(config, block)
        yield from _impossible_stages(audit, config)


def _unsupported(
    config: WranglerConfig, block: EnvBlock, stage: StageSpec | None
) -> Finding:
    """Return the error for one environment Pages does not accept."""
    help_text = (
        "move these settings to `env.preview` or `env.production`, "
        "or to a separate Pages project"
    )
    if stage is not None:
        help_text = _stage_help(stage, config)
    return Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=f"`{block.label}` is not a Pages environment: a Pages config may "
        f"only declare {ALLOWED}, so `pages deploy` rejects it",
        help=help_text,
        location=Location(config.path, block.span),
        key=f"{block.label}",
    )


def _stage_help(stage: StageSpec, config: WranglerConfig) -> str:
    """Return the plan-aware advice for a stage that wants its own environment."""
    own = stage.project and stage.project != config.name
    project = f" `{stage.project}`" if own else ""
    other = stage.config if stage.config and stage.config != config.path else None
    where = f"`{other}`" if other else "a separate wrangler file"
    return (
        f"give stage `{stage.name}` its own Pages project{project} with its config "
        f"in {where}, or deploy it as a preview branch alias"
    )


def _ignored_name(config: WranglerConfig, block: EnvBlock) -> Finding:
    """Return the warning for a `name` Pages ignores inside an environment."""
    name = block.node.text("name") or ""
    project = config.name or "the top-level `name`"
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"`{block.label}.name` (`{name}`) is ignored: Pages deploys every "
        f"environment to the project `{project}`",
        help=f"remove `name` from {block_name(config, block)}; deploy to another "
        "project with its own config file instead",
        location=Location(config.path, block.node.key_span("name")),
        key=f"{block.label}/name",
    )


def _impossible_stages(audit: Audit, config: WranglerConfig) -> Iterator[Finding]:
    """Yield an error per plan stage that needs an env this config cannot have."""
    for stage in audit.pack.pack.stages:
        wanted = stage.config_env
        if stage.config != config.path or wanted is None:
            continue
        if wanted in PAGES_ENVIRONMENTS or wanted in config.envs:
            continue
        yield Finding(
            rule_id=META.id,
            severity=Severity.ERROR,
            message=f"the plan's stage `{stage.name}` expects `env.{wanted}` in "
            f"this Pages config, which Pages does not support",
            help=_stage_help(stage, config),
            location=Location(
                config.path, config.root.key_span("pages_build_output_dir")
            ),
            key=f"stage/{stage.name}",
        )


def _stage_for(stages: tuple[StageSpec, ...], env: str | None) -> StageSpec | None:
    """Return the plan stage an environment is named after."""
    return next(
        (s for s in stages if env is not None and env in (s.name, s.config_env)),
        None,
    )
