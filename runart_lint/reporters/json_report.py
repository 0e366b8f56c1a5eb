"""Render an audit as a stable JSON document for scripts and dashboards."""

from __future__ import annotations

import json

from runart_lint import __version__
from runart_lint.findings import AuditResult, Finding, Location, NotRun, Severity
from runart_lint.loaders.tree import Span

FORMAT_VERSION = 1


def render_json(result: AuditResult) -> str:
    """Return the audit as a JSON object with sorted keys and a trailing newline.

    Format version 1, all keys always present:

    - `version`: 1; `tool`: `{"name": "runart-lint", "version": ...}`.
    - `findings`: suppressed ones included, in file and position order, each
      with `rule_id`, `severity` (error, warning, note), `confidence` (high,
      medium, low), `message`, `help`, `path` (repository-relative POSIX),
      `line`, `column`, `end_line`, `end_column` (1-based, end column
      exclusive, null when the finding has no position), `fingerprint` (stable
      across line moves), `suppressed` (bool), `suppression_reason` (string or
      null) and `related`: `[{path, line, column, message}]`.
    - `not_run`: `[{check, reason}]` for checks that could not run.
    - `summary`: unsuppressed counts `error`, `warning`, `note`, then
      `suppressed`, `baselined` (findings left out because the baseline
      holds them) and `files` (files audited).

    Within a format version keys are only ever added, never removed or retyped.
    """
    findings = sorted(result.findings, key=Finding.sort_key)
    counts = result.counts()

    document = {
        "version": FORMAT_VERSION,
        "tool": {"name": "runart-lint", "version": __version__},
        "findings": [_finding(finding) for finding in findings],
        "not_run": [_not_run(item) for item in result.not_run],
        "summary": {
            **{severity.label: counts[severity] for severity in Severity},
            "suppressed": result.suppressed_count,
            "baselined": result.baselined,
            "files": result.files_audited,
        },
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _finding(finding: Finding) -> dict[str, object]:
    """Return one finding as a JSON object."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "message": finding.message,
        "help": finding.help,
        "path": finding.location.path,
        **_span(finding.location.span),
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed is not None,
        "suppression_reason": finding.suppressed,
        "related": [_related(location, text) for location, text in finding.related],
    }


def _span(span: Span | None) -> dict[str, int | None]:
    """Return the position keys of a finding, null when there is no span."""
    if span is None:
        return dict.fromkeys(("line", "column", "end_line", "end_column"))
    return {
        "line": span.line,
        "column": span.col,
        "end_line": span.end_line,
        "end_column": span.end_col,
    }


def _related(location: Location, message: str) -> dict[str, object]:
    """Return a related location as a JSON object."""
    span = location.span
    return {
        "path": location.path,
        "line": span.line if span is not None else None,
        "column": span.col if span is not None else None,
        "message": message,
    }


def _not_run(item: NotRun) -> dict[str, str]:
    """Return a check that did not run as a JSON object."""
    return {"check": item.check, "reason": item.reason}
