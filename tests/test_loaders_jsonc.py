"""The JSONC loader reads wrangler.json(c) like JSON.parse, with exact positions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runart_lint.loaders.jsonc_doc import MAX_DEPTH, load_jsonc
from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span, to_python

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"

WRANGLER = """\
// wrangler.jsonc
{
  "name": "runart-api", /* the worker */
  "kv_namespaces": [
    { "binding": "CACHE", "id": "0123456789abcdef" },
    {
      "binding": "SESSIONS",
      "id": "fedcba9876543210", // trailing comma next
    },
  ],
  "env": { "production": { "vars": { "N": -1.5e3, "ON": true, "X": null } } },
}
"""

COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*[\s\S]*?\*/')
TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])')


def strip_jsonc(text: str) -> str:
    """Blank out comments and trailing commas so `json.loads` reads the text."""

    def keep_strings(found: re.Match[str]) -> str:
        return found.group() if found.group().startswith('"') else " "

    text = COMMENT.sub(keep_strings, text.removeprefix("\ufeff"))
    return TRAILING_COMMA.sub(keep_strings, text)


def load(text: str) -> Mapping:
    """Load `text`, expecting a clean tree."""
    parsed = load_jsonc("wrangler.jsonc", text)
    assert parsed.diagnostics == ()
    assert isinstance(parsed.root, Mapping)
    return parsed.root


def cut(text: str, span: Span) -> str:
    """Return the text a span covers."""
    lines = [
        line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")
    ]
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


def assert_spans_round_trip(text: str, node: Node) -> None:
    """Check that every value's text parses to its value and every key to its name."""
    if isinstance(node, Scalar):
        assert json.loads(cut(text, node.span)) == node.value
        return
    if isinstance(node, Sequence):
        written = cut(text, node.span)
        assert written.startswith("[") and written.endswith("]")
        for item in node:
            assert_spans_round_trip(text, item)
        return
    for name, entry in node.entries.items():
        assert json.loads(cut(text, entry.key_span)) == name
        assert_spans_round_trip(text, entry.value)


def test_keys_and_values_have_exact_spans() -> None:
    root = load(WRANGLER)

    assert root.span == Span(2, 1, 12, 2)
    assert root.key_span("name") == Span(3, 3, 3, 9)
    assert node_at(root, "name").span == Span(3, 11, 3, 23)
    assert node_at(root, "kv_namespaces").span == Span(4, 20, 10, 4)
    assert node_at(root, "kv_namespaces", 0).span == Span(5, 5, 5, 53)
    assert node_at(root, "kv_namespaces", 0, "id").span == Span(5, 33, 5, 51)
    second = node_at(root, "kv_namespaces", 1)
    assert isinstance(second, Mapping)
    assert second.span == Span(6, 5, 9, 6)
    assert second.key_span("id") == Span(8, 7, 8, 11)
    assert node_at(second, "id").span == Span(8, 13, 8, 31)


def test_values_keep_json_types() -> None:
    root = load(WRANGLER)

    assert to_python(root) == json.loads(strip_jsonc(WRANGLER))
    assert to_python(node_at(root, "env", "production", "vars")) == {
        "N": -1500.0,
        "ON": True,
        "X": None,
    }
    assert node_at(root, "env", "production", "vars", "N").span == Span(11, 43, 11, 49)
    assert_spans_round_trip(WRANGLER, root)


def test_numbers_are_int_or_float_like_json() -> None:
    text = '{"a": 0, "b": -12, "c": 1.0, "d": 1e2, "e": 123456789012345678901234567890}'

    values = to_python(load(text))

    assert values == json.loads(text)
    assert isinstance(values, dict)
    assert [type(value) for value in values.values()] == [int, int, float, float, int]


def test_string_escapes_and_surrogate_pairs() -> None:
    text = r'{"s": "q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00 x", "\u0041": 1}'

    root = load(text)

    assert to_python(root) == json.loads(text)
    assert cut(text, root.key_span("A")) == r'"\u0041"'
    assert cut(text, node_at(root, "s").span).endswith(r'\ude00 x"')
    assert_spans_round_trip(text, root)


def test_lone_surrogate_becomes_the_replacement_character() -> None:
    # A lone surrogate has no UTF-8 form: wrangler's JavaScript sends U+FFFD.
    text = r'{"s\udc00": "a \ud800 b \udbff"}'

    root = load(text)

    assert to_python(root) == {"s\ufffd": "a \ufffd b \ufffd"}
    assert cut(text, node_at(root, "s\ufffd").span) == r'"a \ud800 b \udbff"'


def test_comments_may_hold_json_like_text() -> None:
    text = '{ /* "x": 1, } */ "a": "// not a comment", // "b": 2 }\n "c": "/* nor */" }'

    assert to_python(load(text)) == {"a": "// not a comment", "c": "/* nor */"}


def test_duplicate_key_keeps_last_value_at_first_place() -> None:
    text = '{\n  "id": "a",\n  "name": "w",\n  "id": "b",\n  "id": "c"\n}\n'

    parsed = load_jsonc("wrangler.json", text)

    assert isinstance(parsed.root, Mapping)
    assert to_python(parsed.root) == json.loads(text)
    assert list(parsed.root.keys()) == ["id", "name"]
    assert node_at(parsed.root, "id").span == Span(5, 9, 5, 12)
    assert [(d.code, d.message, d.span) for d in parsed.diagnostics] == [
        (
            "duplicate-key",
            "duplicate key `id` (first defined at line 2)",
            Span(4, 3, 4, 7),
        ),
        (
            "duplicate-key",
            "duplicate key `id` (first defined at line 2)",
            Span(5, 3, 5, 7),
        ),
    ]


def test_bom_and_crlf() -> None:
    text = '\ufeff{\r\n  "name": "w", // c\r\n  "n": 1\r\n}\r\n'

    root = load(text)

    assert to_python(root) == {"name": "w", "n": 1}
    assert node_at(root, "name").span == Span(2, 11, 2, 14)
    assert node_at(root, "n").span == Span(3, 8, 3, 9)


@pytest.mark.parametrize("text", ["", "  \n", "// nothing\n/* at all */\n"])
def test_empty_document_is_an_empty_object(text: str) -> None:
    assert len(load(text)) == 0


def only_diagnostic(text: str) -> tuple[str, str, Span]:
    """Load text that must fail and return its one diagnostic's essentials."""
    parsed = load_jsonc("wrangler.json", text)
    assert parsed.root is None
    assert len(parsed.diagnostics) == 1
    diagnostic = parsed.diagnostics[0]
    assert diagnostic.help[:1].islower()
    assert not diagnostic.message.endswith(".")
    return diagnostic.code, diagnostic.message, diagnostic.span


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        ('{\n  "a": 1\n  "b": 2\n}', "expected `,` or `}` after object member", (3, 3)),
        ('{"a": [1 2]}', "expected `,` or `]` after array element", (1, 10)),
        ("{a: 1}", "expected a double-quoted key", (1, 2)),
        ("{'a': 1}", "expected a double-quoted key", (1, 2)),
        ('{"a" 1}', "expected `:` after object key", (1, 6)),
        ('{"a": }', "expected a value", (1, 7)),
        ("[1,,2]", "expected a value", (1, 4)),
        ("{,}", "expected a double-quoted key", (1, 2)),
        ('{"a": tru}', "expected a value", (1, 7)),
        ('{"a": NaN}', "expected a value", (1, 7)),
        ('{"a": 01}', "invalid number", (1, 7)),
        ('{"a": 1.}', "invalid number", (1, 7)),
        ('{"a": -}', "invalid number", (1, 7)),
        ('{"a": "x\n"}', "unterminated string", (1, 7)),
        ('{"a": "x\\q"}', "invalid escape `\\q` in string", (1, 9)),
        ('{"a": "x\\u12"}', "invalid escape `\\u` in string", (1, 9)),
        ('{"a": "x\ty"}', "unescaped control character in string", (1, 9)),
        ('{"a": 1} /* open', "unterminated comment", (1, 10)),
        ('{"a": 1} {"b": 2}', "unexpected content after the top-level value", (1, 10)),
        (
            '{"a": [1, 2',
            "unexpected end of file, expected `,` or `]` after array element",
            (1, 12),
        ),
        ('{"a": ', "unexpected end of file, expected a value", (1, 7)),
        ('{"a": "abc', "unterminated string", (1, 7)),
        ('{"a": ' + "9" * 5000 + "}", "number has too many digits", (1, 7)),
    ],
)
def test_syntax_errors_have_exact_positions(
    text: str, message: str, span: tuple[int, int]
) -> None:
    assert only_diagnostic(text) == (
        "syntax",
        f"invalid json: {message}",
        Span.point(*span),
    )


def test_merge_conflict_markers() -> None:
    text = (
        '{\n<<<<<<< HEAD\n  "main": "a.ts"\n=======\n  "main": "b.ts"\n>>>>>>> b\n}\n'
    )

    assert only_diagnostic(text) == (
        "merge-conflict",
        "unresolved merge-conflict marker",
        Span(2, 1, 2, 13),
    )


def test_merge_conflict_inside_a_comment_is_still_a_conflict() -> None:
    text = '{\n/*\n<<<<<<< HEAD\n=======\n>>>>>>> b\n*/\n"a": 1}\n'

    assert only_diagnostic(text)[0] == "merge-conflict"


@pytest.mark.parametrize(
    "text",
    ["[" * 10_000, '{"a": ' * 10_000, "[" * 300 + "]" * 300, '{"a":' + "[{}," * 5000],
)
def test_deep_nesting_is_refused(text: str) -> None:
    code, message, span = only_diagnostic(text)

    assert code == "too-deep"
    assert message == f"nesting deeper than {MAX_DEPTH} levels"
    assert span.line == 1


def test_nesting_up_to_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1
    text = '{"a": ' + "[" * depth + "]" * depth + "}"

    assert to_python(load(text)) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "top-level value is an array, not an object"),
        ('"x"', "top-level value is a single value, not an object"),
    ],
)
def test_top_level_value_must_be_an_object(text: str, message: str) -> None:
    assert only_diagnostic(text)[:2] == ("not-an-object", message)


# --- property tests: JSON written with comments, trailing commas and odd spacing ---

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4)
    ),
    max_leaves=16,
)
DOCUMENTS = st.dictionaries(st.text(), VALUES, max_size=6)
GAPS = ["", " ", "\n  ", ' // note } ] , "\n', " /* a */ ", "\t/* multi\n line */\n"]


def write_jsonc(data: st.DataObject, value: object) -> str:
    """Write a value as JSONC, drawing spacing, comments and trailing commas."""

    def gap() -> str:
        return data.draw(st.sampled_from(GAPS))

    def write(item: object) -> str:
        if isinstance(item, dict):
            members = [
                f"{gap()}{scalar(k)}{gap()}:{gap()}{write(v)}" for k, v in item.items()
            ]
            return "{" + ",".join(members) + trailing(members) + gap() + "}"
        if isinstance(item, list):
            elements = [gap() + write(element) for element in item]
            return "[" + ",".join(elements) + trailing(elements) + gap() + "]"
        return scalar(item)

    def trailing(parts: list[str]) -> str:
        return "," if parts and data.draw(st.booleans()) else ""

    def scalar(item: object) -> str:
        return json.dumps(item, ensure_ascii=data.draw(st.booleans()))

    text = gap() + write(value) + gap()
    if data.draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return data.draw(st.sampled_from(["", "\ufeff"])) + text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), DOCUMENTS)
def test_written_documents_round_trip(
    data: st.DataObject, document: dict[str, object]
) -> None:
    text = write_jsonc(data, document)

    root = load(text)

    assert to_python(root) == json.loads(strip_jsonc(text)) == document
    assert_spans_round_trip(text, root)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.sampled_from([None, 0, 2, "\t"]))
def test_json_dumps_round_trips(
    document: dict[str, object], indent: int | str | None
) -> None:
    text = json.dumps(document, indent=indent)

    root = load(text)

    assert to_python(root) == json.loads(text)
    assert_spans_round_trip(text, root)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    parsed = load_jsonc("wrangler.json", text)

    assert parsed.root is not None or len(parsed.diagnostics) == 1


# --- real wrangler files ------------------------------------------------------------


def test_examples_load_like_a_comment_stripping_reader() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is not available")
    files = sorted(EXAMPLES.rglob("wrangler*.json*"))

    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed = load_jsonc(str(path), text)
        try:
            expected = json.loads(strip_jsonc(text))
        except json.JSONDecodeError:
            assert parsed.root is None and parsed.diagnostics, path
            continue
        assert parsed.diagnostics == (), path
        assert parsed.root is not None, path
        assert to_python(parsed.root) == expected, path
        assert_spans_round_trip(text, parsed.root)
