"""`runart-lint rules`: one aligned row per rule: id, severity, inputs, live."""

from __future__ import annotations

import pytest

from runart_lint.cli import main
from runart_lint.rules import RULES


def test_rules_lists_id_severity_inputs_and_live_need(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules"]) == 0

    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["RULE", "SEVERITY", "INPUTS", "LIVE", "API", "SUMMARY"]
    assert len(rows) == len(RULES)
    for rule, row in zip(RULES, rows, strict=True):
        live = "needed" if rule.meta.needs_live else "no"
        cells = row.split(maxsplit=4)
        assert cells[:4] == [
            rule.id,
            rule.meta.severity.label,
            ",".join(rule.meta.inputs),
            live,
        ]
        assert cells[4] == rule.meta.summary
    assert len({row.index(row.split()[1]) for row in rows}) == 1
