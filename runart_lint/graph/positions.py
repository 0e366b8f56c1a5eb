"""Map offsets inside a scalar's value back to lines and columns of the file."""

from __future__ import annotations

from runart_lint.loaders.tree import Scalar, Span


def locate(scalar: Scalar, lines: list[str], start: int, end: int) -> Span:
    """Return the file span of `value[start:end]` for a YAML scalar.

    Literal blocks (`|`) map line for line; quoted and plain one-line scalars
    map by column; anything else (folded blocks) is found by searching the
    scalar's lines for the text, falling back to the scalar's own span. A
    value repeated by an alias (`*name`) is placed at the alias as a whole.
    """
    if _line(lines, scalar.span.line)[scalar.span.col - 1 : scalar.span.col] == "*":
        return scalar.span

    value = scalar.text()
    line_index = value.count("\n", 0, start)
    line_start = value.rfind("\n", 0, start) + 1
    column = start - line_start
    width = max(1, min(end, _line_end(value, start)) - start)
    span = scalar.span

    if span.line == span.end_line and "\n" not in value:
        source = _line(lines, span.line)
        quoted = source[span.col - 1 : span.col] in ("'", '"')
        col = span.col + column + (1 if quoted else 0)
        return Span(span.line, col, span.line, col + width)

    indicator = _line(lines, span.line)[span.col - 1 : span.col]
    if indicator == "|":
        number = span.line + 1 + line_index
        indent = _block_indent(lines, span.line + 1, span.end_line)
        col = indent + column + 1
        return Span(number, col, number, col + width)

    return _search(lines, span, value[start : start + width]) or span


def _search(lines: list[str], span: Span, needle: str) -> Span | None:
    """Return where `needle` first appears inside `span`'s lines."""
    if not needle.strip():
        return None
    for number in range(span.line, min(span.end_line, len(lines)) + 1):
        found = _line(lines, number).find(needle)
        if found != -1:
            return Span(number, found + 1, number, found + 1 + len(needle))
    return None


def _block_indent(lines: list[str], first: int, last: int) -> int:
    """Return the indentation of a block scalar's content lines."""
    for number in range(first, min(last, len(lines)) + 1):
        text = _line(lines, number)
        if text.strip():
            return len(text) - len(text.lstrip(" "))
    return 0


def _line(lines: list[str], number: int) -> str:
    """Return line `number` (1-based), or '' past the end."""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _line_end(value: str, start: int) -> int:
    """Return the offset of the end of the line holding `start`."""
    end = value.find("\n", start)
    return len(value) if end == -1 else end
