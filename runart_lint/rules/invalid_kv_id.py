"""Report KV namespace and D1 database ids that cannot be real.

## What it does
Checks the resource ids of every KV and D1 binding, at the top level and in
each `[env.X]` block:

- a KV `id` or `preview_id` that is not 32 lowercase hex digits: a template
  placeholder (`placeholder-kv-id`, `<YOUR_KV_ID>`, `your-kv-id`, `xxxx`), an
  unfilled variable (`${KV_ID}`), a name, an empty string, uppercase hex, or
  32 characters that are not hex;
- a D1 `database_id` or `preview_database_id` that is not a UUID;
- a KV binding with `preview_id` but no `id`;
- a KV `preview_id` that is the namespace another environment of the same
  file deploys with as its `id`.

When a workflow step visibly rewrites the file (`sed -i`, `envsubst`,
`cat >`, `printf >`, `tee`, `cp`/`mv` onto it), a bad id is reported as a
warning instead of an error, naming that step, since the deployed file may
hold a real id.

## Why is this bad?
The Cloudflare API refuses a deploy whose KV id is not a namespace of the
account (`KV namespace 'placeholder-kv-id' is not valid [code: 10042]`), and
older wrangler refuses a binding without `id` outright; the failure shows up
only when the deploy job runs. A `preview_id` that is another environment's
namespace makes `wrangler dev` and that environment read and write the same
data.

## Example
```toml wrangler.toml
name = "auth"
main = "src/index.ts"

[[kv_namespaces]]
binding = "SESSIONS"
id = "placeholder-kv-id"
```

Use instead:
```toml wrangler.toml
name = "auth"
main = "src/index.ts"

[[kv_namespaces]]
binding = "SESSIONS"
id = "0f2ac74b498b48028cb68387c421e279"
```

## Known problems
A rewrite is recognised anywhere in a workflow GitHub runs or a local action,
without checking that it runs before the deploy or that it replaces this
particular placeholder; ids written by a script the workflow calls (a
package.json script, a shell file) are not seen. Whether an id exists in the
account is only known with live access. A `preview_id` shared with an
environment of another config file is not compared.

## References
- [KV bindings in wrangler configuration](https://developers.cloudflare.com/workers/wrangler/configuration/#kv-namespaces)
- [D1 bindings in wrangler configuration](https://developers.cloudflare.com/workers/wrangler/configuration/#d1-databases)
- [cloudflare/workers-sdk#14249](https://github.com/cloudflare/workers-sdk/issues/14249)
- [cloudflare/workers-sdk#2417](https://github.com/cloudflare/workers-sdk/issues/2417)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.graph.shell import Word, split_commands
from runart_lint.loaders.tree import Mapping, Scalar, Span
from runart_lint.loaders.workflow import Step
from runart_lint.loaders.wrangler import Binding, EnvBlock, WranglerConfig
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="invalid-kv-id",
    summary="a KV or D1 id is a placeholder, malformed, or missing",
    severity=Severity.ERROR,
    inputs=("wrangler", "workflows"),
)

KV_ID = re.compile(r"[0-9a-f]{32}")
D1_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
PLACEHOLDER = re.compile(
    r"placeholder|your|replace|change.?me|todo|xxx|dummy|fake|example|[<>]", re.I
)
VARIABLE = re.compile(r"\$\{?[A-Za-z_]|\{\{")
IN_PLACE = re.compile(r"^(?:-[A-Za-z]*i|--in-place)")
EDITORS = frozenset({"sed", "gsed", "perl", "yq"})
COPIERS = frozenset({"cp", "mv", "install"})
SHELL_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
WORKSPACE = re.compile(
    r"^(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?GITHUB_WORKSPACE\}?)/?"
)


@record
class IdSpec:
    """Which fields of a binding kind hold ids, and what a real id looks like."""

    kind: str
    fields: tuple[str, ...]
    pattern: re.Pattern[str]
    expected: str
    create: str


SPECS = (
    IdSpec(
        "kv_namespaces",
        ("id", "preview_id"),
        KV_ID,
        "a namespace id (32 lowercase hex digits)",
        "wrangler kv namespace create",
    ),
    IdSpec(
        "hyperdrive",
        ("id",),
        KV_ID,
        "a Hyperdrive config id (32 lowercase hex digits)",
        "wrangler hyperdrive create",
    ),
    IdSpec(
        "d1_databases",
        ("database_id", "preview_database_id"),
        D1_ID,
        "a database id (a UUID)",
        "wrangler d1 create",
    ),
)


@record
class BadId:
    """An id field that does not look like a real id, and what is wrong."""

    block: EnvBlock
    spec: IdSpec
    binding: Binding
    name: str
    field: Scalar
    problem: str


@record
class Rewrite:
    """A workflow step that writes over a config file."""

    path: str
    span: Span
    step: str
    script: str


def check(audit: Audit) -> Iterator[Finding]:
    """Yield bad ids, `preview_id` without `id`, and shared preview namespaces."""
    for config in audit.configs:
        bad = list(_bad_ids(config))
        rewrites = find_rewrites(audit, config) if bad else []
        for found in bad:
            yield _bad_id_finding(config, found, _closest(rewrites, found.field))
        for block in config.blocks():
            yield from _preview_without_id(config, block)
        yield from _shared_preview_ids(config)


def _bad_ids(config: WranglerConfig) -> Iterator[BadId]:
    """Yield every id field that does not look like a real id."""
    for block in config.blocks():
        for spec in SPECS:
            for binding in block.bindings_of(spec.kind):
                for name in spec.fields:
                    field = binding.field(name)
                    problem = _problem(field, spec) if field is not None else None
                    if field is not None and problem is not None:
                        yield BadId(block, spec, binding, name, field, problem)


def _problem(field: Scalar, spec: IdSpec) -> str | None:
    """Return what is wrong with an id value, or None when it looks real."""
    value = field.value
    if not isinstance(value, str):
        return "not a string"
    if spec.pattern.fullmatch(value):
        return None

    shown = f"`{value[:40]}{'…' if len(value) > 40 else ''}`"
    if not value.strip():
        return "empty"
    if VARIABLE.search(value):
        return f"the unfilled variable {shown}"
    if PLACEHOLDER.search(value):
        return f"the placeholder {shown}"
    if spec.pattern.fullmatch(value.lower()):
        return f"{shown} (uppercase)"
    if spec.pattern is KV_ID and len(value) == 32:
        return f"{shown} (32 characters, not all hex)"
    return shown


def _bad_id_finding(
    config: WranglerConfig, bad: BadId, rewrite: Rewrite | None
) -> Finding:
    """Return the finding for one bad id, downgraded when a workflow rewrites it."""
    where = f"{bad.block.prefix}{bad.spec.kind}"
    message = (
        f"`{bad.name}` of binding `{_label(bad.binding)}` in `{where}` "
        f"is {bad.problem}, not {bad.spec.expected}"
    )
    help_text = f"replace it with the id `{bad.spec.create}` printed"
    related: tuple[tuple[Location, str], ...] = ()
    severity = Severity.ERROR
    if rewrite is not None:
        severity = Severity.WARNING
        message += f"; {rewrite.step} rewrites this file in a workflow"
        help_text = "make sure that step always writes a real id, or commit the id"
        related = (
            (
                Location(rewrite.path, rewrite.span),
                f"{rewrite.step} writes `{config.path}` here",
            ),
        )

    return Finding(
        rule_id=META.id,
        severity=severity,
        message=message,
        help=help_text,
        location=Location(config.path, bad.field.span),
        key=f"{where}/{_label(bad.binding)}/{bad.name}",
        confidence=Confidence.MEDIUM if "uppercase" in bad.problem else Confidence.HIGH,
        related=related,
    )


def _preview_without_id(config: WranglerConfig, block: EnvBlock) -> Iterator[Finding]:
    """Yield an error for each KV binding that has `preview_id` but no `id`."""
    for binding in block.bindings_of("kv_namespaces"):
        if "preview_id" not in binding.node or "id" in binding.node:
            continue
        label = _label(binding)
        yield Finding(
            rule_id=META.id,
            severity=Severity.ERROR,
            message=f"binding `{label}` in `{block.prefix}kv_namespaces` has "
            "`preview_id` but no `id`, so deploys have no namespace to bind",
            help=f"add `id` with the namespace `wrangler kv namespace create {label}` "
            "printed, next to `preview_id`",
            location=Location(config.path, binding.node.key_span("preview_id")),
            key=f"{block.prefix}kv_namespaces/{label}/id",
        )


def _shared_preview_ids(config: WranglerConfig) -> Iterator[Finding]:
    """Yield a warning per `preview_id` that another env deploys with as `id`."""
    deployed: dict[str, tuple[EnvBlock, Scalar]] = {}
    for block in config.blocks():
        for binding in block.bindings_of("kv_namespaces"):
            field = binding.field("id")
            if field is not None and KV_ID.fullmatch(field.text()):
                deployed.setdefault(field.text(), (block, field))

    for block in config.blocks():
        for binding in block.bindings_of("kv_namespaces"):
            preview = binding.field("preview_id")
            owner = deployed.get(preview.text()) if preview is not None else None
            if preview is not None and owner is not None and owner[0] is not block:
                yield _shared_finding(config, block, binding, preview, owner)


def _shared_finding(
    config: WranglerConfig,
    block: EnvBlock,
    binding: Binding,
    preview: Scalar,
    owner: tuple[EnvBlock, Scalar],
) -> Finding:
    """Return the warning for a `preview_id` that is another env's namespace."""
    other, field = owner
    label = _label(binding)
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=f"`preview_id` of binding `{label}` in `{block.prefix}kv_namespaces` "
        f"is the namespace `{other.label}` deploys with, so development sessions "
        f"and `{other.label}` share data",
        help=f"create a separate namespace with `wrangler kv namespace create {label} "
        "--preview` and use its id as `preview_id`",
        location=Location(config.path, preview.span),
        key=f"{block.prefix}kv_namespaces/{label}/preview_id/shared",
        confidence=Confidence.MEDIUM,
        related=(
            (
                Location(config.path, field.span),
                f"`{other.label}` binds the same namespace as `id` here",
            ),
        ),
    )


def find_rewrites(audit: Audit, config: WranglerConfig) -> list[Rewrite]:
    """Return every workflow or action step that writes over `config`."""
    found = []
    for path, step, folder, names in _run_steps(audit):
        assert step.run is not None
        script = step.run.text()
        word = _rewritten_word(script, folder, names, config)
        if word is not None:
            span = locate(step.run, audit.lines(path), word.start, word.end)
            found.append(Rewrite(path, span, step.label(), script.replace("\\", "")))
    return found


def _closest(rewrites: list[Rewrite], field: Scalar) -> Rewrite | None:
    """Return the rewrite that names the bad value, else the first one."""
    naming = [r for r in rewrites if field.text() and field.text() in r.script]
    choices = naming or rewrites
    return choices[0] if choices else None


def _run_steps(audit: Audit) -> Iterator[tuple[str, Step, str | None, dict[str, str]]]:
    """Yield each `run:` step GitHub runs, its folder and its literal env values."""
    for workflow in audit.active_workflows():
        for job in workflow.jobs:
            default = job.working_directory or workflow.working_directory
            for step in job.steps:
                if step.run is not None:
                    names = _literals(workflow.env, job.env, step.env)
                    folder = _folder(step.working_directory or default)
                    yield workflow.path, step, folder, names
    for action in audit.actions.values():
        for step in action.steps:
            if step.run is not None:
                folder = _folder(step.working_directory)
                yield action.path, step, folder, _literals(step.env)


def _rewritten_word(
    script: str, folder: str | None, names: dict[str, str], config: WranglerConfig
) -> Word | None:
    """Return the word of `script` that names `config` as a file it writes."""
    known = dict(names)
    for words in split_commands(script):
        command = _assign(words, known)
        if not command:
            continue
        if command[0].text in ("cd", "pushd") and len(command) > 1:
            folder = _join(folder, _expand(command[1].text, known))
            continue
        for word in _written(command):
            if _names_config(_expand(word.text, known), folder, config):
                return word
    return None


def _assign(words: list[Word], known: dict[str, str]) -> list[Word]:
    """Record leading `NAME=value` words and return the rest of the command."""
    index = 0
    while index < len(words):
        found = ASSIGNMENT.match(words[index].text)
        if found is None:
            break
        known[found.group(1)] = found.group(2)
        index += 1
    return words[index:]


def _written(command: list[Word]) -> Iterator[Word]:
    """Yield the words a command writes to: redirects, in-place edits, copies."""
    for index, word in enumerate(command):
        if word.text in (">", ">>") and index + 1 < len(command):
            yield command[index + 1]
        elif word.text.startswith(">") and word.text.strip(">"):
            yield Word(word.text.lstrip(">"), word.start, word.end)

    head = posixpath.basename(command[0].text)
    rest = command[1:]
    in_place = head in EDITORS and any(IN_PLACE.match(word.text) for word in rest)
    if in_place or head == "tee":
        yield from (word for word in rest if not word.text.startswith("-"))
    elif head in COPIERS and rest:
        yield rest[-1]


def _names_config(text: str, folder: str | None, config: WranglerConfig) -> bool:
    """Return whether a written path, seen from `folder`, is the config file."""
    if posixpath.basename(text) != config.file_name:
        return False
    rooted = WORKSPACE.sub("", text)
    if rooted != text:
        return posixpath.normpath(rooted) == config.path
    if "$" in text or folder is None:
        return True
    return posixpath.normpath(posixpath.join(folder, text)) == config.path


def _expand(text: str, known: dict[str, str]) -> str:
    """Replace `$NAME` and `${NAME}` whose value the script or env sets."""
    return SHELL_VARIABLE.sub(lambda m: known.get(m.group(1), m.group(0)), text)


def _literals(*envs: Mapping | None) -> dict[str, str]:
    """Return the env values written as plain text, inner scopes winning."""
    values: dict[str, str] = {}
    for env in envs:
        for key, node in env.items() if env is not None else ():
            if isinstance(node, Scalar) and "${{" not in node.text():
                values[key] = node.text()
    return values


def _folder(scalar: Scalar | None) -> str | None:
    """Return a literal working directory relative to the workspace, or None."""
    if scalar is None:
        return ""
    text = WORKSPACE.sub("", scalar.text().strip())
    if "$" in text:
        return None
    normal = posixpath.normpath(text) if text else "."
    return "" if normal == "." else normal


def _join(folder: str | None, path: str) -> str | None:
    """Return the folder after `cd path`, or None when it is not known."""
    path = WORKSPACE.sub("", path)
    if folder is None or "$" in path or path.startswith(("~", "/")):
        return None
    normal = posixpath.normpath(posixpath.join(folder, path))
    return "" if normal == "." else normal


def _label(binding: Binding) -> str:
    """Return the binding's name, or its position when it has none."""
    return binding.name or f"#{binding.index + 1}"
