"""Every rule against its fixtures: `positive/` must fire, `negative/` must not.

Fixture folders live in `tests/fixtures/rules/<rule-id>/{positive,negative}/`,
each a small repository. A `pack.toml` inside a fixture replaces the default
rule pack for that fixture. The findings of every positive fixture are
snapshot-tested as users see them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, normalise

from runart_lint.engine import audit_repository
from runart_lint.findings import AuditResult, Severity
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.reporters.text import render_text
from runart_lint.rules import RULES, rule_by_id

RULE_FIXTURES = FIXTURES / "rules"


def _cases(kind: str) -> list[object]:
    cases = []
    for folder in sorted(RULE_FIXTURES.glob(f"*/{kind}*")):
        if folder.is_dir():
            cases.append(pytest.param(folder, id=f"{folder.parent.name}/{folder.name}"))
    return cases


def audit_fixture(folder: Path, rule_id: str) -> AuditResult:
    """Audit a fixture folder with only `rule_id` selected."""
    pack_file = folder / "pack.toml"
    pack = load_pack(str(pack_file) if pack_file.exists() else None)
    options = Options(select=frozenset({rule_id}))
    result, _ = audit_repository(folder, pack, RULES, options)
    return result


def test_every_rule_has_both_fixtures() -> None:
    # Live rules fire or stay quiet by account state: tests/test_live_rules.py.
    for rule in (r for r in RULES if not r.meta.needs_live):
        folder = RULE_FIXTURES / rule.id
        assert any(folder.glob("positive*")), f"{rule.id} has no positive fixture"
        assert any(folder.glob("negative*")), f"{rule.id} has no negative fixture"


def test_fixture_folders_name_real_rules() -> None:
    for folder in RULE_FIXTURES.iterdir():
        assert rule_by_id(folder.name) is not None, f"no rule {folder.name}"


@pytest.mark.parametrize("folder", _cases("positive"))
def test_positive_fixture_fires(folder: Path, snapshot: object) -> None:
    rule_id = folder.parent.name
    result = audit_fixture(folder, rule_id)

    assert [f for f in result.findings if f.rule_id == rule_id], "rule did not fire"
    assert not result.not_run
    assert normalise(render_text(result, color=False)) == snapshot


@pytest.mark.parametrize("folder", _cases("negative"))
def test_negative_fixture_is_quiet(folder: Path) -> None:
    rule_id = folder.parent.name
    result = audit_fixture(folder, rule_id)

    assert [f.message for f in result.findings if f.rule_id == rule_id] == []
    assert not result.not_run


def test_a_workflow_github_never_runs_gets_notes_only(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "site" / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "ci.yml").write_text("- on: push\n", encoding="utf-8")

    result = audit_fixture(tmp_path, "invalid-workflow")

    (finding,) = result.findings
    assert finding.severity is Severity.NOTE
