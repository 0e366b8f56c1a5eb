"""Map offsets inside a scalar's value back to lines and columns of the file."""

from __future__ import annotations

from runart_lint.loaders.tree import Scalar, Span

# YAML 1.2 double-quoted escapes that stand for one character, and the length
# of the hexadecimal escapes (`\xNN`, `\uNNNN`, `\UNNNNNNNN`).
SIMPLE_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}

# Where each character of a value is written: line, first and end column.
Place = tuple[int, int, int]


def locate(scalar: Scalar, lines: list[str], start: int, end: int) -> Span:
    """Return the file span of `value[start:end]` for a YAML scalar.

    Literal blocks (`|`) map line for line; quoted scalars map character by
    character through their escapes and line folding; plain one-line scalars
    map by column; anything else (folded blocks) is found by searching the
    scalar's lines for the text, falling back to the scalar's own span. A
    value repeated by an alias (`*name`) is placed at the alias as a whole.
    """
    indicator = _line(lines, scalar.span.line)[scalar.span.col - 1 : scalar.span.col]
    if indicator == "*":
        return scalar.span

    value = scalar.text()
    width = max(1, min(end, _line_end(value, start)) - start)
    if indicator in ("'", '"'):
        places = quoted_places(lines, scalar.span, value)
        if places:
            return _from_places(places, start, start + width)

    line_index = value.count("\n", 0, start)
    column = start - (value.rfind("\n", 0, start) + 1)
    span = scalar.span
    if span.line == span.end_line and "\n" not in value:
        col = span.col + column + (1 if indicator in ("'", '"') else 0)
        return Span(span.line, col, span.line, col + width)

    if indicator == "|":
        number = span.line + 1 + line_index
        indent = _block_indent(lines, span.line + 1, span.end_line)
        col = indent + column + 1
        return Span(number, col, number, col + width)

    return _search(lines, span, value[start : start + width]) or span


def quoted_places(lines: list[str], span: Span, value: str) -> list[Place] | None:
    """Return where each character of a quoted scalar's value is written.

    The source is read from the opening quote with YAML's escapes (`\\"`,
    `\\t`, `\\x41`, `''`) and line folding; None when the reading does not
    give back `value`, so that a caller can fall back to a coarser mapping.
    """
    reader = _QuotedReader(lines, span)
    places = reader.read()
    if places is None or "".join(reader.chars) != value:
        return None
    return places


class _QuotedReader:
    """Read a single- or double-quoted YAML scalar from its source lines."""

    def __init__(self, lines: list[str], span: Span) -> None:
        self.lines = lines
        self.quote = _line(lines, span.line)[span.col - 1]
        self.number = span.line
        self.index = span.col  # 0-based index just after the opening quote
        self.last = min(span.end_line, len(lines))
        self.chars: list[str] = []
        self.places: list[Place] = []
        self.escaped: list[bool] = []

    def read(self) -> list[Place] | None:
        """Return the places of the value's characters, or None if unreadable."""
        while self.number <= self.last:
            text = _line(self.lines, self.number)
            if self.index >= len(text):
                if not self._fold():
                    return None
                continue
            char = text[self.index]
            if char == self.quote and not self._doubled_single(text):
                return self.places
            if char == "\\" and self.quote == '"':
                if not self._escape(text):
                    return None
                continue
            self._emit(char, self.index, self.index + 1 + self._doubled(text))
        return None

    def _doubled_single(self, text: str) -> bool:
        """Return whether the character read is the escape `''` of single quotes."""
        pair = text[self.index : self.index + 2]
        return self.quote == "'" and pair == "''"

    def _doubled(self, text: str) -> int:
        """Return 1 when the character is a `''` escape, taking two columns."""
        return 1 if self._doubled_single(text) else 0

    def _emit(self, char: str, first: int, after: int, escaped: bool = False) -> None:
        """Record one value character written at `first`..`after` (0-based)."""
        self.chars.append(char)
        self.places.append((self.number, first + 1, after + 1))
        self.escaped.append(escaped)
        self.index = after

    def _escape(self, text: str) -> bool:
        """Read a backslash escape; return False when it is not one YAML knows."""
        code = text[self.index + 1 : self.index + 2]
        if not code:
            # An escaped line break joins the lines without a space.
            self.number += 1
            self.index = _indent(_line(self.lines, self.number))
            return True
        if code in SIMPLE_ESCAPES:
            self._emit(SIMPLE_ESCAPES[code], self.index, self.index + 2, escaped=True)
            return True
        digits = HEX_ESCAPES.get(code)
        hex_text = text[self.index + 2 : self.index + 2 + (digits or 0)]
        if digits is None or len(hex_text) != digits:
            return False
        try:
            char = chr(int(hex_text, 16))
        except ValueError:
            return False
        self._emit(char, self.index, self.index + 2 + digits, escaped=True)
        return True

    def _fold(self) -> bool:
        """Fold a line break inside the quotes: a space, or one `\\n` per blank line."""
        end = len(_line(self.lines, self.number))
        while self.chars and self.chars[-1] in " \t" and not self.escaped[-1]:
            self.chars.pop()
            self.places.pop()
            self.escaped.pop()
        blank = 0
        self.number += 1
        while self.number <= self.last and not _line(self.lines, self.number).strip():
            blank += 1
            self.number += 1
        if self.number > self.last:
            return False
        for char in "\n" * blank or " ":
            self.chars.append(char)
            self.places.append((self.number - 1 - blank, end + 1, end + 2))
            self.escaped.append(False)
        self.index = _indent(_line(self.lines, self.number))
        return True


def _from_places(places: list[Place], start: int, end: int) -> Span:
    """Return the span covering characters `start`..`end` on the first one's line."""
    first = places[min(start, len(places) - 1)]
    if start >= len(places):
        return Span(first[0], first[2], first[0], first[2] + 1)
    last = first
    for place in places[start:end]:
        if place[0] != first[0]:
            break
        last = place
    return Span(first[0], first[1], first[0], last[2])


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


def _indent(text: str) -> int:
    """Return the index of the first character that is not a space or tab."""
    return len(text) - len(text.lstrip(" \t"))


def _line(lines: list[str], number: int) -> str:
    """Return line `number` (1-based), or '' past the end."""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _line_end(value: str, start: int) -> int:
    """Return the offset of the end of the line holding `start`."""
    end = value.find("\n", start)
    return len(value) if end == -1 else end
