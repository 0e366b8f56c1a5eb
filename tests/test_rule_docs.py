"""Rule pages are complete, current, and their examples really behave."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from runart_lint.engine import audit_repository
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import RULES
from runart_lint.rules.base import Rule
from runart_lint.rules.docs import example, missing_sections, render_index, render_page

DOCS = REPO / "docs" / "rules"
IDS = [pytest.param(rule, id=rule.id) for rule in RULES]


@pytest.mark.parametrize("rule", IDS)
def test_page_has_required_sections(rule: Rule) -> None:
    assert missing_sections(rule) == []


@pytest.mark.parametrize("rule", IDS)
def test_page_is_current(rule: Rule) -> None:
    page = DOCS / f"{rule.id}.md"

    assert page.is_file(), f"run `python tools/gen_rule_docs.py` to add {page.name}"
    assert page.read_text(encoding="utf-8") == render_page(rule), (
        f"{page.name} is stale: run `python tools/gen_rule_docs.py`"
    )


def test_index_is_current() -> None:
    assert (DOCS / "README.md").read_text(encoding="utf-8") == render_index(RULES)


def test_no_page_without_a_rule() -> None:
    names = {f"{rule.id}.md" for rule in RULES} | {"README.md"}
    assert {page.name for page in DOCS.glob("*.md")} <= names


def _audit(files: dict[str, str], folder: Path, rule: Rule) -> list[str]:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    pack_file = folder / "pack.toml"
    pack = load_pack(str(pack_file) if pack_file.exists() else None)
    result, _ = audit_repository(
        folder, pack, RULES, Options(select=frozenset({rule.id}))
    )
    assert not result.not_run
    return [f.message for f in result.findings if f.rule_id == rule.id]


@pytest.mark.parametrize("rule", IDS)
def test_example_fires_and_fix_is_quiet(rule: Rule, tmp_path: Path) -> None:
    files = example(rule)
    assert files.bad, "the Example section names no file"
    assert files.good, "the Example section has no `Use instead:` files"
    if rule.meta.needs_live:
        pytest.skip(
            "live examples run against the fake API in tests/test_live_rules.py"
        )

    assert _audit(files.bad, tmp_path / "bad", rule), "the example does not fire"
    assert _audit(files.good, tmp_path / "good", rule) == []
