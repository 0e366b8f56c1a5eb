"""Write docs/rules/ from the rule docstrings: `python tools/gen_rule_docs.py`."""

from __future__ import annotations

import sys
from pathlib import Path

from runart_lint.rules import RULES
from runart_lint.rules.docs import render_index, render_page

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def main() -> int:
    """Regenerate every page and remove pages of rules that no longer exist."""
    DOCS.mkdir(parents=True, exist_ok=True)
    wanted = {f"{rule.id}.md": render_page(rule) for rule in RULES}
    wanted["README.md"] = render_index(RULES)
    for name, text in wanted.items():
        (DOCS / name).write_text(text, encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name not in wanted:
            page.unlink()
    sys.stdout.write(f"wrote {len(wanted)} pages to {DOCS}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
