"""Properties of the loaders, the CLI and the redaction layer on generated input.

Fixed seed (RUNART_FUZZ_SEED); RUNART_FUZZ_EXAMPLES scales the example counts.
"""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

import pytest
from fuzz_harness import (
    EXAMPLES,
    SEED,
    call_main,
    check_report,
    time_limit,
    write_files,
)
from fuzz_inputs import (
    CONTROL,
    ESCAPES,
    INVALID_UTF8,
    SYNTAX,
    Seed,
    example_root,
    load_seeds,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from runart_lint.engine import parse
from runart_lint.inputs import read_text
from runart_lint.loaders.discover import FileKind, SourceFile
from runart_lint.loaders.tree import Mapping, Node, ParsedFile, Sequence, Span
from runart_lint.redact import MASK, mask_spans, redact

SCALE = max(EXAMPLES / 12, 0.1)
FAST = settings(
    max_examples=int(100 * SCALE),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=int(25 * SCALE))
SOURCES = {
    "toml": SourceFile("wrangler.toml", FileKind.WRANGLER),
    "json": SourceFile("wrangler.jsonc", FileKind.WRANGLER),
    "yaml": SourceFile(".github/workflows/deploy.yml", FileKind.WORKFLOW),
}
SEEDS = load_seeds(example_root())


def _fragments(family: str) -> st.SearchStrategy[str]:
    """Return text made of a format's syntax, hostile characters and words."""
    pieces = [
        *SYNTAX[family],
        *ESCAPES,
        *CONTROL,
        "\ufeff",
        "\r\n",
        "\r",
        "\x00",
        "<<<<<<< HEAD\n",
        "=======\n",
        ">>>>>>> b\n",
        "&a ",
        "*a",
        "name",
        "env",
        "production",
        "jobs",
        "steps",
        "0",
        "1e9",
        "-",
    ]
    return st.lists(st.sampled_from(pieces) | st.text(max_size=3), max_size=60).map(
        "".join
    )


def _nodes(node: Node | None) -> list[Node]:
    """Return every node of a tree, iteratively (trees can be deep)."""
    found: list[Node] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, Mapping):
            stack.extend(current.entries[key].value for key in current.entries)
        elif isinstance(current, Sequence):
            stack.extend(current.items)
    return found


def _assert_well_formed(parsed: ParsedFile, text: str) -> None:
    """Check what every loader promises, whatever the input.

    A YAML stream of only comments or blanks is an empty document: no tree and
    no diagnostic.
    """
    lines = text.count("\n") + text.count("\r") + 2
    empty_yaml = parsed.path.endswith(".yml") and not parsed.diagnostics
    assert parsed.root is not None or parsed.diagnostics or empty_yaml
    for diagnostic in parsed.diagnostics:
        assert 1 <= diagnostic.span.line < lines, diagnostic
        assert diagnostic.span.col >= 1, diagnostic
        assert diagnostic.message and diagnostic.message[0].islower(), diagnostic
        assert not diagnostic.message.endswith("."), diagnostic
    # An empty YAML value at the end of a stream without a final line break is
    # placed on the line past the end (docs/known-problems.md).
    for node in _nodes(parsed.root):
        assert 1 <= node.span.line <= lines


@pytest.mark.parametrize("family", sorted(SOURCES))
def test_loaders_never_raise_on_hostile_text(family: str) -> None:
    @seed(SEED)
    @FAST
    @given(_fragments(family))
    def check(text: str) -> None:
        with time_limit(10):
            parsed = parse(SOURCES[family], text)
        _assert_well_formed(parsed, text)

    check()


def _mutated(family: str) -> st.SearchStrategy[bytes]:
    """Return real examples of `family` with hostile pieces inserted."""
    pool = SEEDS[family]
    inserts = st.sampled_from(
        [
            *(p.encode() for p in SYNTAX[family] + ESCAPES + CONTROL),
            *INVALID_UTF8,
            b"\x00",
            b"\xef\xbb\xbf",
            b"\r",
            b"<<<<<<< HEAD\n",
            b"[" * 300,
        ]
    )
    edits = st.lists(st.tuples(st.floats(0, 1), inserts), min_size=1, max_size=6)
    return st.builds(_apply, st.sampled_from(pool), edits)


def _apply(example: Seed, edits: list[tuple[float, bytes]]) -> bytes:
    """Insert each piece at its relative position in the example."""
    data = example.data
    for where, piece in edits:
        at = int(where * len(data))
        data = data[:at] + piece + data[at:]
    return data


@pytest.mark.parametrize("family", sorted(SOURCES))
def test_mutated_examples_load_to_trees_or_diagnostics(
    family: str, tmp_path: Path
) -> None:
    if not SEEDS[family]:
        pytest.skip(f"no {family} examples")

    @seed(SEED)
    @FAST
    @given(_mutated(family))
    def check(data: bytes) -> None:
        path = tmp_path / "input"
        path.write_bytes(data)
        text, problem = read_text(path)
        if text is None:
            assert problem is not None and problem.span.line >= 1
            return
        with time_limit(10):
            parsed = parse(SOURCES[family], text)
        _assert_well_formed(parsed, text)

    check()


@pytest.mark.parametrize("family", sorted(SOURCES))
def test_cli_on_mutated_examples_ends_in_findings(family: str, tmp_path: Path) -> None:
    if not SEEDS[family]:
        pytest.skip(f"no {family} examples")
    counter = iter(range(10**9))

    @seed(SEED)
    @SLOW
    @given(_mutated(family), st.sampled_from(["text", "json", "sarif"]))
    def check(data: bytes, output_format: str) -> None:
        repo = tmp_path / str(next(counter))
        write_files(repo, {SOURCES[family].path: data})
        with time_limit(10):
            code, out, err = call_main([str(repo), "--format", output_format])
        assert code in (0, 1), err
        assert "Traceback" not in err and "internal error" not in err
        assert check_report(output_format, out, {SOURCES[family].path: data}) is None

    check()


# --- the redaction layer -------------------------------------------------------------

TOKENS = st.one_of(
    st.text(string.ascii_letters + string.digits, min_size=36, max_size=36).map(
        lambda body: "ghp_" + body
    ),
    st.text(string.ascii_letters + string.digits + "_", min_size=82, max_size=82).map(
        lambda body: "github_pat_" + body
    ),
    st.text(string.ascii_letters + string.digits, min_size=48, max_size=48).map(
        lambda body: "cfut_" + body
    ),
)
SEPARATORS = st.sampled_from([" ", "\n", '"', "'", "=", ": ", "(", "@", "/", "\t"])
PROSE = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@seed(SEED)
@FAST
@given(PROSE, SEPARATORS, TOKENS, SEPARATORS, PROSE)
def test_redact_masks_tokens_wherever_they_are(
    before: str, left: str, token: str, right: str, after: str
) -> None:
    text = before + left + token + right + after
    start = len(before + left) + token.rindex("_") + 1
    end = len(before + left + token)

    masked = redact(text)

    assert len(masked) == len(text)
    assert masked[start:end] == MASK * (end - start)
    assert redact(masked) == masked


@seed(SEED)
@FAST
@given(PROSE)
def test_redact_leaves_text_without_tokens_alone(text: str) -> None:
    assert redact(text) == text


@seed(SEED)
@FAST
@given(
    st.lists(
        st.text(string.printable.replace("\n", "").replace("\r", ""), max_size=30),
        min_size=1,
        max_size=8,
    ),
    st.lists(
        st.tuples(
            st.integers(1, 9), st.integers(1, 31), st.integers(0, 2), st.integers(1, 31)
        ),
        max_size=4,
    ),
)
def test_mask_spans_keeps_lines_and_columns(
    lines: list[str], spans: list[tuple[int, int, int, int]]
) -> None:
    source = "\n".join(lines)
    boxes = [Span(line, col, line + extra, end) for line, col, extra, end in spans]

    masked = mask_spans(source, boxes)

    assert [len(line) for line in masked.split("\n")] == [len(x) for x in lines]
    changed = [
        (number, col)
        for number, (old, new) in enumerate(
            zip(lines, masked.split("\n"), strict=True), start=1
        )
        for col, (a, b) in enumerate(zip(old, new, strict=True), start=1)
        if a != b
    ]
    assert all(_inside(boxes, number, col) for number, col in changed)
    assert all(masked.split("\n")[n - 1][c - 1] == MASK for n, c in changed)


def _inside(spans: list[Span], line: int, col: int) -> bool:
    """Return whether a position lies in one of the spans."""
    return any(_covers(span, line, col) for span in spans)


def _covers(span: Span, line: int, col: int) -> bool:
    """Return whether `span` covers the position (end column exclusive)."""
    after_start = (line, col) >= (span.line, span.col)
    before_end = line < span.end_line or (line == span.end_line and col < span.end_col)
    return after_start and before_end


def test_random_tokens_are_masked_in_a_real_report(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    token = "ghp_" + "".join(rng.choice(string.ascii_letters) for _ in range(36))
    workflow = f"on: push\nkey: 1\nkey: 2 # {token}\n"
    write_files(tmp_path, {".github/workflows/x.yml": workflow.encode()})

    code, out, err = call_main([str(tmp_path), "--no-color"])

    assert code == 1
    assert re.search(r"ghp_\*{36}", out)
    assert token[4:] not in out + err
