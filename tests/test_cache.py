"""The parse cache: hits give the same results, damaged entries are ignored."""

from __future__ import annotations

from pathlib import Path

from runart_lint.loaders.cache import ParseCache
from runart_lint.loaders.tree import to_python
from runart_lint.loaders.yaml_doc import load_yaml

WORKFLOW = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n"


def test_hit_gives_the_same_tree_and_spans(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    first = cache.parse("w.yml", "workflow", WORKFLOW, load_yaml)
    second = ParseCache(tmp_path).parse("w.yml", "workflow", WORKFLOW, _refuse)

    assert to_python(second.root) == to_python(first.root)
    assert second.root is not None and first.root is not None
    assert second.root.span == first.root.span
    assert cache.misses == 1


def test_diagnostics_are_cached(tmp_path: Path) -> None:
    text = "a: 1\na: 2\n"
    first = ParseCache(tmp_path).parse("w.yml", "workflow", text, load_yaml)
    second = ParseCache(tmp_path).parse("w.yml", "workflow", text, _refuse)

    assert second.diagnostics == first.diagnostics
    assert second.diagnostics[0].code == "duplicate-key"


def test_damaged_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    ParseCache(tmp_path).parse("w.yml", "workflow", WORKFLOW, load_yaml)
    [entry] = [p for p in tmp_path.rglob("*") if p.is_file()]
    data = bytearray(entry.read_bytes())
    data[-3] ^= 0xFF
    entry.write_bytes(bytes(data))

    cache = ParseCache(tmp_path)
    parsed = cache.parse("w.yml", "workflow", WORKFLOW, load_yaml)

    assert cache.misses == 1
    assert to_python(parsed.root) == to_python(load_yaml("w.yml", WORKFLOW).root)
    assert ParseCache(tmp_path).parse("w.yml", "workflow", WORKFLOW, _refuse)


def test_truncated_entry_is_ignored(tmp_path: Path) -> None:
    ParseCache(tmp_path).parse("w.yml", "workflow", WORKFLOW, load_yaml)
    [entry] = [p for p in tmp_path.rglob("*") if p.is_file()]
    entry.write_bytes(entry.read_bytes()[:10])

    cache = ParseCache(tmp_path)
    cache.parse("w.yml", "workflow", WORKFLOW, load_yaml)

    assert cache.misses == 1


def test_unwritable_cache_still_parses(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    parsed = ParseCache(blocker).parse("w.yml", "workflow", WORKFLOW, load_yaml)

    assert parsed.root is not None


def _refuse(path: str, text: str) -> object:
    raise AssertionError("the cache should have answered")


def test_cached_runs_report_exactly_what_uncached_runs_do(
    tmp_path: Path, monkeypatch: object, capsys: object
) -> None:
    import pytest
    from conftest import REPO

    from runart_lint.cli import main

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    assert isinstance(capsys, pytest.CaptureFixture)
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path))
    outputs = []
    for extra in (["--no-cache"], [], []):
        main([str(REPO / "examples"), "--format", "json", *extra])
        outputs.append(capsys.readouterr().out)

    assert outputs[0] == outputs[1] == outputs[2]
    assert list(tmp_path.rglob("*")), "the cache was not written"
