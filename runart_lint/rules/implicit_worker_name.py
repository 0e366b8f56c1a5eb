"""Report Workers environments that deploy under an implied `<name>-<env>`.

## What it does
Reports every `[env.X]` block of a Workers config (not Pages) that sets no
`name` of its own. Wrangler then deploys it as a separate Worker called
`<top-level name>-<X>`. The finding is a warning when that Worker serves
routes (its own `route`/`routes`, or inherited top-level ones), and a note
when it serves no routes (workers.dev only). A `name` found inside the
environment's `vars` (written below `[env.X.vars]` by mistake) is pointed out
and makes the finding a warning.
An environment whose own values already name `<name>-<X>` (a service binding
to itself, say) is taken as intended and not reported.

## Why is this bad?
Teams often expect `wrangler deploy --env production` to update the Worker
they already run. Without `name` it creates, or updates, another Worker,
`edge-production`, with its own secrets, bindings and routes; the existing
Worker keeps serving the old code, or the two fight over the same routes.

## Example
```toml wrangler.toml
name = "edge"
main = "src/index.ts"

[env.production]
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]
```

Use instead:
```toml wrangler.toml
name = "edge"
main = "src/index.ts"

[env.production]
name = "edge"
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]
```

## Known problems
When `<name>-<env>` is exactly the Worker the team wants, the finding is noise;
set `name` explicitly to that value to say so. Configs that still set
`legacy_env = false` (service environments, removed in wrangler 4) are
skipped.

## References
- [Workers environments: naming](https://developers.cloudflare.com/workers/wrangler/environments/)
- [ampproject/cdn-worker#102](https://github.com/ampproject/cdn-worker/pull/102)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Node, Scalar, Sequence, Span, walk_scalars
from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.config_syntax import block_name, is_json

META = RuleMeta(
    id="implicit-worker-name",
    summary="a Workers environment without `name` deploys as `<name>-<env>`",
    severity=Severity.WARNING,
    inputs=("wrangler",),
    confidence=Confidence.MEDIUM,
)

_MISPLACED = "this `name` is inside `vars`, so it is a variable, not the Worker name"


def check(audit: Audit) -> Iterator[Finding]:
    """Yield each Workers environment whose Worker name is implied."""
    for config in audit.configs:
        if config.is_pages or config.name is None or _service_environments(config):
            continue
        for block in config.envs.values():
            if not block.has("name") and not _acknowledged(config, block):
                yield _finding(config, block)


def _finding(config: WranglerConfig, block: EnvBlock) -> Finding:
    """Return the warning (routes, or a misplaced `name`) or the note for one env."""
    implied = config.worker_name(block.name)
    routed = _has_routes(config, block)
    reach = "serves its routes" if routed else "serves no routes"
    related = [
        (
            Location(config.path, config.root.key_span("name")),
            "the top-level `name` it is derived from",
        )
    ]
    misplaced = _name_in_vars(block)
    if misplaced is not None:
        related.insert(0, (Location(config.path, misplaced), _MISPLACED))

    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING if routed or misplaced else Severity.NOTE,
        message=f"`{block.label}` sets no `name`, so it deploys as a separate "
        f"Worker `{implied}` that {reach}",
        help=_help(config, block, implied, misplaced is not None),
        location=Location(config.path, block.span),
        key=f"{block.label}/name",
        confidence=Confidence.HIGH if misplaced else META.confidence,
        related=tuple(related),
    )


def _help(
    config: WranglerConfig, block: EnvBlock, implied: str | None, misplaced: bool
) -> str:
    """Return how to name the env's Worker explicitly."""
    if misplaced and is_json(config):
        return (
            f"move `name` out of `{block.label}.vars` into {block_name(config, block)}"
        )
    if misplaced:
        return (
            f"move `name` above the `[{block.label}.vars]` header, into "
            f"`[{block.label}]`"
        )
    return (
        f"set `name` in {block_name(config, block)} to the Worker this environment "
        f"should update (`{implied}` if that is intended)"
    )


def _name_in_vars(block: EnvBlock) -> Span | None:
    """Return where `vars` holds a `name`, as when it follows `[env.X.vars]`."""
    vars_ = block.node.mapping("vars")
    if vars_ is None or "name" not in vars_:
        return None
    return vars_.key_span("name")


def _acknowledged(config: WranglerConfig, block: EnvBlock) -> bool:
    """Return whether the env names its implied Worker itself (a self-binding)."""
    implied = config.worker_name(block.name)
    return any(scalar.text() == implied for scalar in walk_scalars(block.node))


def _has_routes(config: WranglerConfig, block: EnvBlock) -> bool:
    """Return whether the env serves routes, its own or inherited ones."""
    for key in ("routes", "route"):
        if block.has(key):
            return _non_empty(block.node.get(key))
    return any(_non_empty(config.root.get(key)) for key in ("routes", "route"))


def _non_empty(value: Node | None) -> bool:
    """Return whether a `route`/`routes` value names at least one route."""
    if value is None:
        return False
    if isinstance(value, Sequence):
        return len(value) > 0
    if isinstance(value, Scalar):
        return bool(value.text().strip())
    return True


def _service_environments(config: WranglerConfig) -> bool:
    """Return whether the config opts into the removed service environments."""
    legacy = config.root.scalar("legacy_env")
    return legacy is not None and legacy.value is False
