"""Report bindings that TOML read as variables because they follow `[vars]`.

## What it does
Reports a key inside `vars` (or `env.X.vars`) whose name is a binding array or
another wrangler config key (`kv_namespaces`, `d1_databases`, `r2_buckets`,
`services`, `durable_objects`, `routes`, `triggers`...) and whose value is an
array or a table.

## Why is this bad?
In TOML every `key = value` line belongs to the last `[table]` header above
it. A `kv_namespaces = [...]` line written below `[vars]` is therefore the
variable `vars.kv_namespaces`, not a binding: wrangler deploys a Worker whose
`env.kv_namespaces` is a JSON string and whose KV binding does not exist, and
says nothing, since vars may hold any JSON value.

## Example
```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[vars]
MODE = "production"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]
```

Use instead:
```toml wrangler.toml
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[vars]
MODE = "production"
```

## Known problems
A variable that really is named like a config key and holds a JSON array or
object is reported too; rename it.

## References
- [cloudflare/workers-sdk#2294](https://github.com/cloudflare/workers-sdk/issues/2294)
- [cloudflare/workers-sdk#5634](https://github.com/cloudflare/workers-sdk/issues/5634)
- [TOML: tables](https://toml.io/en/v1.0.0#table)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Sequence
from runart_lint.loaders.wrangler import NON_INHERITABLE, EnvBlock, WranglerConfig
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="binding-in-vars",
    summary="a binding or config key written below `[vars]` became a variable",
    severity=Severity.ERROR,
    inputs=("wrangler",),
)

BINDING_KEYS = frozenset(NON_INHERITABLE) - {"vars"}
CONFIG_KEYS = frozenset({"routes", "triggers", "compatibility_flags", "migrations"})


def check(audit: Audit) -> Iterator[Finding]:
    """Yield each config key found inside a block's `vars`."""
    for config in audit.configs:
        for block in config.blocks():
            vars_ = block.node.mapping("vars")
            if vars_ is None:
                continue
            for key, value in vars_.items():
                misplaced = key in BINDING_KEYS or key in CONFIG_KEYS
                if misplaced and isinstance(value, Mapping | Sequence):
                    yield _finding(config, block, vars_, key)


def _finding(
    config: WranglerConfig, block: EnvBlock, vars_: Mapping, key: str
) -> Finding:
    """Return the error for one key swallowed by `vars`."""
    table = f"{block.prefix}vars"
    what = "binding" if key in BINDING_KEYS else "setting"
    if config.path.endswith(".toml"):
        cause = f"it is written below the `[{table}]` header"
        inside = f", inside `[{block.label}]`" if block.name is not None else ""
        fix = f"move `{key}` above the `[{table}]` header{inside}"
    else:
        cause = f"it is nested inside `{table}`"
        fix = f"move `{key}` out of `{table}` into the object that holds `vars`"

    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"`{key}` is read as the variable `{table}.{key}`, not as a {what}, "
        f"because {cause}",
        help=fix,
        location=Location(config.path, vars_.key_span(key)),
        key=f"{table}/{key}",
        related=(
            (
                Location(config.path, block.node.key_span("vars")),
                f"`{table}` starts here",
            ),
        ),
    )
