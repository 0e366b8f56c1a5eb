"""Write the configuration's JSON schema: `python tools/gen_config_schema.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from runart_lint.config import SCHEMA_FILE, render_schema
from runart_lint.rules import RULES

TARGET = Path(__file__).resolve().parent.parent / "runart_lint" / SCHEMA_FILE


def main() -> int:
    """Regenerate the schema shipped in the package."""
    rule_ids = frozenset(rule.id for rule in RULES)
    TARGET.write_text(render_schema(rule_ids), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
