"""Load YAML the way GitHub Actions reads it, keeping every position."""

from __future__ import annotations

import re
from typing import Any

import yaml

from runart_lint.loaders.tree import (
    Diagnostic,
    Entry,
    Mapping,
    Node,
    ParsedFile,
    Scalar,
    ScalarValue,
    Sequence,
    Span,
)
from runart_lint.records import field, record

try:
    from yaml import CBaseLoader as _Parser
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    from yaml import BaseLoader as _Parser  # type: ignore[assignment]

# An alias repeats its anchor's whole subtree; past this many expanded nodes a
# document is an alias bomb, not a workflow, and is refused.
MAX_EXPANDED_NODES = 200_000
MAX_DEPTH = 200

# YAML 1.2 core schema, as GitHub's parser resolves plain scalars: `on`, `yes`
# and `no` stay strings.
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_CONFLICT = re.compile(r"^(?:<{7}|={7}|>{7})(?: |$)", re.M)
_ANCHOR_CHAR = re.compile(r"[&*]([A-Za-z0-9_-]*)([^\sA-Za-z0-9_,\[\]{}-])")


_SCALAR = yaml.ScalarEvent
_ALIAS = yaml.AliasEvent
_MAPPING_START = yaml.MappingStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_STREAM_END = yaml.StreamEndEvent
_DOCUMENT_START = yaml.DocumentStartEvent
# Plain scalars starting with any other character are strings: skip the
# null, boolean and number checks for them.
_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfF")


class YamlLimitError(Exception):
    """A document is too deep or expands too far to be a real workflow."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.span = span


@record(frozen=False)
class _Frame:
    """A collection being composed, with what it has gathered so far."""

    kind: str
    start: Span
    anchor: str | None
    items: list[Node] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    pending_key: tuple[str, Span] | None = None
    size: int = 1
    merged: set[str] = field(default_factory=set)  # keys a `<<` brought in


def load_yaml(path: str, text: str) -> ParsedFile:
    """Parse the first document of `text`; problems become diagnostics."""
    text = text.removeprefix("\ufeff")

    conflict = _CONFLICT.search(text)
    if conflict is not None:
        line = text.count("\n", 0, conflict.start()) + 1
        return ParsedFile(path, None, (_conflict_diagnostic(line),))

    composer = _Composer(text)
    try:
        root = composer.compose()
    except yaml.MarkedYAMLError as error:
        return ParsedFile(path, None, (_syntax_diagnostic(error, text),))
    except YamlLimitError as error:
        diagnostic = Diagnostic(
            "too-large",
            str(error),
            "simplify the document; real workflows stay far below this limit",
            error.span,
        )
        return ParsedFile(path, None, (diagnostic,))
    except yaml.YAMLError as error:
        message = f"invalid yaml: {str(error).strip().splitlines()[0]}"
        span = Span.point(1, 1)
        diagnostic = Diagnostic("syntax", message, "fix the YAML syntax", span)
        return ParsedFile(path, None, (diagnostic,))

    return ParsedFile(path, root, tuple(composer.diagnostics))


def _second_document(event: Any) -> Diagnostic:
    """Return the diagnostic of a second document in one file, at its `---`."""
    return Diagnostic(
        "multiple-documents",
        "file holds more than one YAML document; GitHub refuses such a file",
        "keep one document: remove this `---` and what follows, or move it to "
        "a file of its own",
        _span(event),
    )


class _Composer:
    """Build positioned nodes straight from libyaml's event stream."""

    def __init__(self, text: str) -> None:
        self.parser = _Parser(text)
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.expanded = 0
        self.quoted_merge: set[Span] = set()

    def compose(self) -> Node | None:
        """Return the first document's root node, or None for an empty stream."""
        get_event = self.parser.get_event
        stack: list[_Frame] = []
        root: Node | None = None
        while True:
            event: Any = get_event()
            kind = type(event)
            node: Node
            if kind is _SCALAR:
                node, size = Scalar(_resolve(event), _span(event)), 1
                if event.style and event.value == "<<":
                    self.quoted_merge.add(node.span)  # `"<<":` is a plain key
                if event.anchor is not None:
                    self.anchors[event.anchor] = (node, 1)
            elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                self._open(stack, event, "map" if kind is _MAPPING_START else "seq")
                continue
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                node, size = self._close(stack.pop(), event)
            elif kind is _ALIAS:
                node, size = self._alias(event)
            elif kind is _STREAM_END:
                return root
            elif kind is _DOCUMENT_START and root is not None:
                self.diagnostics.append(_second_document(event))
                return root
            else:
                continue

            if stack:
                self._attach(stack[-1], node, size)
            elif root is None:
                root = node
            else:
                return root

    def _open(self, stack: list[_Frame], event: Any, kind: str) -> None:
        """Start a mapping or sequence, refusing documents nested too deep."""
        if len(stack) >= MAX_DEPTH:
            raise YamlLimitError(
                f"document nested deeper than {MAX_DEPTH} levels", _span(event)
            )
        stack.append(_Frame(kind, _span(event), event.anchor))

    def _alias(self, event: Any) -> tuple[Node, int]:
        """Return the anchored node an alias repeats, counting its expansion."""
        anchor = event.anchor or ""
        if anchor not in self.anchors:
            mark: Any = event.start_mark
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {anchor!r}", mark
            )
        node, size = self.anchors[anchor]
        self.expanded += size
        if self.expanded > MAX_EXPANDED_NODES:
            raise YamlLimitError(
                f"aliases expand to more than {MAX_EXPANDED_NODES} nodes",
                _span(event),
            )
        return _relocate(node, _span(event)), size

    def _close(self, frame: _Frame, event: object) -> tuple[Node, int]:
        """Return the finished collection of `frame`."""
        end = _span(event)
        span = Span(frame.start.line, frame.start.col, end.end_line, end.end_col)
        node: Node
        if frame.kind == "seq":
            node = Sequence(tuple(frame.items), span)
        else:
            node = Mapping(frame.entries, span)
        self._remember(frame.anchor, node, frame.size)
        return node, frame.size

    def _attach(self, frame: _Frame, node: Node, size: int) -> None:
        """Add `node` to the collection being built in `frame`."""
        frame.size += size
        if frame.kind == "seq":
            frame.items.append(node)
            return
        if frame.pending_key is None:
            frame.pending_key = (_key_text(node), node.span)
            return

        key, key_span = frame.pending_key
        frame.pending_key = None
        merge = key == "<<" and key_span not in self.quoted_merge
        if merge and isinstance(node, Mapping | Sequence):
            # Merged as YAML 1.1 would, so the rest is audited as intended;
            # GitHub reads YAML 1.2 and refuses the key.
            self.diagnostics.append(_merge_key_diagnostic(key_span))
            _merge(frame, node)
            return
        first = frame.entries.get(key)
        if first is not None and key not in frame.merged:
            self.diagnostics.append(_duplicate_diagnostic(key, key_span, first))
        frame.merged.discard(key)  # a key written out overrides a merged one
        frame.entries[key] = Entry(key, key_span, node)

    def _remember(self, anchor: str | None, node: Node, size: int) -> None:
        """Record an anchored node so later aliases can repeat it."""
        if anchor is not None:
            self.anchors[anchor] = (node, size)


def _resolve(event: yaml.ScalarEvent) -> ScalarValue:
    """Return the typed value of a scalar under the YAML 1.2 core schema."""
    value: str = event.value
    if event.style or event.tag not in (None, "!"):
        return value if event.tag != "tag:yaml.org,2002:null" else None
    if value and value[0] not in _MAYBE_TYPED:
        return value
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    return value


def _key_text(node: Node) -> str:
    """Return a mapping key as text; GitHub reads `on:` as the string `on`."""
    if isinstance(node, Scalar):
        return node.value if isinstance(node.value, str) else _raw_text(node)
    return f"<{type(node).__name__.lower()} key>"


def _raw_text(node: Scalar) -> str:
    """Return the text a non-string key scalar was written as."""
    if node.value is None:
        return "null"
    return node.text()


def _merge_key_diagnostic(span: Span) -> Diagnostic:
    """Return the diagnostic of a `<<` merge key, which GitHub does not support."""
    return Diagnostic(
        "merge-key",
        "GitHub does not support YAML merge keys (`<<`)",
        "write the merged keys out in this mapping, or alias a whole value with "
        "`*name`",
        span,
    )


def _merge(frame: _Frame, node: Mapping | Sequence) -> None:
    """Apply a `<<` merge key: earlier explicit keys win over merged ones."""
    sources = node.items if isinstance(node, Sequence) else (node,)
    for source in sources:
        if isinstance(source, Mapping):
            for key, entry in source.entries.items():
                if key not in frame.entries:
                    frame.entries[key] = entry
                    frame.merged.add(key)


def _relocate(node: Node, span: Span, depth: int = 0) -> Node:
    """Return the aliased subtree placed at the alias, so findings point there.

    Every node below is moved too: a finding about a value inside `*steps`
    belongs at the alias, not at the anchor the first use already reports.
    """
    if depth > 2 * MAX_DEPTH:
        raise YamlLimitError(f"aliases nest deeper than {MAX_DEPTH} levels", span)
    if isinstance(node, Scalar):
        return Scalar(node.value, span)
    if isinstance(node, Sequence):
        items = tuple(_relocate(item, span, depth + 1) for item in node.items)
        return Sequence(items, span)
    entries = {
        key: Entry(key, span, _relocate(entry.value, span, depth + 1))
        for key, entry in node.entries.items()
    }
    return Mapping(entries, span)


def _span(event: object) -> Span:
    """Return the 1-based span of a libyaml event.

    An empty value at the very end of a stream without a final line break is
    placed on the line past the end, where libyaml puts it.
    """
    start = event.start_mark  # type: ignore[attr-defined]
    end = event.end_mark  # type: ignore[attr-defined]
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _syntax_diagnostic(error: yaml.MarkedYAMLError, text: str) -> Diagnostic:
    """Turn a PyYAML error into a diagnostic at the place it names."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    line, col = _inside_text(text, line, col)
    problem = (error.problem or "invalid yaml").strip()

    context_text = error.context or ""
    anchor = _bad_anchor(text, line)
    if anchor is not None and ("anchor" in context_text or "alias" in context_text):
        name, col = anchor
        message = f"anchor name `{name}` contains characters GitHub does not accept"
        help_text = "use only letters, digits, `-` and `_` in anchor names"
        return Diagnostic("anchor-name", message, help_text, Span.point(line, col))

    context = f"{error.context}: " if error.context else ""
    message = f"invalid yaml: {context}{problem}".replace("\n", " ")
    return Diagnostic(
        "syntax", message, "fix the YAML syntax at this position", Span.point(line, col)
    )


def _inside_text(text: str, line: int, col: int) -> tuple[int, int]:
    """Return a position on a line of `text`.

    libyaml gives the end of a stream without a final line break its own line,
    one past the last; the end of the last line is where that is. The end of
    a stream that ends with a line break is the end of its last line too, not
    the empty line after it that no editor shows.
    """
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the empty "line" after a final line break
    if line <= len(lines):
        return line, col
    return len(lines), len(lines[-1]) + 1


def _bad_anchor(text: str, line: int) -> tuple[str, int] | None:
    """Return the anchor or alias name with a bad character on `line`."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    match = _ANCHOR_CHAR.search(lines[line - 1])
    if match is None:
        return None
    rest = re.match(r"[^\s,\[\]{}]*", lines[line - 1][match.start(1) :])
    name = rest.group(0) if rest else match.group(1)
    return name, match.start() + 1


def _duplicate_diagnostic(key: str, span: Span, first: Entry) -> Diagnostic:
    """Describe a key written twice in one mapping."""
    message = f"duplicate key `{key}` (first defined at line {first.key_span.line})"
    return Diagnostic(
        "duplicate-key", message, "remove or rename one of the keys", span
    )


def _conflict_diagnostic(line: int) -> Diagnostic:
    """Describe an unresolved merge-conflict marker."""
    return Diagnostic(
        "merge-conflict",
        "unresolved merge-conflict marker",
        "resolve the conflict and remove the markers",
        Span.point(line, 1),
    )
