"""What the fake API sends back for one request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    """A status, a JSON body (None for none), headers, and the endpoint's name."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""


def stable_id(*parts: object) -> str:
    """Return a UUID that is the same for the same parts, run after run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def timestamp(index: int, day: int = 20) -> str:
    """Return a fixed ISO timestamp, earlier for a larger `index`."""
    return f"2025-11-{max(day - index, 1):02d}T09:{index % 60:02d}:00Z"


def number(value: str | None, default: int) -> int:
    """Return a query parameter as a number, or the default."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
