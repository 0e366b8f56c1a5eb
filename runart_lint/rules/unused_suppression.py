"""Report suppression comments that suppress nothing.

## What it does
Reports a `# runart-lint: ignore[rule-id] reason` comment (`// runart-lint:
...` in JSONC) when a rule it names reported nothing on the comment's line or,
for a comment alone on its line, on the line below; when it names a rule that
does not exist; and when it is not written as `runart-lint: ignore[rule-id]
reason` at all.

A comment for a rule that did not run is not reported, since nothing is
known about it: a rule left out by `select` or `ignore`, a rule that needs the
live API in an offline run, or a check that could not run.

## Why is this bad?
A suppression outlives the problem it hid: after the fix, or after the line
moved, it stays behind and silently hides the next, real finding of that rule
on that line. A misspelled rule id hides nothing while the author believes the
finding is handled.

## Example
```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[vars]
MODE = "production"
# runart-lint: ignore[binding-in-var] the old worker reads this variable
kv_namespaces = [{ binding = "CART", id = "0f2ac74b498b48028cb68387c421e279" }]
```

Use instead:
```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[vars]
MODE = "production"
# runart-lint: ignore[binding-in-vars] the old worker reads this variable
kv_namespaces = [{ binding = "CART", id = "0f2ac74b498b48028cb68387c421e279" }]
```

## Options
The comment names one or more rule ids, comma-separated:
`# runart-lint: ignore[secret-in-run, untrusted-input-in-run] reviewed`.
Everything after `]` is the reason; it is shown in SARIF as the suppression's
justification. Inside a `run: |` script the same text works as a shell
comment.

## Known problems
A finding without a line (a whole-file finding) cannot be suppressed by a
comment; use `ignore` in the configuration or a baseline. Inside a multi-line
value, such as a `run: |` script, the text counts as a comment even inside a
shell string.

## References
- [Configuration and suppressions](../configuration.md)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import ParsedFile
from runart_lint.rules.base import RuleMeta
from runart_lint.suppressions import Directive, RuleRef, find_directives

META = RuleMeta(
    id="unused-suppression",
    summary="a `runart-lint: ignore` comment suppresses nothing",
    severity=Severity.WARNING,
    inputs=("wrangler", "workflows"),
)
USAGE = "`# runart-lint: ignore[rule-id] reason`"


def check(audit: Audit) -> Iterator[Finding]:
    """Yield each malformed directive and each rule id that does not exist."""
    from runart_lint.rules import RULES

    known = {rule.id for rule in RULES}
    for directive in directives(audit):
        if directive.malformed:
            yield _malformed(directive)
            continue
        for ref in directive.rules:
            if ref.rule_id not in known:
                yield _unknown(directive, ref)


def directives(audit: Audit) -> list[Directive]:
    """Return the suppression comments of the audited files and of the rule pack.

    The pack counts only when it is a file of the repository: findings never
    point at a pack stored elsewhere.
    """
    sources = dict(audit.sources)
    parsed = list(audit.parsed)
    path = audit.pack_file()
    if path is not None:
        sources[path] = audit.pack.text
        parsed.append(ParsedFile(path, audit.pack.tree))
    return find_directives(sources, parsed)


def unused(
    pairs: Iterable[tuple[Directive, RuleRef]], ran: frozenset[str]
) -> Iterator[Finding]:
    """Yield a finding for each named rule that ran and matched nothing."""
    seen: dict[tuple[str, str], int] = {}
    for directive, ref in pairs:
        if ref.rule_id not in ran:
            continue
        count = seen.get((directive.path, ref.rule_id), 0) + 1
        seen[(directive.path, ref.rule_id)] = count
        yield Finding(
            rule_id=META.id,
            severity=META.severity,
            message=f"suppression of `{ref.rule_id}` matches no finding",
            help=f"remove `{ref.rule_id}` from the comment, or move the comment "
            "onto the line of the finding or the line above it",
            location=Location(directive.path, ref.span),
            key=f"unused/{ref.rule_id}#{count}",
        )


def _malformed(directive: Directive) -> Finding:
    """Return the finding for a comment that is not a valid directive."""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"suppression comment is not written as {USAGE}",
        help=f"write the comment as {USAGE}, naming at least one rule id",
        location=Location(directive.path, directive.span),
        key=f"malformed/{directive.text}",
    )


def _unknown(directive: Directive, ref: RuleRef) -> Finding:
    """Return the finding for a directive naming a rule that does not exist."""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"suppression names unknown rule `{ref.rule_id}`",
        help="correct the rule id; `runart-lint rules` lists every rule",
        location=Location(directive.path, ref.span),
        key=f"unknown/{ref.rule_id}",
    )
