"""The YAML loader reads workflows the way GitHub does, positions included."""

from __future__ import annotations

import pytest

from runart_lint.loaders.tree import Mapping, Scalar, Sequence, Span, to_python
from runart_lint.loaders.yaml_doc import load_yaml

ALIASED = """\
on:
  push:
    paths: &cf [ "wrangler.toml", ".github/workflows/deploy.yml" ]
  pull_request:
    paths: *cf
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - &wr
        uses: cloudflare/wrangler-action@v3
        with: { apiToken: "${{ secrets.CLOUDFLARE_API_TOKEN }}", command: deploy }
      - *wr
"""


def test_on_is_a_string_key() -> None:
    parsed = load_yaml("w.yml", "on: push\nyes: no\n")

    assert isinstance(parsed.root, Mapping)
    assert list(parsed.root.keys()) == ["on", "yes"]
    assert to_python(parsed.root) == {"on": "push", "yes": "no"}


def test_core_schema_scalars() -> None:
    parsed = load_yaml("w.yml", "a: true\nb: 3\nc: 1.5\nd: ~\ne: '3'\nf: 0o7\n")

    assert to_python(parsed.root) == {
        "a": True,
        "b": 3,
        "c": 1.5,
        "d": None,
        "e": "3",
        "f": "0o7",
    }


def test_spans_are_one_based() -> None:
    parsed = load_yaml("w.yml", "jobs:\n  build:\n    runs-on: x\n")

    assert isinstance(parsed.root, Mapping)
    jobs = parsed.root.mapping("jobs")
    assert jobs is not None
    entry = jobs.entry("build")
    assert entry is not None
    assert (entry.key_span.line, entry.key_span.col) == (2, 3)
    value = entry.value
    assert isinstance(value, Mapping)
    runs_on = value.scalar("runs-on")
    assert runs_on is not None
    assert (runs_on.span.line, runs_on.span.col, runs_on.span.end_col) == (3, 14, 15)


def test_aliases_resolve_at_the_alias_position() -> None:
    parsed = load_yaml("w.yml", ALIASED)

    assert not parsed.diagnostics
    assert isinstance(parsed.root, Mapping)
    on = parsed.root.mapping("on")
    assert on is not None
    pull_request = on.mapping("pull_request")
    assert pull_request is not None
    paths = pull_request.sequence("paths")
    assert isinstance(paths, Sequence)
    assert [item.text() for item in paths if isinstance(item, Scalar)] == [
        "wrangler.toml",
        ".github/workflows/deploy.yml",
    ]
    assert paths.span.line == 5
    jobs = parsed.root.mapping("jobs")
    assert jobs is not None
    steps = jobs.mapping("deploy").sequence("steps")  # type: ignore[union-attr]
    assert steps is not None
    assert [step.span.line for step in steps] == [10, 13]
    assert to_python(steps.items[0]) == to_python(steps.items[1])


def test_anchor_name_github_rejects() -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with: &git+opts { fetch-depth: 0 }\n"
        "      - uses: actions/checkout@v4\n        with: *git+opts\n"
    )
    parsed = load_yaml("w.yml", text)

    assert parsed.root is None
    [diagnostic] = parsed.diagnostics
    assert diagnostic.code == "anchor-name"
    assert "`git+opts`" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.col) == (7, 15)


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for index in range(1, 10):
        previous, name = chr(96 + index), chr(97 + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    parsed = load_yaml("w.yml", "\n".join(lines) + "\n")

    assert parsed.root is None
    assert parsed.diagnostics[0].code == "too-large"


def test_deep_nesting_is_refused() -> None:
    parsed = load_yaml("w.yml", "[" * 300 + "]" * 300)

    assert parsed.root is None
    assert parsed.diagnostics[0].code == "too-large"


def test_duplicate_key_points_at_the_second() -> None:
    parsed = load_yaml("w.yml", "a: 1\nb: 2\na: 3\n")

    [diagnostic] = parsed.diagnostics
    assert diagnostic.code == "duplicate-key"
    assert diagnostic.span.line == 3
    assert "first defined at line 1" in diagnostic.message


def test_merge_conflict_markers() -> None:
    parsed = load_yaml(
        "w.yml", "on: push\n<<<<<<< HEAD\na: 1\n=======\na: 2\n>>>>>>> x\n"
    )

    assert parsed.root is None
    assert parsed.diagnostics[0].code == "merge-conflict"
    assert parsed.diagnostics[0].span.line == 2


def test_syntax_error_position() -> None:
    parsed = load_yaml("w.yml", "a: [1, 2\nb: 3\n")

    assert parsed.root is None
    assert parsed.diagnostics[0].code == "syntax"
    assert parsed.diagnostics[0].span.line >= 1


def test_empty_and_comment_only_documents() -> None:
    assert load_yaml("w.yml", "").root is None
    assert load_yaml("w.yml", "# all commented out\n").root is None
    assert load_yaml("w.yml", "").diagnostics == ()


def test_bom_and_crlf() -> None:
    parsed = load_yaml("w.yml", "\ufeffon: push\r\njobs: {}\r\n")

    assert to_python(parsed.root) == {"on": "push", "jobs": {}}


def test_a_second_document_is_reported_and_the_first_kept() -> None:
    parsed = load_yaml("w.yml", "on: push\n---\njobs: {}\n")

    assert isinstance(parsed.root, Mapping) and "on" in parsed.root
    (diagnostic,) = parsed.diagnostics
    assert diagnostic.code == "multiple-documents"
    assert diagnostic.span == Span(2, 1, 2, 4)


@pytest.mark.parametrize("text", ["---\non: push\n", "on: push\n...\n"])
def test_one_document_with_its_markers_is_fine(text: str) -> None:
    assert load_yaml("w.yml", text).diagnostics == ()


@pytest.mark.parametrize("end", ["\n", ""])
def test_an_error_at_the_end_points_at_the_last_line(end: str) -> None:
    (diagnostic,) = load_yaml("w.yml", "on: push\njobs:\n  a: [" + end).diagnostics

    assert (diagnostic.span.line, diagnostic.span.col) == (3, 7)


def test_a_merge_key_is_applied_and_reported() -> None:
    text = "base: &b\n  runs-on: u\njobs:\n  a:\n    <<: *b\n    steps: []\n"

    parsed = load_yaml("w.yml", text)

    assert isinstance(parsed.root, Mapping)
    job = parsed.root.mapping("jobs")
    assert job is not None and job.mapping("a") is not None
    assert job.mapping("a").text("runs-on") == "u"  # type: ignore[union-attr]
    (diagnostic,) = parsed.diagnostics
    assert (diagnostic.code, diagnostic.span) == ("merge-key", Span(5, 5, 5, 7))


def test_a_key_written_after_a_merge_overrides_it_without_a_duplicate() -> None:
    text = "d: &d\n  runs-on: a\njob:\n  <<: *d\n  runs-on: x\n"

    parsed = load_yaml("w.yml", text)

    assert [d.code for d in parsed.diagnostics] == ["merge-key"]
    assert isinstance(parsed.root, Mapping)
    assert parsed.root.mapping("job").text("runs-on") == "x"  # type: ignore[union-attr]


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    parsed = load_yaml("w.yml", 'd: &d\n  a: 1\nj:\n  "<<": *d\n')

    assert parsed.diagnostics == ()
    assert isinstance(parsed.root, Mapping)
    assert list(parsed.root.mapping("j").keys()) == ["<<"]  # type: ignore[union-attr]
