"""The TOML loader keeps tomllib's values and the exact span of every key and value."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runart_lint.loaders.toml_doc import MAX_DEPTH, load_toml
from runart_lint.loaders.tree import (
    Mapping,
    Node,
    ParsedFile,
    Scalar,
    Sequence,
    Span,
    to_python,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"

WRANGLER = """\
name = "runart-api" # the worker
main = "src/index.ts"

[vars]
GREETING = "a # is not a comment"
BRACKET = "]]"
QUOTE = 'say "hi"'

[[kv_namespaces]]
binding = "CACHE"
id = "0123456789abcdef"

[[kv_namespaces]]
binding = "SESSIONS"
id = "fedcba9876543210"

[env.production.vars]
ENVIRONMENT = "production"

[env.production]
name = "runart-api-prod"
"""


def load(text: str) -> Mapping:
    """Load `text`, expecting a clean tree."""
    parsed = load_toml("wrangler.toml", text)
    assert parsed.diagnostics == ()
    assert isinstance(parsed.root, Mapping)
    return parsed.root


def source_lines(text: str) -> list[str]:
    """Return the lines of `text` the way spans count them."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def cut(text: str, span: Span) -> str:
    """Return the text a span covers."""
    lines = source_lines(text)
    if span.line == span.end_line:
        return lines[span.line - 1][span.col - 1 : span.end_col - 1]
    middle = lines[span.line : span.end_line - 1]
    first = lines[span.line - 1][span.col - 1 :]
    return "\n".join([first, *middle, lines[span.end_line - 1][: span.end_col - 1]])


def node_at(root: Node | None, *path: str | int) -> Node:
    """Return the node under a path of keys and indexes."""
    node = root
    for step in path:
        if isinstance(step, int):
            assert isinstance(node, Sequence)
            node = node.items[step]
        else:
            assert isinstance(node, Mapping)
            node = node.get(step)
    assert node is not None
    return node


def key_span(root: Node | None, *path: str | int) -> Span:
    """Return the key span of the last step of a path."""
    parent = node_at(root, *path[:-1])
    assert isinstance(parent, Mapping)
    assert isinstance(path[-1], str)
    return parent.key_span(path[-1])


def assert_spans_round_trip(text: str, node: Node) -> None:
    """Check that every scalar's text parses to its value and every key to its name."""
    if isinstance(node, Scalar):
        parsed = tomllib.loads(f"x = {cut(text, node.span)}")["x"]
        if not isinstance(parsed, str | int | float | bool):
            parsed = parsed.isoformat()
        assert parsed == node.value or parsed != parsed
    elif isinstance(node, Sequence):
        assert cut(text, node.span).startswith("[")
        for item in node:
            assert_spans_round_trip(text, item)
    else:
        for name, entry in node.entries.items():
            assert tomllib.loads(f"{cut(text, entry.key_span)} = 1") == {name: 1}
            assert_spans_round_trip(text, entry.value)


def test_top_level_keys_and_values() -> None:
    root = load(WRANGLER)

    assert root.key_span("name") == Span(1, 1, 1, 5)
    assert node_at(root, "name").span == Span(1, 8, 1, 20)
    assert root.span == Span(1, 1, 22, 1)


def test_array_of_tables() -> None:
    root = load(WRANGLER)

    namespaces = node_at(root, "kv_namespaces")
    assert isinstance(namespaces, Sequence)
    assert namespaces.span == Span(9, 1, 9, 18)
    assert root.key_span("kv_namespaces") == Span(9, 3, 9, 16)
    assert node_at(root, "kv_namespaces", 1).span == Span(13, 1, 13, 18)
    assert key_span(root, "kv_namespaces", 0, "id") == Span(11, 1, 11, 3)
    assert node_at(root, "kv_namespaces", 0, "id").span == Span(11, 6, 11, 24)
    assert node_at(root, "kv_namespaces", 1, "id").span == Span(15, 6, 15, 24)


def test_strings_with_comment_and_bracket_characters() -> None:
    root = load(WRANGLER)

    assert to_python(node_at(root, "vars")) == {
        "GREETING": "a # is not a comment",
        "BRACKET": "]]",
        "QUOTE": 'say "hi"',
    }
    assert node_at(root, "vars", "GREETING").span == Span(5, 12, 5, 34)
    assert node_at(root, "vars", "BRACKET").span == Span(6, 11, 6, 15)
    assert node_at(root, "vars", "QUOTE").span == Span(7, 9, 7, 19)


def test_super_table_span_is_first_header_until_declared() -> None:
    root = load(WRANGLER)

    assert node_at(root, "env").span == Span(17, 1, 17, 22)
    assert root.key_span("env") == Span(17, 2, 17, 5)
    assert node_at(root, "env", "production").span == Span(20, 1, 20, 17)
    assert key_span(root, "env", "production") == Span(20, 6, 20, 16)
    assert node_at(root, "env", "production", "vars").span == Span(17, 1, 17, 22)
    assert key_span(root, "env", "production", "vars") == Span(17, 17, 17, 21)
    value = node_at(root, "env", "production", "vars", "ENVIRONMENT")
    assert value.span == Span(18, 15, 18, 27)


def test_inline_tables_inside_arrays() -> None:
    text = 'kv_namespaces = [{ binding = "X", id = "abc" }, {id="d", n.m = 1}]\n'

    root = load(text)

    assert node_at(root, "kv_namespaces").span == Span(1, 17, 1, 67)
    assert node_at(root, "kv_namespaces", 0).span == Span(1, 18, 1, 47)
    assert key_span(root, "kv_namespaces", 0, "id") == Span(1, 35, 1, 37)
    assert node_at(root, "kv_namespaces", 0, "id").span == Span(1, 40, 1, 45)
    assert node_at(root, "kv_namespaces", 1, "id").span == Span(1, 53, 1, 56)
    assert key_span(root, "kv_namespaces", 1, "n") == Span(1, 58, 1, 59)
    assert node_at(root, "kv_namespaces", 1, "n", "m").span == Span(1, 64, 1, 65)


def test_binding_array_after_vars_header_belongs_to_vars() -> None:
    text = '[vars]\nA = "1"\nkv_namespaces = [{ binding = "X", id = "..." }]\n'

    root = load(text)

    bindings = node_at(root, "vars", "kv_namespaces")
    assert isinstance(bindings, Sequence)
    assert bindings.span == Span(3, 17, 3, 48)
    assert key_span(root, "vars", "kv_namespaces") == Span(3, 1, 3, 14)
    assert node_at(root, "vars", "kv_namespaces", 0, "id").span == Span(3, 40, 3, 45)
    assert "kv_namespaces" not in root


def test_dotted_keys() -> None:
    root = load('a.b . "c d" = 1\na.e = true\n')

    assert root.key_span("a") == Span(1, 1, 1, 2)
    assert node_at(root, "a").span == Span(1, 1, 1, 12)
    assert key_span(root, "a", "b") == Span(1, 3, 1, 4)
    assert key_span(root, "a", "b", "c d") == Span(1, 7, 1, 12)
    assert node_at(root, "a", "b", "c d").span == Span(1, 15, 1, 16)
    assert node_at(root, "a", "e").span == Span(2, 7, 2, 11)


def test_quoted_header_keys() -> None:
    root = load('[env."my env"]\nname = "x"\n[env.\'lit\'.vars]\nA = 1\n')

    assert key_span(root, "env", "my env") == Span(1, 6, 1, 14)
    assert node_at(root, "env", "my env", "name").span == Span(2, 8, 2, 11)
    assert key_span(root, "env", "lit") == Span(3, 6, 3, 11)
    assert node_at(root, "env", "lit", "vars", "A").span == Span(4, 5, 4, 6)


def test_multi_line_array_with_comments_and_trailing_comma() -> None:
    text = 'crons = [\n  "*/5 * * * *", # five\n  # nothing ] here\n  "0 0 * * *",\n]\n'

    root = load(text)

    assert node_at(root, "crons").span == Span(1, 9, 5, 2)
    assert node_at(root, "crons", 0).span == Span(2, 3, 2, 16)
    assert node_at(root, "crons", 1).span == Span(4, 3, 4, 14)
    assert to_python(root) == {"crons": ["*/5 * * * *", "0 0 * * *"]}


def test_nested_arrays_and_inline_tables() -> None:
    text = 'x = [[1, [2]], {a = {b = [3, {c = "]"}]}}]\n'

    root = load(text)

    assert to_python(root) == tomllib.loads(text)
    assert node_at(root, "x", 0, 1, 0).span == Span(1, 11, 1, 12)
    assert node_at(root, "x", 1, "a", "b", 1, "c").span == Span(1, 35, 1, 38)
    assert_spans_round_trip(text, root)


def test_multi_line_and_escaped_strings() -> None:
    text = (
        's = """\nline one\nsay \\"hi\\" # not a comment\n"""""\n'
        "t = '''\n]raw ' \\n'''\n"
        'u = "tab\\t\\u00e9\\U0001F600 \\"q\\""\n'
        "v = 'C:\\path'\n"
    )

    root = load(text)

    assert to_python(root) == tomllib.loads(text)
    assert node_at(root, "s").span == Span(1, 5, 4, 6)
    assert node_at(root, "t").span == Span(5, 5, 6, 13)
    assert_spans_round_trip(text, root)


def test_dates_times_and_numbers() -> None:
    text = (
        "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00\nc = 1979-05-27\n"
        "d = 07:32:00.5\ne = 0xff\nf = 1_000\ng = -inf\nh = 6.02e23\ni = false\n"
    )

    root = load(text)

    assert to_python(root) == {
        "a": "1979-05-27T07:32:00+00:00",
        "b": "1979-05-27T07:32:00",
        "c": "1979-05-27",
        "d": "07:32:00.500000",
        "e": 255,
        "f": 1000,
        "g": float("-inf"),
        "h": 6.02e23,
        "i": False,
    }
    assert node_at(root, "b").span == Span(2, 5, 2, 24)
    assert node_at(root, "e").span == Span(5, 5, 5, 9)


def test_bom_and_crlf() -> None:
    text = '\ufeffname = "w"\r\n[vars]\r\nA = """x\r\ny"""\r\n'

    root = load(text)

    assert to_python(root) == {"name": "w", "vars": {"A": "x\ny"}}
    assert node_at(root, "name").span == Span(1, 8, 1, 11)
    assert node_at(root, "vars", "A").span == Span(3, 5, 4, 5)


def test_empty_file() -> None:
    parsed = load_toml("wrangler.toml", "")

    assert parsed.diagnostics == ()
    assert isinstance(parsed.root, Mapping)
    assert len(parsed.root) == 0
    assert parsed.root.span == Span(1, 1, 1, 1)


def only_diagnostic(text: str) -> tuple[str, str, Span]:
    """Load text that must fail and return its one diagnostic's essentials."""
    parsed = load_toml("wrangler.toml", text)
    assert parsed.root is None
    assert len(parsed.diagnostics) == 1
    diagnostic = parsed.diagnostics[0]
    assert diagnostic.help[:1].islower()
    assert not diagnostic.message.endswith(".")
    return diagnostic.code, diagnostic.message, diagnostic.span


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        ("a = 1\nb = \nc = 2\n", "invalid toml: invalid value", Span.point(2, 5)),
        ('name = "x\n', "invalid toml: illegal character '\\n'", Span.point(1, 10)),
        (
            "[vars\nA = 1\n",
            "invalid toml: expected ']' at the end of a table declaration",
            Span.point(1, 6),
        ),
        ("a = [1,", "invalid toml: invalid value", Span.point(1, 8)),
        (
            "x = 1 2\n",
            "invalid toml: expected newline or end of document after a statement",
            Span.point(1, 7),
        ),
    ],
)
def test_syntax_errors_point_at_tomllib_position(
    text: str, message: str, span: Span
) -> None:
    assert only_diagnostic(text) == ("syntax", message, span)


def test_error_position_matches_tomllib_column() -> None:
    text = "a = 1\r\nbb = [1, 2,, 3]\r\n"

    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        tomllib.loads(text)

    found = re.search(r"line (\d+), column (\d+)", str(raised.value))
    assert found is not None
    line, col = int(found.group(1)), int(found.group(2))
    assert source_lines(text)[line - 1][col - 1] == ","
    assert only_diagnostic(text)[2] == Span.point(line, col)


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        (
            '[[kv_namespaces]]\nbinding = "A"\n\nid = "1"\nid = "2"\n',
            "duplicate key `id` (first defined at line 4)",
            Span(5, 1, 5, 3),
        ),
        (
            "[vars]\nA = 1\n[env]\n[vars]\n",
            "duplicate table `[vars]` (first defined at line 1)",
            Span(4, 1, 4, 7),
        ),
        (
            "x = { a = 1, a = 2 }\n",
            "duplicate key `a` (first defined at line 1)",
            Span(1, 14, 1, 15),
        ),
        (
            "a = [\n  1,\n]\nb = 2\na = [\n  3,\n]\n",
            "duplicate key `a` (first defined at line 1)",
            Span(5, 1, 5, 2),
        ),
        (
            "vars = 1\n[vars.x]\n",
            "table `[vars.x]` clashes with `vars` at line 1",
            Span(2, 1, 2, 9),
        ),
        (
            "a.b.c = 1\n[a.b]\n",
            "table `[a.b]` clashes with `a.b.c` at line 1",
            Span(2, 1, 2, 6),
        ),
        (
            "[[a]]\n[a]\n",
            "table `[a]` clashes with `[[a]]` at line 1",
            Span(2, 1, 2, 4),
        ),
        (
            "x = { a = 1 }\nx.b = 2\n",
            "key `x.b` clashes with `x` at line 1",
            Span(2, 1, 2, 4),
        ),
    ],
)
def test_duplicates_point_at_second_definition(
    text: str, message: str, span: Span
) -> None:
    assert only_diagnostic(text) == ("duplicate-key", message, span)


def test_duplicate_key_with_crlf() -> None:
    text = 'name = "a"\r\n[vars]\r\nA = 1\r\nA = 2\r\n'

    code, message, span = only_diagnostic(text)

    assert code == "duplicate-key"
    assert message == "duplicate key `A` (first defined at line 3)"
    assert span == Span(4, 1, 4, 2)


def test_merge_conflict_markers() -> None:
    text = (
        'name = "w"\n<<<<<<< HEAD\nmain = "a.ts"\n=======\nmain = "b.ts"\n>>>>>>> b\n'
    )

    code, message, span = only_diagnostic(text)

    assert code == "merge-conflict"
    assert message == "unresolved merge-conflict marker"
    assert span == Span(2, 1, 2, 13)


def test_merge_conflict_inside_a_string_is_still_a_conflict() -> None:
    text = 'a = """\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n"""\n'

    assert only_diagnostic(text)[:2] == (
        "merge-conflict",
        "unresolved merge-conflict marker",
    )


def test_lone_equals_line_in_a_string_is_text() -> None:
    root = load('doc = """\nTitle\n=======\n"""\n')

    assert to_python(root) == {"doc": "Title\n=======\n"}


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 10_000,
        "a = " + "[" * 300 + "]" * 300 + "\n",
        "a = " + "{b = " * 10_000,
        "[" + ".".join(["t"] * 10_000) + "]\n",
        ".".join(["k"] * 10_000) + " = 1\n",
    ],
)
def test_deep_nesting_is_refused(text: str) -> None:
    code, message, span = only_diagnostic(text)

    assert code == "too-deep"
    assert message == f"nesting deeper than {MAX_DEPTH} levels"
    assert span.line == 1


def test_nesting_just_under_the_limit_loads() -> None:
    depth = MAX_DEPTH - 2
    text = "a = " + "[" * depth + "1" + "]" * depth + "\n"

    root = load(text)

    assert to_python(root) == tomllib.loads(text)


# --- property tests: a small TOML writer that varies the syntax -----------------

BARE = re.compile(r"[A-Za-z0-9_-]+")
KEYS = st.text(st.sampled_from("abcXYZ019_-"), min_size=1, max_size=6) | st.text(
    st.characters(exclude_categories=["Cs"]), max_size=5
)
STRINGS = st.text(
    st.characters(exclude_categories=["Cs"]), max_size=12
) | st.sampled_from(
    ["#", "]", '"', "'", "]]", "a # b", '"""', "'''", "\\", "\n", "=", "[x]"]
)
SCALARS = (
    STRINGS
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=14,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=6)
COMMENT = "# comment with = and [brackets] and 'quotes'"


class Writer:
    """Write a value as TOML, drawing a syntax choice at every step."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.lines: list[str] = []

    def pick(self, *choices: str) -> str:
        """Draw one of the choices."""
        return self.data.draw(st.sampled_from(choices))

    def key(self, name: str) -> str:
        """Write one key part, bare when possible."""
        if BARE.fullmatch(name) and self.pick("bare", "bare", "quoted") == "bare":
            return name
        literal = "'" not in name and not re.search(r"[\x00-\x1f\x7f]", name)
        if literal and self.pick("basic", "literal") == "literal":
            return f"'{name}'"
        return self.basic(name)

    def basic(self, text: str) -> str:
        """Write a one-line basic string."""
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        escaped = re.sub(
            r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped
        )
        return f'"{escaped}"'

    def string(self, text: str) -> str:
        """Write a string in one of the four TOML styles."""
        style = self.pick("basic", "literal", "multi", "multi-literal")
        plain = not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", text)
        if style == "literal" and plain and "'" not in text:
            return f"'{text}'"
        if style == "multi-literal" and plain and "'" not in text:
            return f"'''\n{text}'''"
        if style == "multi":
            escaped = self.basic(text)[1:-1].replace("\\u000a", "\n")
            return f'"""\n{escaped}"""'
        return self.basic(text)

    def scalar(self, value: object) -> str:
        """Write a string, integer, float or boolean."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            if value >= 0 and self.pick("dec", "hex") == "hex":
                return hex(value)
            return str(value)
        if isinstance(value, float):
            return repr(value)
        assert isinstance(value, str)
        return self.string(value)

    def inline(self, value: object) -> str:
        """Write any value on the right of `=`, arrays and tables inline."""
        if isinstance(value, dict):
            pairs = [f"{self.key(k)} = {self.inline(v)}" for k, v in value.items()]
            return (
                "{" + self.pick(" ", "") + ", ".join(pairs) + self.pick(" ", "") + "}"
            )
        if isinstance(value, list):
            return self.array(value)
        return self.scalar(value)

    def array(self, items: list[object]) -> str:
        """Write an array on one line or several, with comments and a trailing comma."""
        written = [self.inline(item) for item in items]
        if self.pick("one line", "lines") == "one line":
            return "[" + ", ".join(written) + "]"
        comment = self.pick("", ' # x ] , "')
        body = "".join(f"\n  {item},{comment}" for item in written)
        return "[" + body + self.pick("\n", "\n  # end [\n") + "]"

    def table(self, prefix: list[str], table: dict[str, object]) -> None:
        """Write a table's pairs, then its sub-tables under their own headers."""
        sections = []
        for name, value in table.items():
            if self.as_section(value):
                sections.append((name, value))
            elif (
                isinstance(value, dict)
                and value
                and self.pick("inline", "dotted") == "dotted"
            ):
                self.dotted([self.key(name)], value)
            else:
                self.lines.append(f"{self.key(name)} = {self.inline(value)}")
            filler = self.pick("", "", "blank", "comment")
            if filler:
                self.lines.append("" if filler == "blank" else COMMENT)
        for name, value in sections:
            self.section([*prefix, self.key(name)], value)

    def as_section(self, value: object) -> bool:
        """Draw whether a table or a list of tables gets its own header."""
        tables = (
            isinstance(value, list)
            and value
            and all(isinstance(item, dict) for item in value)
        )
        if not (isinstance(value, dict) or tables):
            return False
        return self.pick("header", "inline") == "header"

    def dotted(self, prefix: list[str], table: dict[str, object]) -> None:
        """Write a non-empty table as dotted keys."""
        for name, value in table.items():
            self.lines.append(
                f"{'.'.join([*prefix, self.key(name)])} = {self.inline(value)}"
            )

    def section(self, path: list[str], value: object) -> None:
        """Write `[path]` or one `[[path]]` per element."""
        joined = self.pick(".", " . ").join(path)
        if isinstance(value, dict):
            self.lines.append(f"[{joined}]")
            self.table(path, value)
            return
        assert isinstance(value, list)
        for item in value:
            self.lines.append(f"[[{joined}]]{self.pick('', ' # element')}")
            self.table(path, item)


def write_toml(data: st.DataObject, document: dict[str, object]) -> str:
    """Write `document` as TOML with drawn syntax, line ends and BOM."""
    writer = Writer(data)
    writer.table([], document)
    text = "\n".join(writer.lines) + "\n"
    if data.draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return data.draw(st.sampled_from(["", "\ufeff"])) + text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), DOCUMENTS)
def test_written_documents_round_trip(
    data: st.DataObject, document: dict[str, object]
) -> None:
    text = write_toml(data, document)

    root = load(text)

    assert to_python(root) == tomllib.loads(text.removeprefix("\ufeff")) == document
    assert_spans_round_trip(text, root)


@settings(max_examples=200, deadline=None)
@given(DOCUMENTS)
def test_tomlkit_documents_round_trip(document: dict[str, object]) -> None:
    tomlkit = pytest.importorskip("tomlkit")
    text = tomlkit.dumps(document)

    root = load(text)

    assert to_python(root) == tomllib.loads(text)
    assert_spans_round_trip(text, root)


NOISE = st.sampled_from(
    [*"[]{}=.,#\n\r \\xZ_-:+1\"'\t", "\ufeff", "'''", '"""', "<<<<<<< a", "======="]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NOISE, max_size=40).map("".join))
def test_arbitrary_text_never_raises(text: str) -> None:
    parsed = load_toml("wrangler.toml", text)

    assert (parsed.root is None) == (len(parsed.diagnostics) == 1)


# --- real wrangler files ------------------------------------------------------------


def example_files(*patterns: str) -> list[Path]:
    """Return the example wrangler files, skipping when the folder is absent."""
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is not available")
    return sorted(path for pattern in patterns for path in EXAMPLES.rglob(pattern))


def test_examples_load_like_tomllib() -> None:
    files = example_files("wrangler*.toml")

    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed: ParsedFile = load_toml(str(path), text)
        try:
            expected = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            assert parsed.root is None and parsed.diagnostics, path
            continue
        assert parsed.diagnostics == (), path
        assert parsed.root is not None, path
        assert to_python(parsed.root) == _iso(expected), path
        assert_spans_round_trip(text, parsed.root)


def _iso(value: object) -> object:
    """Return tomllib output with dates and times as ISO strings, as loaded."""
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value
