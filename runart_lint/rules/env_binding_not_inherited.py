"""Report bindings and vars an environment loses because they are not inherited.

## What it does
For every `[env.X]` block of a wrangler config, reports what the top level
sets that the environment does not get:

- a non-inheritable key (`kv_namespaces`, `vars`, `d1_databases`,
  `r2_buckets`, `services`, `durable_objects`, `queues`, `ai`...) set at the
  top level and absent from the environment;
- a binding declared at the top level and missing from the environment's own
  array of that kind (`[[env.X.kv_namespaces]]` without one of the names);
- a var (or `define` key) set at the top level and missing from the
  environment's own `vars` (or `define`);
- in a Pages config (one with `pages_build_output_dir`), an environment that
  overrides some of the keys Pages does not inherit (`vars`, `kv_namespaces`,
  `d1_databases`, `r2_buckets`, `durable_objects`, `services`, `queues`,
  `hyperdrive`, `vectorize`, `analytics_engine_datasets`, `ai`) but not all
  of those the top level sets. This one is an error, above the rule's default
  warning, since Pages refuses such a config at deploy.

Inheritable keys (`main`, `compatibility_date`, `routes`, `workers_dev`,
`triggers`...) are never reported: an environment falls back to the top level
for them.

## Why is this bad?
Wrangler copies inheritable keys into an environment but not bindings and
vars. `wrangler deploy --env X` then uploads a Worker whose `env.CART` is
`undefined`; wrangler only prints a warning, and only when that environment is
deployed, so the first sign is a runtime error in production. Pages is
stricter: an environment that overrides one of these keys must override all
of them, or the deployment fails validation.

## Example
```toml wrangler.toml
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[env.test]
name = "shop-test"
```

Use instead:
```toml wrangler.toml
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[env.test]
name = "shop-test"
kv_namespaces = [{ binding = "CART", id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }]
```

## Known problems
An environment that leaves a binding out on purpose (a staging Worker that
must not see the production queue) is reported all the same; suppress the
finding there. Top-level keys set to an empty array or table are not
reported, since the environment loses nothing, nor are keys set to a value of
the wrong type, which `invalid-config-type` reports.

## References
- [Environments: non-inheritable keys](https://developers.cloudflare.com/workers/wrangler/configuration/#non-inheritable-keys)
- [Pages: inheritable and non-inheritable keys](https://developers.cloudflare.com/pages/functions/wrangler-configuration/#inheritable-keys)
- [cloudflare/workers-sdk#751](https://github.com/cloudflare/workers-sdk/issues/751)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Node, Sequence
from runart_lint.loaders.wrangler import (
    BINDING_ARRAYS,
    NON_INHERITABLE,
    PAGES_NON_INHERITABLE,
    Binding,
    EnvBlock,
    WranglerConfig,
)
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.config_syntax import block_name

META = RuleMeta(
    id="env-binding-not-inherited",
    summary="an environment loses top-level bindings or vars it does not inherit",
    severity=Severity.WARNING,
    inputs=("wrangler",),
)

# Binding kinds as the loader names them, and the config key that holds them.
ARRAY_KEYS: dict[str, str] = {
    **{kind: kind for kind in BINDING_ARRAYS},
    "queues.producers": "queues",
    "durable_objects": "durable_objects",
}
NAMED_TABLES = ("vars", "define")


def check(audit: Audit) -> Iterator[Finding]:
    """Yield what each environment of each config fails to inherit."""
    for config in audit.configs:
        for block in config.envs.values():
            if config.is_pages:
                yield from _pages_all_or_nothing(config, block)
            else:
                yield from _absent_keys(config, block)
            yield from _missing_bindings(config, block)
            for key in NAMED_TABLES:
                yield from _missing_names(config, block, key)


def _absent_keys(config: WranglerConfig, block: EnvBlock) -> Iterator[Finding]:
    """Yield a warning per non-inheritable top-level key the env does not set."""
    for key in NON_INHERITABLE:
        if not _set(config.top, key) or block.has(key):
            continue

        names = _names(config.top, key)
        lost = f", so {_listing(key, names)} undefined there" if names else ""
        yield _finding(
            config,
            block,
            Severity.WARNING,
            f"`{block.label}` has no `{key}` and does not inherit the top-level "
            f"one{lost}",
            f"add `{key}` to {block_name(config, block)}, with this environment's "
            "own resources",
            key,
        )


def _pages_all_or_nothing(config: WranglerConfig, block: EnvBlock) -> Iterator[Finding]:
    """Yield an error per Pages key the env leaves out while overriding others."""
    # Cloudflare Pages docs, "Inheritable keys": overriding one non-inheritable
    # key in an environment means every such key must be overridden there.
    overridden = [key for key in PAGES_NON_INHERITABLE if block.has(key)]
    if not overridden:
        return

    shown = ", ".join(f"`{key}`" for key in overridden)
    for key in PAGES_NON_INHERITABLE:
        if not _set(config.top, key) or block.has(key):
            continue
        names = _names(config.top, key)
        lost = f" ({_plural(_noun(key), names)})" if names else ""
        yield _finding(
            config,
            block,
            Severity.ERROR,
            f"`{block.label}` overrides {shown} but not `{key}`{lost}; "
            "Pages requires all non-inheritable keys or none",
            f"copy `{key}` into {block_name(config, block)} with this environment's "
            f"resources, or stop overriding {shown} there",
            key,
        )


def _missing_bindings(config: WranglerConfig, block: EnvBlock) -> Iterator[Finding]:
    """Yield a warning per top-level binding the env's own array leaves out."""
    for kind, key in ARRAY_KEYS.items():
        if not isinstance(block.node.get(key), Mapping | Sequence):
            continue  # absent, or a type error `invalid-config-type` reports
        own = {binding.name for binding in block.bindings_of(kind)}
        for binding in config.top.bindings_of(kind):
            if binding.name is not None and binding.name not in own:
                yield _binding_finding(config, block, key, binding)


def _binding_finding(
    config: WranglerConfig, block: EnvBlock, key: str, binding: Binding
) -> Finding:
    """Return the warning for one binding missing from an env's own array."""
    name = binding.name
    where = binding.field("binding")
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"`{block.label}.{key}` leaves out top-level binding `{name}`, "
        f"so `{name}` is undefined in `{block.label}`",
        help=f"add a `{name}` entry to `{block.label}.{key}`, "
        "pointing at this environment's resource",
        location=Location(config.path, block.node.key_span(key)),
        key=f"{block.label}/{key}/{name}",
        related=(
            (
                Location(config.path, where.span if where else binding.span),
                f"`{name}` is bound at the top level here",
            ),
        ),
    )


def _missing_names(
    config: WranglerConfig, block: EnvBlock, key: str
) -> Iterator[Finding]:
    """Yield one warning when the env's own `vars`/`define` lacks top-level names."""
    own = block.node.mapping(key)
    top = config.top.node.mapping(key)
    if own is None or top is None:
        return

    missing = [name for name in top.entries if name not in own]
    if not missing:
        return
    shown = ", ".join(f"`{name}`" for name in missing)
    yield Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"`{block.label}.{key}` leaves out top-level "
        f"{_plural(_noun(key), missing)}, which "
        f"{'is' if len(missing) == 1 else 'are'} not inherited",
        help=f"add {shown} to `{block.label}.{key}` with this environment's values",
        location=Location(config.path, block.node.key_span(key)),
        key=f"{block.label}/{key}",
        related=(
            (
                Location(config.path, config.top.node.key_span(key)),
                f"top-level `{key}` is set here",
            ),
        ),
    )


def _finding(
    config: WranglerConfig,
    block: EnvBlock,
    severity: Severity,
    message: str,
    help_text: str,
    key: str,
) -> Finding:
    """Return a finding at the env block that points back at the top-level key."""
    return Finding(
        rule_id=META.id,
        severity=severity,
        message=message,
        help=help_text,
        location=Location(config.path, block.span),
        key=f"{block.label}/{key}",
        related=(
            (
                Location(config.path, config.top.node.key_span(key)),
                f"`{key}` is set at the top level here",
            ),
        ),
    )


def _set(block: EnvBlock, key: str) -> bool:
    """Return whether the block sets `key` to a non-empty table or array.

    A scalar there is a type error (`invalid-config-type`), not a setting an
    environment could lose.
    """
    value: Node | None = block.node.get(key)
    return isinstance(value, Mapping | Sequence) and len(value) > 0


def _names(block: EnvBlock, key: str) -> list[str]:
    """Return the binding or var names the block declares under `key`."""
    if key in NAMED_TABLES:
        table = block.node.mapping(key)
        return list(table.entries) if table is not None else []
    if key == "unsafe":
        return _unsafe_names(block)
    kinds = [kind for kind, holder in ARRAY_KEYS.items() if holder == key] or [key]
    return [
        binding.name
        for kind in kinds
        for binding in block.bindings_of(kind)
        if binding.name is not None
    ]


def _unsafe_names(block: EnvBlock) -> list[str]:
    """Return the names of the block's `[[unsafe.bindings]]`."""
    unsafe = block.node.mapping("unsafe")
    items = unsafe.sequence("bindings") if unsafe is not None else None
    names = (item.text("name") for item in items or () if isinstance(item, Mapping))
    return [name for name in names if name is not None]


def _listing(key: str, names: list[str]) -> str:
    """Return `binding `A` is` / `vars `A`, `B` are` for a message."""
    return f"{_plural(_noun(key), names)} {'is' if len(names) == 1 else 'are'}"


def _noun(key: str) -> str:
    """Return what one name under `key` is called: var, define key or binding."""
    return "var" if key == "vars" else "define key" if key == "define" else "binding"


def _plural(noun: str, names: list[str]) -> str:
    """Return `binding `A`` or `bindings `A`, `B``."""
    shown = ", ".join(f"`{name}`" for name in names)
    return f"{noun}{'' if len(names) == 1 else 's'} {shown}"
