"""Report wrangler config values of a type wrangler refuses.

## What it does
Checks the shape of the keys wrangler validates by type, at the top level and
in every environment, and reports each wrong value where it is written:

- `env`, or an `env.X`, that is not a table (an object in JSON);
- `kv_namespaces`, or another binding array (`d1_databases`, `r2_buckets`,
  `services`...), that is not an array, and an entry of one that is not a
  table;
- in a KV binding: `binding` missing or not a string, `remote` not a
  boolean (an `id` or `preview_id` that is not a string, or is empty, is
  reported by `invalid-kv-id`);
- `vars` that is not a table, and a var written as a TOML date or time;
- `secrets` that is not a table, or whose `required` is not an array of
  strings; any other key inside `secrets` is a warning, below the rule's
  default severity, since wrangler only warns about it;
- a `pages_build_output_dir` that is not a string;
- a `compatibility_date` that is not a string (a bare TOML date included),
  holds an en or em dash, or is not written as `YYYY-MM-DD`.

The other rules skip values of the wrong type, so a config with such a value
gets this finding and not a misleading one about bindings or inheritance. A
file whose top level is not a table is reported by `invalid-file`.

## Why is this bad?
Wrangler validates these types before it deploys anything and stops with an
error such as "The field "kv_namespaces" should be an array but got "nope"",
so the deploy of that config fails in CI. A value of the wrong type usually
comes from a hand edit gone wrong: a table written as a string, an array
bracket lost, a quote missing around a date.

## Example
```toml wrangler.toml
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = 5 }]

[vars]
LAUNCH = 2024-06-01
```

Use instead:
```toml wrangler.toml
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[vars]
LAUNCH = "2024-06-01"
```

## Known problems
Only the keys listed above are checked; wrangler validates the type of many
more (`routes`, `triggers`, `compatibility_flags`...), and a wrong type there
is not reported. The fields of binding arrays other than `kv_namespaces` are
not checked.

## References
- [Wrangler configuration: KV namespaces](https://developers.cloudflare.com/workers/wrangler/configuration/#kv-namespaces)
- [Wrangler configuration: environment variables](https://developers.cloudflare.com/workers/wrangler/configuration/#environment-variables)
- [Wrangler configuration: secrets](https://developers.cloudflare.com/workers/wrangler/configuration/#secrets)
- [Wrangler configuration: environments](https://developers.cloudflare.com/workers/wrangler/environments/)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span
from runart_lint.loaders.wrangler import BINDING_ARRAYS, EnvBlock, WranglerConfig
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta
from runart_lint.rules.config_syntax import is_json

META = RuleMeta(
    id="invalid-config-type",
    summary="a wrangler config value has a type wrangler refuses",
    severity=Severity.ERROR,
    inputs=("wrangler",),
)


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@record
class Problem:
    """One value of the wrong type, where it is, and what to write instead."""

    where: str
    span: Span
    message: str
    help: str
    severity: Severity = Severity.ERROR


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per value of a type wrangler refuses."""
    for config in audit.configs:
        lines = audit.lines(config.path)
        for problem in _problems(config, lines):
            yield _finding(config.path, problem)


# Wrangler's own checks: `validateKVBinding`, `validateVars`, `validateSecrets`,
# `validateBindingArray` and the `compatibility_date` check in
# packages/workers-utils/src/config/validation.ts.
def _problems(config: WranglerConfig, lines: list[str]) -> Iterator[Problem]:
    """Yield every problem of one config."""
    yield from _env_problems(config)
    yield from _output_dir_problems(config)
    for block in config.blocks():
        yield from _date_problems(config, block, lines)
        yield from _vars_problems(config, block, lines)
        yield from _secrets_problems(config, block)
        yield from _array_problems(config, block)


def _env_problems(config: WranglerConfig) -> Iterator[Problem]:
    """Yield problems of `env` and of each `env.X` that is not a table."""
    env = config.root.get("env")
    word = _table(config)
    if env is not None and not isinstance(env, Mapping):
        yield Problem(
            "env",
            env.span,
            f"`env` is {_kind(env, word)}, not {word} of environments",
            f"write each environment as {word} under `env`, "
            f"{_env_example(config, 'staging')}",
        )
        return
    for name, entry in env.entries.items() if env is not None else ():
        if not isinstance(entry.value, Mapping):
            yield Problem(
                f"env.{name}",
                entry.value.span,
                f"`env.{name}` is {_kind(entry.value, word)}, not {word}",
                f"write the settings of this environment as {word}, "
                f"{_env_example(config, name)}",
            )


def _output_dir_problems(config: WranglerConfig) -> Iterator[Problem]:
    """Yield the problem of a `pages_build_output_dir` that is not a string."""
    value = config.root.get("pages_build_output_dir")
    if value is not None and not _is_string(value):
        yield Problem(
            "pages_build_output_dir",
            value.span,
            f"`pages_build_output_dir` is {_kind(value, _table(config))}, not a string",
            'set it to the build output folder as a string, such as `"dist"`',
        )


def _date_problems(
    config: WranglerConfig, block: EnvBlock, lines: list[str]
) -> Iterator[Problem]:
    """Yield the problem of a block's `compatibility_date` (W-15)."""
    value = block.node.get("compatibility_date")
    if value is None:
        return
    where = f"{block.prefix}compatibility_date"
    text = _text(value)
    if not _is_string(value) or (not is_json(config) and _toml_date(value, lines)):
        written = "a TOML date" if _is_string(value) else _kind(value, _table(config))
        message = f"`compatibility_date` is {written}, not a string"
    elif "\u2013" in text or "\u2014" in text:
        message = f"`compatibility_date` `{text}` holds an en or em dash"
    elif ISO_DATE.fullmatch(text) is None:
        message = f"`compatibility_date` `{text}` is not a date written as YYYY-MM-DD"
    else:
        return
    yield Problem(
        where,
        value.span,
        message,
        'write the date as a string with plain hyphens, such as `"2025-01-15"`',
    )


def _vars_problems(
    config: WranglerConfig, block: EnvBlock, lines: list[str]
) -> Iterator[Problem]:
    """Yield the problems of a block's `vars` (W-16)."""
    value = block.node.get("vars")
    where = f"{block.prefix}vars"
    word = _table(config)
    if value is None:
        return
    if not isinstance(value, Mapping):
        yield Problem(
            where,
            value.span,
            f"`{where}` is {_kind(value, word)}, not {word} of variables",
            f"write `vars` as {word} of names and values",
        )
        return
    for name, item in value.items():
        if not is_json(config) and _toml_date(item, lines):
            yield Problem(
                f"{where}.{name}",
                item.span,
                f"var `{name}` is a TOML date or time, which wrangler does not accept",
                f'quote the value: `{name} = "{_text(item)}"`',
            )


def _secrets_problems(config: WranglerConfig, block: EnvBlock) -> Iterator[Problem]:
    """Yield the problems of a block's `secrets` (W-17)."""
    value = block.node.get("secrets")
    where = f"{block.prefix}secrets"
    word = _table(config)
    if value is None:
        return
    if not isinstance(value, Mapping):
        yield Problem(
            where,
            value.span,
            f"`{where}` is {_kind(value, word)}, not {word}",
            f"write `secrets` as {word} with a `required` array of secret names",
        )
        return
    for key, entry in value.entries.items():
        if key == "required":
            yield from _required_problems(config, where, entry.value)
        else:
            yield Problem(
                f"{where}.{key}",
                entry.key_span,
                f"`{where}` has the unexpected key `{key}`; only `required` is read",
                f"remove `{key}`, or list the secret names under `required`",
                Severity.WARNING,
            )


def _required_problems(
    config: WranglerConfig, where: str, value: Node
) -> Iterator[Problem]:
    """Yield the problem of a `secrets.required` that is not an array of strings."""
    items = value.items if isinstance(value, Sequence) else None
    wrong = next((i for i in items or () if not _is_string(i)), None)
    if items is not None and wrong is None:
        return
    shown = value if wrong is None else wrong
    yield Problem(
        f"{where}.required",
        shown.span,
        f"`{where}.required` must be an array of secret names, and this is "
        f"{_kind(shown, _table(config))}",
        'list the names of the required secrets as strings, such as `["API_KEY"]`',
    )


def _array_problems(config: WranglerConfig, block: EnvBlock) -> Iterator[Problem]:
    """Yield binding arrays that are not arrays of tables, and bad KV fields."""
    word = _table(config)
    for key in BINDING_ARRAYS:
        value = block.node.get(key)
        where = f"{block.prefix}{key}"
        if value is None:
            continue
        if not isinstance(value, Sequence):
            yield Problem(
                where,
                value.span,
                f"`{where}` is {_kind(value, word)}, not an array of {_plural(word)}",
                f"write each binding as {word} in an array, "
                f"{_array_example(config, key)}",
            )
            continue
        for index, item in enumerate(value):
            yield from _entry_problems(config, f"{where}[{index}]", key, item)


def _entry_problems(
    config: WranglerConfig, where: str, key: str, item: Node
) -> Iterator[Problem]:
    """Yield the problems of one entry of a binding array (K-01 to K-05)."""
    # Only KV bindings have their fields checked: a D1 or R2 binding with a
    # number as `binding` reaches wrangler unreported.
    word = _table(config)
    if not isinstance(item, Mapping):
        yield Problem(
            where,
            item.span,
            f"`{where}` is {_kind(item, word)}, not {word}",
            f"write the binding as {word}, {_array_example(config, key)}",
        )
        return
    if key == "kv_namespaces":
        yield from _kv_problems(config, where, item)


def _kv_problems(
    config: WranglerConfig, where: str, item: Mapping
) -> Iterator[Problem]:
    """Yield the field problems of one KV binding (K-02 to K-05)."""
    word = _table(config)
    binding = item.get("binding")
    if binding is None or not _is_string(binding) or not _text(binding):
        span = binding.span if binding is not None else item.span
        state = (
            "has no `binding`"
            if binding is None
            else (f"has {_kind(binding, word)} as `binding`")
        )
        yield Problem(
            f"{where}.binding",
            span,
            f"`{where}` {state}; a KV binding needs its name as a string",
            'set `binding` to the name the code reads, such as `"CACHE"`',
        )
    remote = item.get("remote")
    if remote is not None and not (
        isinstance(remote, Scalar) and isinstance(remote.value, bool)
    ):
        yield Problem(
            f"{where}.remote",
            remote.span,
            f"`remote` of `{where}` is {_kind(remote, word)}, not a boolean",
            "set `remote` to `true` or `false`",
        )


def _finding(path: str, problem: Problem) -> Finding:
    """Return the finding for one problem."""
    return Finding(
        rule_id=META.id,
        severity=problem.severity,
        message=problem.message,
        help=problem.help,
        location=Location(path, problem.span),
        key=f"{problem.where}/type",
    )


def _kind(node: Node, table: str) -> str:
    """Return what a value is, as a message says it (`a string`, `an array`)."""
    if isinstance(node, Mapping):
        return table
    if isinstance(node, Sequence):
        return "an array"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "an empty string" if value == "" else "a string"


def _plural(word: str) -> str:
    """Return `tables` for `a table`, `objects` for `an object`."""
    return word.split(" ", 1)[1] + "s"


def _table(config: WranglerConfig) -> str:
    """Return `an object` for JSON configs and `a table` for TOML ones."""
    return "an object" if is_json(config) else "a table"


def _is_string(node: Node) -> bool:
    """Return whether a value is a string scalar."""
    return isinstance(node, Scalar) and isinstance(node.value, str)


def _text(node: Node) -> str:
    """Return a scalar's text, or '' for anything else."""
    return node.text() if isinstance(node, Scalar) else ""


def _toml_date(node: Node, lines: list[str]) -> bool:
    """Return whether a TOML value was written as a bare date or time."""
    # The loader turns TOML dates into ISO strings; only a string whose source
    # text does not start with a quote can have been one.
    if not _is_string(node):
        return False
    span = node.span
    line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    return line[span.col - 1 : span.col] not in ('"', "'", "")


def _env_example(config: WranglerConfig, name: str) -> str:
    """Return how an environment is written in the config's syntax."""
    if is_json(config):
        return f'as in `"env": {{ "{name}": {{ "vars": {{ ... }} }} }}`'
    return f"as in `[env.{name}]`"


def _array_example(config: WranglerConfig, key: str) -> str:
    """Return how a binding array is written in the config's syntax."""
    if is_json(config):
        return f'as in `"{key}": [{{ "binding": "NAME", ... }}]`'
    return f'as in `[[{key}]]` with `binding = "NAME"`'
