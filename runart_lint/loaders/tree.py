"""Positioned document trees shared by the TOML, JSON(C) and YAML loaders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from runart_lint.records import field, record

ScalarValue = str | int | float | bool | None


class Span(NamedTuple):
    """A range in a file: 1-based lines and columns, end column exclusive.

    A named tuple rather than a record: loaders create one per node, and a
    cached span becomes a tuple without a Python call (`tuple.__new__`).
    """

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def point(cls, line: int, col: int) -> Span:
        """Return a one-character span at `line`, `col`."""
        return cls(line, col, line, col + 1)


@record(eq=False)
class Scalar:
    """A leaf value with the span of its text in the file."""

    value: ScalarValue
    span: Span

    def text(self) -> str:
        """Return the value as a string, the way a workflow or wrangler reads it."""
        if self.value.__class__ is str:
            return self.value
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


@record(eq=False)
class Entry:
    """A key of a mapping, where the key is written, and its value."""

    key: str
    key_span: Span
    value: Node


@record(eq=False)
class Mapping:
    """A table, object or YAML mapping; keys keep their insertion order."""

    entries: dict[str, Entry]
    span: Span

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def keys(self) -> Iterator[str]:
        """Yield the keys in file order."""
        return iter(self.entries)

    def items(self) -> Iterator[tuple[str, Node]]:
        """Yield `(key, value)` pairs in file order."""
        return ((key, entry.value) for key, entry in self.entries.items())

    def get(self, key: str) -> Node | None:
        """Return the value under `key`, or None."""
        entry = self.entries.get(key)
        return entry.value if entry is not None else None

    def entry(self, key: str) -> Entry | None:
        """Return the entry under `key`, or None."""
        return self.entries.get(key)

    def mapping(self, key: str) -> Mapping | None:
        """Return the value under `key` if it is a mapping."""
        value = self.get(key)
        return value if isinstance(value, Mapping) else None

    def sequence(self, key: str) -> Sequence | None:
        """Return the value under `key` if it is a sequence."""
        value = self.get(key)
        return value if isinstance(value, Sequence) else None

    def scalar(self, key: str) -> Scalar | None:
        """Return the value under `key` if it is a scalar."""
        value = self.get(key)
        return value if isinstance(value, Scalar) else None

    def text(self, key: str) -> str | None:
        """Return the scalar under `key` as a string, or None."""
        value = self.scalar(key)
        return value.text() if value is not None else None

    def key_span(self, key: str) -> Span:
        """Return where `key` is written, or the mapping's span if it is absent."""
        entry = self.entries.get(key)
        return entry.key_span if entry is not None else self.span


@record(eq=False)
class Sequence:
    """An array or YAML sequence."""

    items: tuple[Node, ...]
    span: Span = field()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


Node = Mapping | Sequence | Scalar


@record
class Diagnostic:
    """A problem the loader met in the file itself (syntax, duplicates, limits)."""

    code: str
    message: str
    help: str
    span: Span


@record(eq=False)
class ParsedFile:
    """What a loader returns: the tree (None when unreadable) and its problems."""

    path: str
    root: Node | None
    diagnostics: tuple[Diagnostic, ...] = ()


def to_python(node: Node | None) -> object:
    """Return plain Python values for `node`, dropping positions."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_python(item) for item in node.items]
    return {key: to_python(value) for key, value in node.items()}


def as_text(node: Node | None) -> str | None:
    """Return the string form of a scalar node, or None for anything else."""
    return node.text() if isinstance(node, Scalar) else None


def walk_scalars(node: Node | None) -> list[Scalar]:
    """Return every scalar below `node`, keys excluded, in file order."""
    found: list[Scalar] = []
    if node is not None:
        _collect_scalars(node, found)
    return found


def _collect_scalars(node: Node, found: list[Scalar]) -> None:
    """Append the scalars below `node` to `found`, depth first.

    Recursion is safe here: the loaders refuse documents nested deeper than
    a few hundred levels.
    """
    if isinstance(node, Scalar):
        found.append(node)
    elif isinstance(node, Sequence):
        for item in node.items:
            _collect_scalars(item, found)
    else:
        for entry in node.entries.values():
            _collect_scalars(entry.value, found)
