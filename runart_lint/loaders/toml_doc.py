"""Load TOML with tomllib's exact values and the position of every key and value."""

from __future__ import annotations

import bisect
import contextlib
import re
from typing import NoReturn

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
from runart_lint.records import record

# Real configuration files nest a handful of levels; deeper documents are refused
# before Python's own recursion limit is anywhere near.
MAX_DEPTH = 200

Path = tuple[str | int, ...]
Offsets = tuple[int, int]

_SIMPLE_LINE = re.compile(
    r"""[ \t]*+
    (?:(?P<key>[A-Za-z0-9_-]++)[ \t]*+=[ \t]*+
       (?P<value>"(?:[^"\\\n]++|\\.)*+"|'[^'\n]*+'|[^\s,\]}#\[{"'=]++)
     | (?P<open>\[(?P<array>\[)?)(?P<name>[A-Za-z0-9_-]++(?:\.[A-Za-z0-9_-]++)*+)
       (?P<close>\](?(array)\]))
    )?
    [ \t]*+(?:\#[^\n]*+)?(?:\n|\Z)""",
    re.X,
)
_PLAIN = r"""(?:"(?:[^"\\\n]++|\\.)*+"(?!")|'[^'\n]*+'(?!')|[^\s,\]}#\[{"'=]++)"""
_PAIR = rf"[A-Za-z0-9_-]++[ \t]*+=[ \t]*+{_PLAIN}"
_FLAT_TABLE = re.compile(
    rf"\{{[ \t]*+(?:{_PAIR}(?:[ \t]*+,[ \t]*+{_PAIR})*+)?[ \t]*+\}}"
)
_MEMBER = re.compile(rf"(?P<key>[A-Za-z0-9_-]++)[ \t]*+=[ \t]*+(?P<value>{_PLAIN})")
_BLANK = r"(?:[ \t\n]++|\#[^\n]*+)*+"
_FLAT_ARRAY = re.compile(
    rf"\[{_BLANK}(?:{_PLAIN}{_BLANK}(?:,{_BLANK}{_PLAIN}{_BLANK})*+(?:,{_BLANK})?)?\]"
)
_ITEM = re.compile(rf"\#[^\n]*+|(?P<value>{_PLAIN})")
_WS = re.compile(r"[ \t]*+")
_GAP = re.compile(r"[ \t]*+(?:#[^\n]*+)?")
_ARRAY_GAP = re.compile(r"(?:[ \t\n]++|#[^\n]*+)*+")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]++")
_BASIC = re.compile(r'"(?:[^"\\\n]++|\\.)*+"')
_LITERAL = re.compile(r"'[^'\n]*+'")
_ML_BASIC = re.compile(r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+"{3,5}')
_ML_LITERAL = re.compile(r"'''[\s\S]*?'{3,5}")
_ATOM = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?"
    r"|[^\s,\]}#]++"
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    '"': '"',
    "\\": "\\",
}
_ERROR_AT = re.compile(
    r"(?P<message>.*) \(at "
    r"(?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)",
    re.S,
)
_MARKER = re.compile(r"^(?:<{7}(?: |$)|={7}[ \t]*$|>{7}(?: |$))", re.M)
_DUPLICATE_ERRORS = (
    "Cannot overwrite a value",
    "Cannot declare",
    "Cannot redefine namespace",
    "Cannot mutate immutable namespace",
    "Duplicate inline table key",
)
_SYNTAX_HELP = "fix the syntax error at this position"


class _ScanError(Exception):
    """The indexer met text that is not TOML."""


class _TooDeep(Exception):
    """A document nests deeper than MAX_DEPTH, at `offset`."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


@record
class _Event:
    """A key or table header as written, recorded to explain duplicate errors."""

    start: int
    path: Path
    where: Offsets
    is_table: bool


@record(frozen=False)
class _Frame:
    """An inline array or inline table whose items are being indexed."""

    path: Path
    start: int
    is_table: bool
    count: int = 0


class _Lines:
    """Turn offsets in a text into 1-based line/column spans."""

    def __init__(self, src: str) -> None:
        self.starts = [0]
        start = src.find("\n")
        while start >= 0:
            self.starts.append(start + 1)
            start = src.find("\n", start + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """Return the line and column of `offset`."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, col: int) -> int:
        """Return the offset of a line and column."""
        return self.starts[min(line, len(self.starts)) - 1] + col - 1

    def span(self, where: Offsets) -> Span:
        """Return the span of the text between two offsets."""
        starts = self.starts
        start, end = where
        line = bisect.bisect_right(starts, start)
        end_line = bisect.bisect_right(starts, end)
        return Span(
            line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1
        )

    def line_span(self, line: int, src: str) -> Span:
        """Return the span of a whole line, line break excluded."""
        start = self.starts[line - 1]
        end = src.find("\n", start)
        return Span(line, 1, line, (len(src) if end < 0 else end) - start + 1)


def load_toml(path: str, text: str) -> ParsedFile:
    """Parse TOML `text`; syntax errors, duplicates and limits become diagnostics."""
    text = text.removeprefix("\ufeff")
    src = text.replace("\r\n", "\n")
    lines = _Lines(src)

    scanner = _Scanner(src, record=False)
    try:
        scanner.scan()
    except _TooDeep as deep:
        return ParsedFile(path, None, (_too_deep(lines, deep.offset),))
    except (_ScanError, IndexError):
        pass  # tomllib names the error and its position next

    # Imported here: with the parse cache warm, a run parses no TOML at all,
    # and tomllib with its datetime support costs about 8 ms to import.
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return ParsedFile(path, None, (_error_diagnostic(src, lines, str(error)),))
    except RecursionError:
        return ParsedFile(path, None, (_too_deep(lines, 0),))

    conflict = _conflict_line(src, failed=False)
    if conflict is not None:
        return ParsedFile(path, None, (_conflict_diagnostic(src, lines, conflict),))

    try:
        root = _Builder(scanner, lines).mapping(data, (), (0, len(src)))
    except RecursionError:
        return ParsedFile(path, None, (_too_deep(lines, 0),))
    return ParsedFile(path, root)


class _Scanner:
    """Walk valid TOML once and note where every key path's key and value are."""

    def __init__(self, src: str, *, record: bool) -> None:
        self.src = src
        self.pos = 0
        self.keys: dict[Path, Offsets] = {}
        self.values: dict[Path, Offsets] = {}
        self.tables: dict[Path, int] = {}
        self.record = record
        self.events: list[_Event] = []

    def scan(self) -> None:
        """Index every statement of the document."""
        src = self.src
        table: Path = ()
        while self.pos < len(src):
            line = _SIMPLE_LINE.match(src, self.pos)
            if line is None:
                table = self._statement(table)
                continue
            if line.lastgroup == "value":
                self._simple_key_value(line, table)
            elif line.lastgroup == "close":
                table = self._simple_header(line)
            self.pos = line.end()

    def _statement(self, table: Path) -> Path:
        """Index one statement of any form and return the table it leaves open."""
        self.pos = _match(_WS, self.src, self.pos)
        char = self.src[self.pos : self.pos + 1]
        if char == "[":
            table = self._header()
        elif char and char not in "\n#":
            self._key_value(table)

        self._end_of_line()
        return table

    def _simple_key_value(self, line: re.Match[str], table: Path) -> None:
        """Index a one-line `key = value` with a bare key and a plain value."""
        path = (*table, line.group("key"))
        self.keys[path] = line.span("key")
        self.values[path] = line.span("value")
        if self.record:
            self._note(line.start("key"), path, line.span("key"), is_table=False)

    def _simple_header(self, line: re.Match[str]) -> Path:
        """Index a `[table]` or `[[array]]` header made of bare keys only."""
        parts = []
        start = line.start("name")
        for name in line.group("name").split("."):
            parts.append((name, start, start + len(name)))
            start += len(name) + 1
        where = (line.start("open"), line.end("close"))
        return self._table(parts, where, is_array=line.group("array") is not None)

    def _end_of_line(self) -> None:
        """Step over a trailing comment and the line break."""
        self.pos = _match(_GAP, self.src, self.pos)
        if self.pos < len(self.src):
            if self.src[self.pos] != "\n":
                _fail()
            self.pos += 1

    def _header(self) -> Path:
        """Index a `[table]` or `[[array]]` header and return its table's path."""
        start = self.pos
        is_array = self.src.startswith("[[", start)
        self.pos += 2 if is_array else 1
        parts = self._key()
        close = "]]" if is_array else "]"
        if not self.src.startswith(close, self.pos):
            _fail()
        self.pos += len(close)

        return self._table(parts, (start, self.pos), is_array=is_array)

    def _table(
        self, parts: list[tuple[str, int, int]], where: Offsets, *, is_array: bool
    ) -> Path:
        """Note the table a header opens, and its parents; return its path."""
        parent = self._enter((), parts, where)
        name, key_start, key_end = parts[-1]
        path = (*parent, name)
        if is_array:
            self.tables[path] = self.tables.get(path, 0) + 1
            self.keys.setdefault(path, (key_start, key_end))
            self.values.setdefault(path, where)
            path += (self.tables[path] - 1,)
        else:
            self.keys[path] = (key_start, key_end)
        self.values[path] = where

        self._note(where[0], path, where, is_table=True)
        return path

    def _key_value(self, table: Path) -> None:
        """Index a `key = value` statement below `table`."""
        path = self._assignment(table)
        self._value(path)

    def _assignment(self, base: Path) -> Path:
        """Index a possibly dotted key and its `=`, and return the value's path."""
        parts = self._key()
        if not self.src.startswith("=", self.pos):
            _fail()
        self.pos = _match(_WS, self.src, self.pos + 1)
        where = (parts[0][1], parts[-1][2])

        path = (*self._enter(base, parts, where), parts[-1][0])
        self.keys[path] = (parts[-1][1], parts[-1][2])
        self._note(where[0], path, where, is_table=False)
        return path

    def _enter(
        self, base: Path, parts: list[tuple[str, int, int]], where: Offsets
    ) -> Path:
        """Note the tables a dotted key passes through and return the innermost."""
        if len(base) + len(parts) > MAX_DEPTH:
            raise _TooDeep(where[0])
        path = base
        for name, start, end in parts[:-1]:
            path += (name,)
            self.keys.setdefault(path, (start, end))
            self.values.setdefault(path, where)
            count = self.tables.get(path)
            if count is not None:
                path += (count - 1,)
        if len(path) >= MAX_DEPTH:
            raise _TooDeep(where[0])
        return path

    def _note(self, start: int, path: Path, where: Offsets, *, is_table: bool) -> None:
        """Record a key or header when duplicates are being explained."""
        if self.record:
            self.events.append(_Event(start, path, where, is_table))

    def _key(self) -> list[tuple[str, int, int]]:
        """Read a possibly dotted key; return each part's name, start and end."""
        src = self.src
        parts = []
        while True:
            self.pos = _match(_WS, src, self.pos)
            parts.append(self._key_part())
            self.pos = _match(_WS, src, self.pos)
            if not src.startswith(".", self.pos):
                return parts
            self.pos += 1

    def _key_part(self) -> tuple[str, int, int]:
        """Read one bare, basic or literal key part."""
        start = self.pos
        char = self.src[start : start + 1]
        if char == '"':
            found = _BASIC.match(self.src, start)
        elif char == "'":
            found = _LITERAL.match(self.src, start)
        else:
            found = _BARE_KEY.match(self.src, start)
        if found is None:
            _fail()
        self.pos = found.end()

        text = found.group()
        if char == '"':
            return _unescape(text[1:-1]), start, self.pos
        if char == "'":
            return text[1:-1], start, self.pos
        return text, start, self.pos

    def _value(self, path: Path) -> None:
        """Index a value and, for inline arrays and tables, everything inside it."""
        stack: list[_Frame] = []
        while True:
            child = self._item(path, stack)
            while child is None:
                if not stack:
                    return
                child = self._after_item(stack)
            path = child

    def _item(self, path: Path, stack: list[_Frame]) -> Path | None:
        """Index one value; for a container, return its first item's path."""
        start = self.pos
        char = self.src[start : start + 1]
        if char != "[" and char != "{":
            self.pos = _scalar_end(self.src, start)
            self.values[path] = (start, self.pos)
            return None

        if len(path) >= MAX_DEPTH:
            raise _TooDeep(start)
        if self._flat_table(path) if char == "{" else self._flat_array(path):
            return None

        frame = _Frame(path, start, char == "{")
        stack.append(frame)
        self.pos += 1
        return self._first_item(stack)

    def _flat_table(self, path: Path) -> bool:
        """Index an inline table of bare keys and plain values in one go, if it is."""
        start = self.pos
        whole = _FLAT_TABLE.match(self.src, start)
        if whole is None:
            return False

        for member in _MEMBER.finditer(self.src, start + 1, whole.end() - 1):
            child = (*path, member.group("key"))
            self.keys[child] = member.span("key")
            self.values[child] = member.span("value")
            if self.record:
                self._note(member.start(), child, member.span("key"), is_table=False)

        self.pos = whole.end()
        self.values[path] = (start, self.pos)
        return True

    def _flat_array(self, path: Path) -> bool:
        """Index an array of plain values and comments in one go, if it is one."""
        start = self.pos
        whole = _FLAT_ARRAY.match(self.src, start)
        if whole is None:
            return False

        index = 0
        for item in _ITEM.finditer(self.src, start + 1, whole.end() - 1):
            if item.lastgroup is not None:
                self.values[(*path, index)] = item.span()
                index += 1

        self.pos = whole.end()
        self.values[path] = (start, self.pos)
        return True

    def _first_item(self, stack: list[_Frame]) -> Path | None:
        """Open the innermost container; return its first item's path, if any."""
        frame = stack[-1]
        gap = _WS if frame.is_table else _ARRAY_GAP
        self.pos = _match(gap, self.src, self.pos)
        if self.src.startswith("}" if frame.is_table else "]", self.pos):
            self._close(stack)
            return None
        if frame.is_table:
            return self._assignment(frame.path)
        return (*frame.path, 0)

    def _after_item(self, stack: list[_Frame]) -> Path | None:
        """Read the separator after an item; return the next item's path, if any."""
        frame = stack[-1]
        gap = _WS if frame.is_table else _ARRAY_GAP
        self.pos = _match(gap, self.src, self.pos)
        char = self.src[self.pos : self.pos + 1]
        if char == ("}" if frame.is_table else "]"):
            self._close(stack)
            return None
        if char != ",":
            _fail()

        self.pos = _match(gap, self.src, self.pos + 1)
        if frame.is_table:
            return self._assignment(frame.path)
        if self.src.startswith("]", self.pos):
            self._close(stack)
            return None
        frame.count += 1
        return (*frame.path, frame.count)

    def _close(self, stack: list[_Frame]) -> None:
        """Record the span of the innermost container and step past its end."""
        frame = stack.pop()
        self.pos += 1
        self.values[frame.path] = (frame.start, self.pos)


class _Builder:
    """Build the positioned tree from tomllib's values and the scanner's offsets."""

    def __init__(self, scanner: _Scanner, lines: _Lines) -> None:
        self.keys = scanner.keys
        self.values = scanner.values
        self.lines = lines

    def mapping(self, table: dict[str, object], path: Path, where: Offsets) -> Mapping:
        """Return the mapping for `table`, found at `where`."""
        entries = {}
        for key, value in table.items():
            child = (*path, key)
            key_span = self.lines.span(self.keys.get(child, where))
            entries[key] = Entry(key, key_span, self.node(value, child, where))
        return Mapping(entries, self.lines.span(where))

    def node(self, value: object, path: Path, parent: Offsets) -> Node:
        """Return the node for `value`, placed at its parent when it has no offsets."""
        where = self.values.get(path, parent)
        if isinstance(value, dict):
            return self.mapping(value, path, where)
        if isinstance(value, list):
            items = tuple(
                self.node(item, (*path, index), where)
                for index, item in enumerate(value)
            )
            return Sequence(items, self.lines.span(where))
        return Scalar(_scalar(value), self.lines.span(where))


def _match(pattern: re.Pattern[str], src: str, pos: int) -> int:
    """Return where a pattern that always matches stops matching at `pos`."""
    found = pattern.match(src, pos)
    return pos if found is None else found.end()


def _scalar_end(src: str, start: int) -> int:
    """Return the end offset of the string, number, boolean or date at `start`."""
    if src.startswith('"""', start):
        found = _ML_BASIC.match(src, start)
    elif src.startswith("'''", start):
        found = _ML_LITERAL.match(src, start)
    elif src.startswith('"', start):
        found = _BASIC.match(src, start)
    elif src.startswith("'", start):
        found = _LITERAL.match(src, start)
    else:
        found = _ATOM.match(src, start)
    if found is None:
        _fail()
    return found.end()


def _fail() -> NoReturn:
    """Stop indexing text that is not TOML."""
    raise _ScanError


def _unescape(body: str) -> str:
    """Return the text of a basic string's body with its escapes resolved."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_escaped, body)


def _escaped(found: re.Match[str]) -> str:
    """Return the character one escape sequence stands for."""
    digits = found.group(1) or found.group(2)
    if digits:
        return chr(int(digits, 16))
    return _SIMPLE_ESCAPES.get(found.group(3), found.group(3))


def _scalar(value: object) -> ScalarValue:
    """Return a tomllib leaf as a scalar value; dates and times become ISO strings."""
    if isinstance(value, str | int | float):
        return value
    import datetime  # loaded already by tomllib, which produced `value`

    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _error_diagnostic(src: str, lines: _Lines, error: str) -> Diagnostic:
    """Explain a tomllib error: a conflict marker, a duplicate or bad syntax."""
    conflict = _conflict_line(src, failed=True)
    if conflict is not None:
        return _conflict_diagnostic(src, lines, conflict)

    found = _ERROR_AT.fullmatch(error)
    message = found.group("message") if found else error
    if found is not None and found.group("line") is not None:
        line, col = int(found.group("line")), int(found.group("col"))
    else:
        line, col = lines.position(len(src))

    if message.startswith(_DUPLICATE_ERRORS):
        duplicate = _duplicate(src, lines, lines.offset(line, col))
        if duplicate is not None:
            return duplicate
    text = f"invalid toml: {message[:1].lower()}{message[1:]}"
    return Diagnostic("syntax", text, _SYNTAX_HELP, Span.point(line, col))


def _duplicate(src: str, lines: _Lines, error_offset: int) -> Diagnostic | None:
    """Find the key or header tomllib refused and the definition it repeats."""
    scanner = _Scanner(src, record=True)
    with contextlib.suppress(_ScanError, _TooDeep, IndexError):
        scanner.scan()

    events = [event for event in scanner.events if event.start <= error_offset]
    if not events:
        return None
    second = events[-1]
    first = _first_definition(second, events[:-1])
    if first is None:
        return None

    return _duplicate_diagnostic(src, lines, first, second)


def _first_definition(second: _Event, earlier: list[_Event]) -> _Event | None:
    """Return the earlier key or header that `second` repeats or collides with."""
    same = [event for event in earlier if event.path == second.path]
    if same:
        return same[0]

    parents = [e for e in earlier if e.path == second.path[: len(e.path)]]
    if parents:
        return max(parents, key=lambda event: len(event.path))

    size = len(second.path)
    children = [e for e in earlier if e.path[:size] == second.path]
    return children[0] if children else None


def _duplicate_diagnostic(
    src: str, lines: _Lines, first: _Event, second: _Event
) -> Diagnostic:
    """Describe `second` as a repeat of `first`."""
    first_line = lines.position(first.start)[0]
    written = src[second.where[0] : second.where[1]]
    kind = "table" if second.is_table else "key"
    if first.path == second.path:
        message = f"duplicate {kind} `{written}` (first defined at line {first_line})"
    else:
        other = src[first.where[0] : first.where[1]]
        message = f"{kind} `{written}` clashes with `{other}` at line {first_line}"
    help_text = "keep one definition and remove or rename the other"
    return Diagnostic("duplicate-key", message, help_text, lines.span(second.where))


def _too_deep(lines: _Lines, offset: int) -> Diagnostic:
    """Return the diagnostic for nesting past MAX_DEPTH at `offset`."""
    line, col = lines.position(offset)
    message = f"nesting deeper than {MAX_DEPTH} levels"
    help_text = "flatten the nested arrays, tables or dotted keys"
    return Diagnostic("too-deep", message, help_text, Span.point(line, col))


def _conflict_line(src: str, *, failed: bool) -> int | None:
    """Return the line of the first merge-conflict marker, or None.

    A parse failure counts any marker line; a file that parses is only flagged
    when it holds a whole `<<<<<<<`, `=======`, `>>>>>>>` sequence.
    """
    if "<<<<<<<" not in src and ">>>>>>>" not in src and "=======" not in src:
        return None
    markers = list(_MARKER.finditer(src))
    kinds = "".join(found.group()[0] for found in markers)
    if not markers or not (failed or re.search("<.*=.*>", kinds)):
        return None
    return src.count("\n", 0, markers[0].start()) + 1


def _conflict_diagnostic(src: str, lines: _Lines, line: int) -> Diagnostic:
    """Return the diagnostic for a merge-conflict marker on `line`."""
    return Diagnostic(
        "merge-conflict",
        "unresolved merge-conflict marker",
        "resolve the conflict and remove the markers",
        lines.line_span(line, src),
    )
