"""Report deployed stages whose config, env block, bindings or vars are missing.

## What it does
For every deployed stage of the rule pack that names a `config`, checks that
the file exists, that its `config_env` block exists in it, and that the block
that applies to the stage declares every binding the stage lists under
`bindings` and every var under `vars`, with the value the plan gives it.
A binding the top level declares but the stage's env block does not get is
left to `env-binding-not-inherited`, and a config that is there but cannot be
parsed to `invalid-file`: this rule reports bindings that are nowhere in the
config, vars that are missing or wrong, and missing blocks and configs.

## Why is this bad?
A deployed stage without its config, or without a binding, runs with whatever
the Cloudflare dashboard happens to hold, or with the binding undefined: the
Functions throw at the first request that touches the namespace. A var such as
`RUNART_ENV` with the wrong value makes a preview behave as production.

## Example
```toml pack.toml
promotion = ["production"]

[pack]
name = "shop"

[[stages]]
name = "production"
kind = "worker"
config = "wrangler.toml"
config_env = "production"
bindings = ["CART"]
vars = { STAGE = "production" }

[rollback]
required = false
```

```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[env.production]
vars = { STAGE = "production" }
```

Use instead:
```toml pack.toml
promotion = ["production"]

[pack]
name = "shop"

[[stages]]
name = "production"
kind = "worker"
config = "wrangler.toml"
config_env = "production"
bindings = ["CART"]
vars = { STAGE = "production" }

[rollback]
required = false
```

```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[env.production]
vars = { STAGE = "production" }
kv_namespaces = [{ binding = "CART", id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }]
```

## Known problems
With a built-in pack, or one stored outside the repository, a stage whose
config is missing is reported only when something in the repository belongs
to it (a deploy, its workflow or a config in the same folder); otherwise there
is no file of the repository to point at, and a built-in pack is taken not to
describe this repository. A config the plan names under a file name that is
not discovered (not `wrangler.toml`, `wrangler.*.toml` or `wrangler.json(c)`)
is not checked.
Bindings are matched by name only: a KV binding the plan expects that is
declared as an R2 bucket still counts as present.

## References
- https://developers.cloudflare.com/workers/wrangler/configuration/#non-inheritable-keys
- https://developers.cloudflare.com/pages/functions/wrangler-configuration/#inheritable-keys
- https://github.com/cloudflare/workers-sdk/issues/751
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.graph.stages import block_anchor, pack_location, stage_block
from runart_lint.loaders.tree import Scalar, Span
from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig
from runart_lint.pack import StageSpec
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.config_syntax import assignment, block_name, env_name

META = RuleMeta(
    id="missing-stage-config",
    summary="a deployed stage lacks its config, env block, bindings or vars",
    severity=Severity.ERROR,
    inputs=("pack", "wrangler", "workflows"),
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per missing config, block, binding set or var."""
    for stage in audit.pack.pack.deployed_stages():
        if stage.config is None:
            continue
        config = audit.config(stage.config)
        if config is not None:
            yield from _check_config(stage, config)
        elif not audit.present(stage.config):
            # A config that is there but cannot be read is `invalid-file`'s.
            yield from _missing_file(audit, stage, stage.config)


def _check_config(stage: StageSpec, config: WranglerConfig) -> Iterator[Finding]:
    """Yield findings for a stage whose config file exists."""
    env = stage.config_env
    if env is not None and env not in config.envs:
        yield _missing_block(stage, config, env)
    block = stage_block(config, stage)
    if block is None:
        return

    # A binding the top level declares and the block does not get is
    # `env-binding-not-inherited`'s finding; only bindings that are nowhere
    # are reported here.
    missing = [
        name
        for name in stage.bindings
        if not _has_binding(block, name) and not _has_binding(config.top, name)
    ]
    if missing:
        yield _missing_bindings(stage, config, block, missing)
    yield from _check_vars(stage, config, block)


def _missing_block(stage: StageSpec, config: WranglerConfig, env: str) -> Finding:
    """Return the finding for a `config_env` block that is not in the file."""
    fallback = "; Pages uses the top level instead" if config.is_pages else ""
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING if config.is_pages else Severity.ERROR,
        message=(
            f"stage `{stage.name}` deploys `env.{env}` of `{config.path}`, "
            f"which has no such block{fallback}"
        ),
        help=f"add {env_name(config, env)} with the stage's bindings and vars",
        location=Location(config.path, block_anchor(config, config.top)),
        key=f"env.{env}",
    )


def _has_binding(block: EnvBlock, name: str) -> bool:
    """Return whether the block itself declares a binding called `name`."""
    # Bindings match by name only, so one of the wrong kind counts as present.
    return any(binding.name == name for binding in block.bindings)


def _missing_bindings(
    stage: StageSpec, config: WranglerConfig, block: EnvBlock, missing: list[str]
) -> Finding:
    """Return the finding for bindings the stage needs and the block lacks."""
    names = ", ".join(f"`{name}`" for name in missing)
    noun = "binding" if len(missing) == 1 else "bindings"
    return Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=(
            f"{block.phrase} of `{config.path}` lacks {noun} {names} that stage "
            f"`{stage.name}` needs"
        ),
        help=f"declare {names} in {block_name(config, block)} with the stage's "
        "own resource ids",
        location=Location(config.path, block_anchor(config, block)),
        key=f"{block.prefix}bindings/{'+'.join(missing)}",
    )


def _check_vars(
    stage: StageSpec, config: WranglerConfig, block: EnvBlock
) -> Iterator[Finding]:
    """Yield a finding per var the stage needs that is absent or different."""
    table = block.node.mapping("vars")
    if table is None and "vars" in block.node:
        return  # `vars` of the wrong type: `invalid-config-type` reports it
    for name, expected in stage.vars.items():
        value = table.get(name) if table is not None else None
        if value is None:
            span = (
                block.node.key_span("vars")
                if table is not None
                else block_anchor(config, block)
            )
            yield _var_finding(stage, config, block, name, span, None, expected)
        elif not isinstance(value, Scalar) or value.text() != expected:
            actual = value.text() if isinstance(value, Scalar) else "a table"
            yield _var_finding(stage, config, block, name, value.span, actual, expected)


def _var_finding(
    stage: StageSpec,
    config: WranglerConfig,
    block: EnvBlock,
    name: str,
    span: Span,
    actual: str | None,
    expected: str,
) -> Finding:
    """Return the finding for one var that is missing or has another value."""
    where = f"{block.phrase} of `{config.path}`"
    if actual is None:
        message = f"{where} lacks var `{name}` that stage `{stage.name}` needs"
    else:
        message = (
            f"var `{name}` is `{actual}` in {where}, but stage `{stage.name}` "
            f"needs `{expected}`"
        )
    return Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=message,
        help=f"set {assignment(config, name, expected)} in the `vars` of "
        f"{block_name(config, block)}",
        location=Location(config.path, span),
        key=f"{block.prefix}vars/{name}",
    )


def _missing_file(audit: Audit, stage: StageSpec, path: str) -> Iterator[Finding]:
    """Yield the finding for a stage config that does not exist, if it can be placed."""
    location = _missing_file_location(audit, stage, path)
    if location is None:
        return
    yield Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=f"stage `{stage.name}` has no config: `{path}` does not exist",
        help=f"add `{path}` with the stage's bindings and vars, or fix the pack",
        location=location,
        key=f"stage/{stage.name}/config",
    )


def _missing_file_location(
    audit: Audit, stage: StageSpec, path: str
) -> Location | None:
    """Return where to report a missing config: the pack, a deploy, or a sibling."""
    # A pack outside the repository cannot be pointed at, so a stage nothing in
    # the repository belongs to goes unreported there.
    in_pack = pack_location(audit, audit.pack.stage_span(stage.name))
    if in_pack is not None:
        return in_pack

    for deploy in audit.real_deploys():
        if audit.stage_of(deploy).stage == stage:
            return Location(deploy.path, deploy.span)
    workflow = audit.workflow(stage.workflow) if stage.workflow else None
    if workflow is not None:
        return Location(workflow.path, workflow.on_span)
    folder = posixpath.dirname(path)
    sibling = next((c for c in audit.configs if c.directory == folder), None)
    if sibling is not None:
        return Location(sibling.path, block_anchor(sibling, sibling.top))
    return None
