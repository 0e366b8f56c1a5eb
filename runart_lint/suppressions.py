"""Inline suppressions: `# runart-lint: ignore[rule-id] reason` comments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from runart_lint.findings import Finding
from runart_lint.loaders.tree import Mapping, Node, ParsedFile, Scalar, Sequence, Span
from runart_lint.records import field, record, replace

TAG = "runart-lint"
# `runart-lint: ignore[id, id] reason`, after the comment marker.
DIRECTIVE = re.compile(
    r"\s*runart-lint\s*:\s*ignore\s*\[(?P<ids>[^\]]*)\](?P<reason>.*)$"
)
# The tag followed by a colon is meant as a directive, even when it is malformed.
INTENT = re.compile(r"\s*runart-lint\s*:")
RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JSON_SUFFIXES = (".json", ".jsonc")
YAML_SUFFIXES = (".yml", ".yaml")


@record
class RuleRef:
    """One rule id named by a directive, and where it is written."""

    rule_id: str
    span: Span


@record
class Directive:
    """A suppression comment: the rules it names and the lines it covers."""

    path: str
    span: Span
    rules: tuple[RuleRef, ...]
    reason: str
    standalone: bool
    text: str
    lines: frozenset[int] = frozenset()
    malformed: bool = False


@record
class Outcome:
    """Findings with suppressions applied, and the rule ids that matched nothing."""

    findings: list[Finding]
    unused: list[tuple[Directive, RuleRef]] = field(default_factory=list)


def find_directives(
    sources: dict[str, str], parsed: Iterable[ParsedFile]
) -> list[Directive]:
    """Return every suppression comment of the loaded files, in file order."""
    trees = {item.path: item.root for item in parsed}
    directives: list[Directive] = []

    for path in sorted(sources):
        text = sources[path]
        if TAG not in text:
            continue
        found = list(_file_directives(path, text, trees.get(path)))
        directives.extend(_with_lines(found))
    return directives


def apply_suppressions(
    findings: Iterable[Finding], directives: list[Directive]
) -> Outcome:
    """Mark the findings a directive covers, and collect ids that matched nothing."""
    index: dict[tuple[str, int, str], list[tuple[Directive, RuleRef]]] = {}
    for directive in directives:
        for ref in directive.rules:
            for line in directive.lines:
                key = (directive.path, line, ref.rule_id)
                index.setdefault(key, []).append((directive, ref))

    used: set[tuple[int, int]] = set()
    marked: list[Finding] = []
    for finding in findings:
        match = _match(finding, index)
        if match is None:
            marked.append(finding)
            continue
        directive, ref = match
        used.add((id(directive), id(ref)))
        marked.append(replace(finding, suppressed=directive.reason))

    unused = [
        (directive, ref)
        for directive in directives
        for ref in directive.rules
        if (id(directive), id(ref)) not in used
    ]
    return Outcome(marked, unused)


def _match(
    finding: Finding, index: dict[tuple[str, int, str], list[tuple[Directive, RuleRef]]]
) -> tuple[Directive, RuleRef] | None:
    """Return the directive covering a finding, if any."""
    span = finding.location.span
    if span is None:
        return None
    candidates = index.get((finding.location.path, span.line, finding.rule_id))
    return candidates[0] if candidates else None


def _file_directives(path: str, text: str, tree: Node | None) -> Iterator[Directive]:
    """Yield the directives written in comments of one file."""
    marker = "//" if path.endswith(JSON_SUFFIXES) else "#"
    needs_space = path.endswith(YAML_SUFFIXES)
    protected = _protected_ranges(tree)

    for number, line in enumerate(text.split("\n"), start=1):
        if TAG not in line:
            continue
        for start in _comment_starts(line, marker, needs_space):
            if _inside(protected.get(number, ()), start + 1):
                continue
            directive = _directive(path, number, line, start, len(marker))
            if directive is not None:
                yield directive
                break


def _comment_starts(line: str, marker: str, needs_space: bool) -> Iterator[int]:
    """Yield the 0-based offsets where a comment could start on `line`.

    YAML starts a comment only at `#` after white space or at the start of a
    line (YAML 1.2, 6.6 Comments); TOML and JSONC at any marker outside a string.
    """
    start = line.find(marker)
    while start != -1:
        if not needs_space or start == 0 or line[start - 1] in " \t":
            yield start
        start = line.find(marker, start + 1)


def _directive(
    path: str, number: int, line: str, start: int, marker_length: int
) -> Directive | None:
    """Return the directive in the comment starting at `start`, or None."""
    body = line[start + marker_length :].rstrip("\r")
    standalone = not line[:start].strip()
    span = Span(number, start + 1, number, len(line.rstrip("\r")) + 1)

    match = DIRECTIVE.match(body)
    if match is None:
        if INTENT.match(body) is None:
            return None
        return Directive(path, span, (), "", standalone, body.strip(), malformed=True)

    offset = start + marker_length + match.start("ids")
    rules = tuple(_refs(match.group("ids"), number, offset))
    reason = match.group("reason").strip()
    return Directive(
        path, span, rules, reason, standalone, body.strip(), malformed=not rules
    )


def _refs(ids: str, number: int, offset: int) -> Iterator[RuleRef]:
    """Yield each comma-separated rule id with the span it is written at."""
    position = 0
    for part in ids.split(","):
        stripped = part.strip()
        if stripped:
            col = offset + position + part.index(stripped) + 1
            yield RuleRef(stripped, Span(number, col, number, col + len(stripped)))
        position += len(part) + 1


def _with_lines(directives: list[Directive]) -> Iterator[Directive]:
    """Yield the directives with the lines they cover.

    A directive covers its own line; one alone on its line also covers the
    next line that is not itself a directive, so several can be stacked.
    """
    standalone_lines = {d.span.line for d in directives if d.standalone}
    for directive in directives:
        lines = {directive.span.line}
        if directive.standalone:
            target = directive.span.line + 1
            while target in standalone_lines:
                target += 1
            lines.add(target)
        yield replace(directive, lines=frozenset(lines))


def _protected_ranges(tree: Node | None) -> dict[int, list[tuple[int, int]]]:
    """Return, per line, the column ranges of one-line strings and keys.

    A marker inside them is text, not a comment. Multi-line values (a
    `run: |` script) are not protected: a shell comment there is a directive.
    """
    ranges: dict[int, list[tuple[int, int]]] = {}
    for span in _value_spans(tree):
        if span.line == span.end_line:
            ranges.setdefault(span.line, []).append((span.col, span.end_col))
    return ranges


def _value_spans(node: Node | None) -> Iterator[Span]:
    """Yield the spans of every scalar and every key below `node`."""
    if node is None:
        return
    if isinstance(node, Scalar):
        yield node.span
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from _value_spans(item)
    elif isinstance(node, Mapping):
        for entry in node.entries.values():
            yield entry.key_span
            yield from _value_spans(entry.value)


def _inside(ranges: Iterable[tuple[int, int]], col: int) -> bool:
    """Return whether column `col` falls inside one of `ranges`."""
    return any(start <= col < end for start, end in ranges)


def is_rule_id(text: str) -> bool:
    """Return whether `text` has the shape of a rule id (kebab-case)."""
    return RULE_ID.match(text) is not None
