"""Run the hostile-input campaign and print, check or write its SECURITY.md table.

    python tools/fuzz_report.py            # print the table
    python tools/fuzz_report.py --write    # put it in SECURITY.md
    python tools/fuzz_report.py --check    # exit 1 when SECURITY.md differs

The seed and size come from RUNART_FUZZ_SEED and RUNART_FUZZ_EXAMPLES; the
table in SECURITY.md is the one of the defaults.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECURITY = REPO / "SECURITY.md"
sys.path.insert(0, str(REPO / "tests"))

from fuzz_campaign import render_table, replace_table, run_in_temporary_folder  # noqa: E402


def main(argv: list[str]) -> int:
    """Run the campaign, then print the table or compare it with SECURITY.md."""
    with tempfile.TemporaryDirectory(prefix="runart-cache-") as cache:
        os.environ.setdefault("RUNART_LINT_CACHE_DIR", cache)
        campaign = run_in_temporary_folder()
    table = render_table(campaign)
    for line in campaign.failures():
        sys.stderr.write(f"failed: {line}\n")

    document = SECURITY.read_text(encoding="utf-8")
    if "--write" in argv:
        _write(SECURITY, replace_table(document, table))
        sys.stdout.write(f"wrote the table to {SECURITY}\n")
    elif "--check" in argv and table not in document:
        sys.stderr.write("SECURITY.md is stale: run tools/fuzz_report.py --write\n")
        return 1
    elif "--check" not in argv:
        sys.stdout.write(table)
    return 1 if campaign.failures() else 0


def _write(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
