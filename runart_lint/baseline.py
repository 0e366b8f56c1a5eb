"""Baselines: the findings a repository already had, so only new ones are shown."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from runart_lint.findings import AuditResult, Finding
from runart_lint.records import record, replace

FORMAT_VERSION = 1


@record
class Baseline:
    """How many findings of each fingerprint the baseline accepts."""

    path: str
    counts: dict[str, int]


class BaselineError(Exception):
    """A baseline file that cannot be read, with the file and what is wrong."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{message} ({path})")
        self.path = path


def render_baseline(findings: Iterable[Finding]) -> str:
    """Return the baseline of the unsuppressed findings as stable JSON.

    Entries hold no line numbers and are sorted by file, rule and fingerprint,
    so moving code or reordering findings leaves the file unchanged.
    """
    shown = [f for f in findings if f.suppressed is None]
    counts = Counter(f.fingerprint for f in shown)
    first = {f.fingerprint: f for f in reversed(shown)}

    entries = [
        {
            "fingerprint": fingerprint,
            "rule_id": first[fingerprint].rule_id,
            "path": first[fingerprint].location.path,
            "count": count,
        }
        for fingerprint, count in counts.items()
    ]
    entries.sort(key=lambda e: (e["path"], e["rule_id"], e["fingerprint"]))
    document = {"version": FORMAT_VERSION, "tool": "runart-lint", "findings": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_baseline(path: str, text: str) -> Baseline:
    """Parse a baseline file's text, refusing anything but this format."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(
            path,
            f"baseline is not valid JSON: {error.msg} at line "
            f"{error.lineno} column {error.colno}",
        ) from None
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise BaselineError(
            path, f"baseline is not a runart-lint baseline of version {FORMAT_VERSION}"
        )

    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(path, "baseline has no `findings` list")
    counts: dict[str, int] = {}
    for index, entry in enumerate(entries):
        fingerprint, count = _entry(path, index, entry)
        counts[fingerprint] = counts.get(fingerprint, 0) + count
    return Baseline(path, counts)


def _entry(path: str, index: int, entry: object) -> tuple[str, int]:
    """Return the fingerprint and count of one baseline entry."""
    if not isinstance(entry, dict):
        raise BaselineError(path, f"`findings[{index}]` is not an object")
    fingerprint = entry.get("fingerprint")
    count = entry.get("count", 1)
    if not isinstance(fingerprint, str) or not fingerprint:
        raise BaselineError(path, f"`findings[{index}].fingerprint` is not a string")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(
            path, f"`findings[{index}].count` is not a positive integer"
        )
    return fingerprint, count


def apply_baseline(result: AuditResult, baseline: Baseline) -> AuditResult:
    """Return the result without the findings the baseline accepts.

    Each fingerprint hides at most as many findings as the baseline counted,
    so a second copy of an accepted problem is still reported.
    """
    left = dict(baseline.counts)
    kept: list[Finding] = []
    for finding in result.findings:
        if finding.suppressed is None and left.get(finding.fingerprint, 0) > 0:
            left[finding.fingerprint] -= 1
            continue
        kept.append(finding)

    hidden = len(result.findings) - len(kept)
    return replace(result, findings=tuple(kept), baselined=result.baselined + hidden)


def stale_entries(result: AuditResult, baseline: Baseline) -> int:
    """Return how many accepted findings no longer occur (fixed since)."""
    now = Counter(f.fingerprint for f in result.findings if f.suppressed is None)
    return sum(max(count - now[fp], 0) for fp, count in baseline.counts.items())
