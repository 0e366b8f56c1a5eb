"""Scenarios: TOML files under scenarios/, each optionally on top of a `base`."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def scenario_names() -> list[str]:
    """Return the names of every scenario file."""
    return sorted(path.stem for path in SCENARIOS.glob("*.toml"))


def load_scenario(name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a scenario with its bases merged under it, and `extra` over it."""
    data = tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))
    base = data.pop("base", None)
    merged = merge(load_scenario(base), data) if base else data
    return merge(merged, extra or {})


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with `over` merged in: tables merge, anything else replaces."""
    result = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result
