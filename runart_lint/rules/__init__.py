"""The registry: every rule, sorted by id, imported explicitly."""

from __future__ import annotations

from runart_lint.rules import (
    invalid_file,
)
from runart_lint.rules.base import Rule, rule_from_module

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            rule_from_module(invalid_file),
        ),
        key=lambda rule: rule.id,
    )
)


def rule_by_id(rule_id: str) -> Rule | None:
    """Return the registered rule with this id."""
    return next((rule for rule in RULES if rule.id == rule_id), None)
