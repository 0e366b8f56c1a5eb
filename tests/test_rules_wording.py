"""What every finding says: a lowercase message, a help line starting with a verb.

Every rule runs over every rule fixture, the example pipeline, the real
pipeline and the public corpus. A finding more severe than its rule's default
must be one the rule's page documents at that severity.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, SHARED

from runart_lint.engine import audit_repository
from runart_lint.findings import Finding
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import RULES, invalid_config_type
from runart_lint.rules.base import Rule, rule_from_module

EVERY_RULE: tuple[Rule, ...] = (
    *RULES,
    *(
        rule_from_module(module)
        for module in (invalid_config_type,)
        if module.META.id not in {rule.id for rule in RULES}
    ),
)
BY_ID = {rule.id: rule for rule in EVERY_RULE}


def _folders() -> list[object]:
    """Return every repository the wording is checked on."""
    folders = sorted(
        path
        for root in (FIXTURES / "rules", FIXTURES / "pending")
        for path in root.glob("*/*")
        if path.is_dir()
    )
    folders.append(REPO / "examples")
    public = SHARED / "examples" / "public"
    if public.is_dir():
        folders += sorted(p for p in public.iterdir() if p.is_dir())
    if (SHARED / "examples" / "runart-foundry").is_dir():
        folders.append(SHARED / "examples" / "runart-foundry")
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in folders]


@functools.cache
def _findings(folder: Path) -> list[Finding]:
    """Audit `folder` with every rule, its own `pack.toml` replacing the default."""
    pack_file = folder / "pack.toml"
    pack = load_pack(str(pack_file) if pack_file.exists() else None)
    result, _ = audit_repository(folder, pack, EVERY_RULE, Options())
    return list(result.findings)


@pytest.mark.parametrize("folder", _folders())
def test_messages_and_help_follow_the_house_style(folder: Path) -> None:
    for finding in _findings(folder):
        where = f"{finding.rule_id} at {finding.location.describe()}"
        assert re.match(r"[a-z`(]|[A-Z0-9]{2,} ", finding.message), (
            f"{where}: {finding.message}"
        )
        assert not finding.message.endswith("."), f"{where}: {finding.message}"
        assert "\n" not in finding.message and "\n" not in finding.help, where
        assert re.match(r"[a-z]+ ", finding.help), f"{where}: {finding.help}"
        assert not re.search(r"\b(\w+) \1\b", finding.help + finding.message), where


@pytest.mark.parametrize("folder", _folders())
def test_findings_stronger_than_the_default_are_documented(folder: Path) -> None:
    for finding in _findings(folder):
        rule = BY_ID[finding.rule_id]
        if finding.severity <= rule.meta.severity:
            continue
        documented = rule.section("What it does").replace("\n", " ")
        label = finding.severity.label
        assert re.search(rf"\b(an? )?{label}\b", documented), (
            f"{rule.id} reports an {label} but its default is "
            f"{rule.meta.severity.label} and its page does not say when"
        )
