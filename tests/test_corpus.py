"""Every real repository in ../shared/examples: no traceback, valid SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED
from sarif_schema import validate_sarif

from runart_lint.cli import main

EXAMPLES = SHARED / "examples"


def _corpus() -> list[object]:
    if not EXAMPLES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="no ../shared"))]
    folders = [EXAMPLES / "runart-foundry"]
    folders += sorted(p for p in (EXAMPLES / "public").iterdir() if p.is_dir())
    return [pytest.param(folder, id=folder.name) for folder in folders]


@pytest.mark.parametrize("folder", _corpus())
def test_real_repository_audits_cleanly(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.sarif"

    code = main([str(folder), "--format", "sarif", "-o", str(out)])

    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "internal error" not in captured.err
    assert code in (0, 1), captured.err
    validate_sarif(json.loads(out.read_text(encoding="utf-8")))


def test_example_pipeline_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import REPO

    code = main([str(REPO / "examples"), "--no-color"])

    out = capsys.readouterr().out
    assert code == 1
    assert "Traceback" not in out
