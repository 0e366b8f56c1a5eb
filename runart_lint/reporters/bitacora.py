"""Render one entry of the team's deployment log (the "bitácora") for an audit.

The entry follows the log's own conventions: a level-two heading ending in a
UTC timestamp in ISO 8601 basic format (`20251010T143001Z`), then flat
`- Campo: valor` bullets, statuses in upper case (PASS, FAIL, WARN, SKIPPED)
and paths in backticks. A last bullet carries the audit's id, by which a
second append of the same audit of the same commit is recognised.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from runart_lint.findings import AuditResult
from runart_lint.records import record
from runart_lint.reporters.diagram import build_diagram, mermaid_block
from runart_lint.reporters.markdown import (
    deployers,
    severity_counts,
    top_findings,
    where,
)
from runart_lint.reporters.mdtext import code, inline
from runart_lint.reporters.promotion import Promotion, StageReport, Status, stage_status
from runart_lint.reporters.words import (
    ENGLISH,
    SPANISH,
    Words,
    count_phrase,
    files_phrase,
    words,
)

TOP_FINDINGS = 5
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NOTHING = "—"
_ID_LINE = re.compile(
    rf"^- (?:{re.escape(SPANISH.audit)}|{re.escape(ENGLISH.audit)}): "
    r"`([0-9a-f]{16})`[ \t]*\r?$",
    re.M,
)


@record
class EntryContext:
    """What the entry says beyond the findings: when, which commit, where."""

    timestamp: datetime
    commit: str | None
    branch: str | None
    pack: str
    sarif: str | None = None
    diagram: bool = False


def audit_id(result: AuditResult, *, commit: str | None, pack: str) -> str:
    """Return an id that is the same for the same audit of the same commit.

    It covers the commit, the pack, the mode and every finding and check not
    run, never the time or the language, so running the same audit again, in
    either language, gives the same id.
    """
    parts = [commit or "", pack, "live" if result.live else "offline"]
    parts += sorted(
        "\0".join((f.fingerprint, f.severity.label, str(f.suppressed), f.message))
        for f in result.findings
    )
    parts += sorted(f"{n.check}\0{n.reason}" for n in result.not_run)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def logged_ids(text: str) -> set[str]:
    """Return the audit ids of the entries already in a log."""
    return set(_ID_LINE.findall(text))


def render_title(lang: str = "es") -> str:
    """Return the first lines of a new log: its title and what writes to it."""
    vocabulary = words(lang)
    return f"# {vocabulary.log_title}\n\n{vocabulary.log_intro}\n"


def render_entry(
    result: AuditResult,
    promotion: Promotion,
    context: EntryContext,
    *,
    lang: str = "es",
    top: int = TOP_FINDINGS,
) -> str:
    """Return the log entry of one audit, in Spanish unless `lang` is `en`."""
    vocabulary = words(lang)
    lines = [_heading(context, vocabulary), *_identity(result, context, vocabulary)]
    lines += [_stage_line(report, promotion, vocabulary) for report in promotion.stages]
    lines += _finding_lines(result, vocabulary, top)
    lines += _closing(result, context, vocabulary)

    entry = "\n".join(lines) + "\n"
    if context.diagram and promotion.stages:
        entry += "\n" + mermaid_block(build_diagram(promotion, vocabulary))
    return entry


def _heading(context: EntryContext, vocabulary: Words) -> str:
    """Return the heading with the UTC time in the log's basic ISO format."""
    moment = context.timestamp.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return f"## {vocabulary.entry_heading} — {moment}"


def _identity(
    result: AuditResult, context: EntryContext, vocabulary: Words
) -> list[str]:
    """Return the bullets naming the commit, branch, mode, pack and result."""
    status = stage_status(result.findings, incomplete=bool(result.not_run))
    return [
        f"- {vocabulary.commit}: {_value(context.commit, vocabulary)}",
        f"- {vocabulary.branch}: {_value(context.branch, vocabulary)}",
        f"- {vocabulary.mode}: {'live' if result.live else 'offline'}",
        f"- {vocabulary.pack}: {code(context.pack)}",
        f"- {vocabulary.result}: {status.value}",
    ]


def _value(text: str | None, vocabulary: Words) -> str:
    """Return a name in backticks, or the word for unknown."""
    return code(text) if text else vocabulary.unknown


def _stage_line(report: StageReport, promotion: Promotion, vocabulary: Words) -> str:
    """Return `- Etapa preview: FAIL (1 error, 1 nota)`."""
    notes = []
    if not report.spec.deployed:
        notes.append(vocabulary.not_deployed)
    else:
        if not report.reached:
            notes.append(deployers(report, promotion, vocabulary))
        notes.append(count_phrase(severity_counts(report.findings), vocabulary))
        if report.status is Status.UNKNOWN:
            notes.append(vocabulary.checks_not_run)
    detail = "; ".join(inline(note) for note in notes if note)
    return f"- {vocabulary.stage} {report.name}: {report.status.value} ({detail})"


def _finding_lines(result: AuditResult, vocabulary: Words, top: int) -> list[str]:
    """Return the counts, the most severe findings, and how many are not listed."""
    counts = count_phrase(result.counts(), vocabulary)
    lines = [
        f"- {vocabulary.findings}: {counts}; {result.suppressed_count} "
        f"{vocabulary.suppressed}; {files_phrase(result.files_audited, vocabulary)}"
    ]
    shown = top_findings(result.findings)
    for f in shown[:top]:
        lines.append(
            f"- {vocabulary.finding}: {f.severity.label.upper()} {code(f.rule_id)} "
            f"{vocabulary.at} {code(where(f))}: {inline(f.message)}"
        )
        if f.help:
            lines.append(f"- {vocabulary.fix}: {inline(f.help)}")
    if len(shown) > top:
        lines.append(f"- {vocabulary.others}: {len(shown) - top}")
    return lines


def _closing(
    result: AuditResult, context: EntryContext, vocabulary: Words
) -> list[str]:
    """Return the checks not run, the SARIF file and the audit id."""
    not_run = "; ".join(f"{code(n.check)} ({inline(n.reason)})" for n in result.not_run)
    sarif = code(context.sarif) if context.sarif else NOTHING
    identifier = audit_id(result, commit=context.commit, pack=context.pack)
    return [
        f"- {vocabulary.not_run}: {not_run or NOTHING}",
        f"- {vocabulary.sarif}: {sarif}",
        f"- {vocabulary.audit}: `{identifier}`",
    ]
