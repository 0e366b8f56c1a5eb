"""Load JSON and JSON with comments (wrangler.json, wrangler.jsonc) with positions."""

from __future__ import annotations

import bisect
import re

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

# Real configuration files nest a handful of levels; deeper documents are refused.
MAX_DEPTH = 200

_SKIP = re.compile(r"(?:[ \t\n\r]++|//[^\n]*+|/\*(?:[^*]++|\*(?!/))*+\*/)*+")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*+)(\.[0-9]++)?([eE][+-]?[0-9]++)?")
_WORD = re.compile(r"[A-Za-z0-9_$.+-]++")
_ESCAPE = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|u([0-9a-fA-F]{4})|(.))"
)
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: dict[str, ScalarValue] = {"true": True, "false": False, "null": None}
_MARKER = re.compile(r"^(?:<{7}(?: |$)|={7}[ \t]*$|>{7}(?: |$))", re.M)
_SYNTAX_HELP = "fix the syntax error at this position"


class _JsonError(Exception):
    """A problem that stops parsing, at an offset in the text."""

    def __init__(self, code: str, message: str, offset: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset


@record(frozen=False)
class _Frame:
    """An object or array being parsed, with what it holds so far."""

    start: int
    is_object: bool
    entries: dict[str, Entry] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)
    key: tuple[str, Span] | None = None
    first_lines: dict[str, int] | None = None


class _Lines:
    """Turn offsets in a text into 1-based line/column spans."""

    def __init__(self, src: str) -> None:
        self.starts = [0]
        start = src.find("\n")
        while start >= 0:
            self.starts.append(start + 1)
            start = src.find("\n", start + 1)

    def span(self, start: int, end: int) -> Span:
        """Return the span of the text between two offsets."""
        starts = self.starts
        line = bisect.bisect_right(starts, start)
        end_line = bisect.bisect_right(starts, end)
        return Span(
            line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1
        )

    def point(self, offset: int) -> Span:
        """Return the one-character span at `offset`."""
        line = bisect.bisect_right(self.starts, offset)
        return Span.point(line, offset - self.starts[line - 1] + 1)


def load_jsonc(path: str, text: str) -> ParsedFile:
    """Parse JSON with comments and trailing commas; problems become diagnostics."""
    src = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = _Lines(src)
    parser = _Parser(src, lines)

    try:
        root = parser.document()
    except _JsonError as error:
        return ParsedFile(path, None, (_error_diagnostic(src, lines, error),))

    conflict = _conflict_offset(src, failed=False)
    if conflict is not None:
        return ParsedFile(path, None, (_conflict_diagnostic(src, lines, conflict),))
    if not isinstance(root, Mapping):
        return ParsedFile(path, None, (_not_an_object(root),))
    return ParsedFile(path, root, tuple(parser.diagnostics))


class _Parser:
    """Build positioned nodes from JSON text with an explicit stack, not recursion."""

    def __init__(self, src: str, lines: _Lines) -> None:
        self.src = src
        self.lines = lines
        self.pos = 0
        self.diagnostics: list[Diagnostic] = []

    def document(self) -> Node:
        """Parse the single top-level value; an empty document is an empty object."""
        self._skip()
        if self.pos >= len(self.src):
            return Mapping({}, self.lines.span(0, len(self.src)))

        root = self._value()

        self._skip()
        if self.pos < len(self.src):
            raise self._syntax("unexpected content after the top-level value")
        return root

    def _value(self) -> Node:
        """Parse one value, containers included, and return its node."""
        stack: list[_Frame] = []
        while True:
            node = self._open_or_scalar(stack)
            while node is not None:
                if not stack:
                    return node
                node = self._add(stack, node)

    def _open_or_scalar(self, stack: list[_Frame]) -> Node | None:
        """Parse a scalar, or open a container and return None while it is open."""
        self._skip()
        char = self.src[self.pos : self.pos + 1]
        if char != "{" and char != "[":
            return self._scalar()
        if len(stack) >= MAX_DEPTH:
            message = f"nesting deeper than {MAX_DEPTH} levels"
            raise _JsonError("too-deep", message, self.pos)

        frame = _Frame(self.pos, char == "{")
        stack.append(frame)
        self.pos += 1
        self._skip()
        if self.src.startswith("}" if frame.is_object else "]", self.pos):
            return self._close(stack)
        if frame.is_object:
            self._member_key(frame)
        return None

    def _add(self, stack: list[_Frame], node: Node) -> Node | None:
        """Add a finished value to its container; return the container if it closed."""
        frame = stack[-1]
        if frame.key is not None:
            self._set_member(frame, frame.key, node)
        else:
            frame.items.append(node)

        self._skip()
        close = "}" if frame.is_object else "]"
        if self.src.startswith(",", self.pos):
            self.pos += 1
            self._skip()
            if self.src.startswith(close, self.pos):
                return self._close(stack)
            if frame.is_object:
                self._member_key(frame)
            return None
        if self.src.startswith(close, self.pos):
            return self._close(stack)
        what = "object member" if frame.is_object else "array element"
        raise self._syntax(f"expected `,` or `{close}` after {what}")

    def _close(self, stack: list[_Frame]) -> Node:
        """Close the innermost container and return its node."""
        frame = stack.pop()
        self.pos += 1
        span = self.lines.span(frame.start, self.pos)
        if frame.is_object:
            return Mapping(frame.entries, span)
        return Sequence(tuple(frame.items), span)

    def _member_key(self, frame: _Frame) -> None:
        """Parse an object key and its colon."""
        if not self.src.startswith('"', self.pos):
            raise self._syntax("expected a double-quoted key")
        start = self.pos
        key = self._string()
        frame.key = (key, self.lines.span(start, self.pos))

        self._skip()
        if not self.src.startswith(":", self.pos):
            raise self._syntax("expected `:` after object key")
        self.pos += 1

    def _set_member(self, frame: _Frame, key: tuple[str, Span], node: Node) -> None:
        """Store a member; a repeated key keeps its place and takes the new value."""
        name, key_span = key
        previous = frame.entries.get(name)
        if previous is not None:
            first_lines = frame.first_lines = frame.first_lines or {}
            first = first_lines.setdefault(name, previous.key_span.line)
            self.diagnostics.append(_duplicate(name, key_span, first))
        frame.entries[name] = Entry(name, key_span, node)
        frame.key = None

    def _scalar(self) -> Scalar:
        """Parse a string, number, `true`, `false` or `null`."""
        start = self.pos
        char = self.src[start : start + 1]
        if char == '"':
            value: ScalarValue = self._string()
        elif char == "-" or char.isdigit():
            value = self._number()
        else:
            value = self._literal()
        return Scalar(value, self.lines.span(start, self.pos))

    def _string(self) -> str:
        """Parse a string and return its decoded text."""
        start = self.pos
        found = _STRING.match(self.src, start)
        end = found.end() if found is not None else start
        if not self.src.startswith('"', end) or found is None:
            raise self._string_error(start, end)
        self.pos = end + 1
        return _decode(self.src[start + 1 : end])

    def _string_error(self, start: int, end: int) -> _JsonError:
        """Explain why the string at `start` stops being valid at `end`."""
        char = self.src[end : end + 1]
        if char == "\\":
            escape = self.src[end : end + 2]
            message = f"invalid escape `{escape}` in string"
            return _JsonError("syntax", f"invalid json: {message}", end)
        if char and char != "\n":
            message = "invalid json: unescaped control character in string"
            return _JsonError("syntax", message, end)
        return _JsonError("syntax", "invalid json: unterminated string", start)

    def _number(self) -> int | float:
        """Parse a number: an int, or a float when it has a fraction or exponent."""
        start = self.pos
        found = _NUMBER.match(self.src, start)
        if found is None or _WORD.match(self.src, found.end()):
            raise self._syntax("invalid number")
        self.pos = found.end()

        if found.group(1) is None and found.group(2) is None:
            try:
                return int(found.group())
            except ValueError:
                raise _JsonError(
                    "syntax", "invalid json: number has too many digits", start
                ) from None
        return float(found.group())

    def _literal(self) -> ScalarValue:
        """Parse `true`, `false` or `null`."""
        word = _WORD.match(self.src, self.pos)
        if word is None or word.group() not in _LITERALS:
            raise self._syntax("expected a value")
        self.pos = word.end()
        return _LITERALS[word.group()]

    def _skip(self) -> None:
        """Step over whitespace and comments."""
        found = _SKIP.match(self.src, self.pos)
        if found is not None:
            self.pos = found.end()
        if self.src.startswith("/*", self.pos):
            raise _JsonError("syntax", "invalid json: unterminated comment", self.pos)

    def _syntax(self, expected: str) -> _JsonError:
        """Return a syntax error about the text at the current position."""
        if self.pos >= len(self.src):
            expected = f"unexpected end of file, {expected}"
        return _JsonError("syntax", f"invalid json: {expected}", self.pos)


def _decode(body: str) -> str:
    """Return a string's text with its escapes, surrogate pairs included, resolved."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_escaped, body)


def _escaped(found: re.Match[str]) -> str:
    """Return the text one escape sequence, or one surrogate pair, stands for."""
    high, low, code, simple = found.groups()
    if high is not None:
        point = 0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00
        return chr(point)
    if code is not None:
        point = int(code, 16)
        # A lone surrogate has no UTF-8 form; wrangler's JavaScript encodes it
        # as U+FFFD when it sends the config, and so does this loader.
        return "\ufffd" if 0xD800 <= point <= 0xDFFF else chr(point)
    return _SIMPLE_ESCAPES[simple]


def _duplicate(name: str, span: Span, first_line: int) -> Diagnostic:
    """Return the diagnostic for a key repeated in one object."""
    return Diagnostic(
        "duplicate-key",
        f"duplicate key `{name}` (first defined at line {first_line})",
        "remove one of the two members; the last one wins",
        span,
    )


def _not_an_object(root: Node) -> Diagnostic:
    """Return the diagnostic for a document whose top-level value is not an object."""
    kind = "an array" if isinstance(root, Sequence) else "a single value"
    return Diagnostic(
        "not-an-object",
        f"top-level value is {kind}, not an object",
        "put the settings in one top-level object",
        root.span,
    )


def _error_diagnostic(src: str, lines: _Lines, error: _JsonError) -> Diagnostic:
    """Explain a parse failure, as a merge conflict when markers are present."""
    conflict = _conflict_offset(src, failed=True)
    if conflict is not None:
        return _conflict_diagnostic(src, lines, conflict)

    if error.code == "too-deep":
        help_text = "flatten the nested arrays and objects"
        return Diagnostic(
            error.code, error.message, help_text, lines.point(error.offset)
        )
    return Diagnostic(
        error.code, error.message, _SYNTAX_HELP, lines.point(error.offset)
    )


def _conflict_offset(src: str, *, failed: bool) -> int | None:
    """Return where the first merge-conflict marker line starts, or None.

    A parse failure counts any marker line; a file that parses is only flagged
    when it holds a whole `<<<<<<<`, `=======`, `>>>>>>>` sequence.
    """
    if "<<<<<<<" not in src and ">>>>>>>" not in src and "=======" not in src:
        return None
    markers = list(_MARKER.finditer(src))
    kinds = "".join(found.group()[0] for found in markers)
    if not markers or not (failed or re.search("<.*=.*>", kinds)):
        return None
    return markers[0].start()


def _conflict_diagnostic(src: str, lines: _Lines, start: int) -> Diagnostic:
    """Return the diagnostic for the merge-conflict marker line at `start`."""
    end = src.find("\n", start)
    return Diagnostic(
        "merge-conflict",
        "unresolved merge-conflict marker",
        "resolve the conflict and remove the markers",
        lines.span(start, len(src) if end < 0 else end),
    )
