"""Validate SARIF documents against the 2.1.0 schema kept beside the repository."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

# Read in place from the shared folder next to the checkout; never copied in.
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "sarif-schema-2.1.0.json"
)

needs_schema = pytest.mark.skipif(
    not SCHEMA_PATH.is_file(), reason=f"SARIF schema not found at {SCHEMA_PATH}"
)


def require_schema() -> None:
    """Skip the calling test when the SARIF schema is not available."""
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH}")


@functools.cache
def _validators() -> tuple[Validator, ...]:
    """Return a Draft-07 validator and one for the dialect the schema declares."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    classes = dict.fromkeys([Draft7Validator, validator_for(schema, Draft7Validator)])

    # No `check_schema`: the shared copy fails its own metaschema because the
    # 2.1.0 erratum's region `anyOf` sits inside `region.properties`, so that
    # one constraint (a region needs `startLine`) is not enforced here; the
    # reporter tests assert it themselves.
    return tuple(cls(schema, format_checker=cls.FORMAT_CHECKER) for cls in classes)


def validate_sarif(doc: dict[str, Any]) -> None:
    """Raise `jsonschema.ValidationError` unless `doc` is valid SARIF 2.1.0.

    The test calling this is skipped when the schema file is absent.
    """
    require_schema()
    for validator in _validators():
        validator.validate(doc)
