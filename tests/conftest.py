"""Shared test helpers: paths, audits of fixture folders, output normalising."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the pack cache of the test run out of the user's home."""
    import os

    os.environ["RUNART_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _every_sarif_is_valid(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Check every SARIF log rendered during a test against the 2.1.0 schema.

    Callers that import `render_sarif` at call time (the command line) get the
    checked version; tests that bind it at import validate it themselves.
    """
    from sarif_schema import SCHEMA_PATH, validate_sarif

    from runart_lint.reporters import sarif

    if SCHEMA_PATH.is_file():
        rendered = sarif.render_sarif

        def checked(*args: Any, **kwargs: Any) -> str:
            text = rendered(*args, **kwargs)
            validate_sarif(json.loads(text))
            return text

        monkeypatch.setattr(sarif, "render_sarif", checked)
    yield
