"""Shared test helpers: paths, audits of fixture folders, output normalising."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runart_lint import __version__

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def normalise(text: str) -> str:
    """Replace the tool version and absolute paths so snapshots stay stable."""
    text = text.replace(__version__, "<version>")
    text = text.replace(str(REPO), "<repo>")
    return re.sub(r"/tmp/[^\s\"']+", "<tmp>", text)
