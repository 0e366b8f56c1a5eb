"""Render an audit as one SARIF 2.1.0 run for GitHub code scanning."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from runart_lint import __version__
from runart_lint.findings import (
    AuditResult,
    Confidence,
    Finding,
    Location,
    NotRun,
    Severity,
)
from runart_lint.loaders.tree import Span
from runart_lint.rules.base import Rule

JsonObject = dict[str, object]

# The URL GitHub's code scanning documentation gives for `$schema`.
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/runart-lint/runart-lint"
SOURCE_ROOT = "%SRCROOT%"
# Our own line-independent key; upload-sarif computes `primaryLocationLineHash`
# itself and warns when a tool fills it differently, so we never write it.
FINGERPRINT_KEY = "runartLint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
PROBLEM_SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "recommendation",
}
# GitHub ranks security alerts by this score: 7.0-8.9 high, 4.0-6.9 medium,
# 0.1-3.9 low.
SECURITY_SEVERITIES = {
    Severity.ERROR: "8.0",
    Severity.WARNING: "5.0",
    Severity.NOTE: "2.0",
}
# Code scanning rejects a whole upload whose run has more results than this.
MAX_RESULTS_PER_RUN = 25_000
PRECISIONS = {
    Confidence.HIGH: "high",
    Confidence.MEDIUM: "medium",
    Confidence.LOW: "low",
}


def render_sarif(
    result: AuditResult,
    rules: Sequence[Rule],
    *,
    category: str = "runart-lint",
    max_results: int = 5000,
) -> str:
    """Return the whole invocation as a SARIF log with a single run.

    Code scanning shows only the first 5,000 results and rejects runs past
    25,000, so past `max_results` (never more than 25,000) the most severe
    findings are kept and a notification says how many were left out.
    """
    if max_results < 0:
        raise ValueError(f"max_results must be 0 or more, not {max_results}")
    max_results = min(max_results, MAX_RESULTS_PER_RUN)
    descriptors = _descriptors(rules, result.findings)
    indexes = {str(descriptor["id"]): i for i, descriptor in enumerate(descriptors)}
    kept = _keep(result.findings, max_results)

    notifications = [_not_run_notification(item) for item in result.not_run]
    if len(kept) < len(result.findings):
        notifications.append(_cap_notification(len(result.findings), len(kept)))

    run: JsonObject = {
        "tool": {"driver": _driver(descriptors)},
        "automationDetails": {"id": f"{category.rstrip('/')}/"},
        "invocations": [
            {
                "executionSuccessful": not result.not_run,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [_result(finding, indexes[finding.rule_id]) for finding in kept],
        # Columns count characters, as the text report shows them.
        "columnKind": "unicodeCodePoints",
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _driver(descriptors: list[JsonObject]) -> JsonObject:
    """Return the tool component that describes runart-lint and its rules."""
    return {
        "name": "runart-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": descriptors,
    }


def _descriptors(
    rules: Sequence[Rule], findings: Iterable[Finding]
) -> list[JsonObject]:
    """Return every registered rule, then a bare entry for any other id reported.

    Findings from outside the registry (loader diagnostics, say) still need a
    rule entry for `ruleIndex` to point at.
    """
    known = {rule.id for rule in rules}
    others = sorted({finding.rule_id for finding in findings} - known)

    described = [_rule_descriptor(rule) for rule in rules]
    return described + [{"id": rule_id, "name": _camel(rule_id)} for rule_id in others]


def _rule_descriptor(rule: Rule) -> JsonObject:
    """Return a rule's SARIF reporting descriptor."""
    meta = rule.meta
    properties: JsonObject = {
        "tags": _tags((*meta.tags, *meta.inputs), security=meta.security),
        "precision": PRECISIONS[meta.confidence],
        "problem.severity": PROBLEM_SEVERITIES[meta.severity],
    }
    if meta.security:
        properties["security-severity"] = SECURITY_SEVERITIES[meta.severity]

    return {
        "id": meta.id,
        "name": _camel(meta.id),
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": rule.section("What it does") or meta.summary},
        "help": {
            "text": rule.section("Why is this bad?") or meta.summary,
            "markdown": rule.doc or meta.summary,
        },
        "helpUri": meta.help_uri,
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": properties,
    }


def _tags(tags: Iterable[str], *, security: bool) -> list[str]:
    """Return the rule's tags and inputs without repeats, `security` if it is one.

    Code scanning lists alerts by tag, and files a rule tagged `security` with
    a `security-severity` under security alerts.
    """
    wanted = [*tags, "security"] if security else list(tags)
    return list(dict.fromkeys(wanted))


def _camel(rule_id: str) -> str:
    """Return `kv-missing-in-env` as `KvMissingInEnv`."""
    words = rule_id.replace("_", "-").split("-")
    return "".join(word[:1].upper() + word[1:] for word in words)


def _keep(findings: Sequence[Finding], max_results: int) -> list[Finding]:
    """Return at most `max_results` findings, most severe first chosen, in order."""
    ranked = sorted(findings, key=_priority)
    return sorted(ranked[:max_results], key=_order)


def _priority(
    finding: Finding,
) -> tuple[bool, int, tuple[str, int, int, str, str], str]:
    """Return the rank for truncation: unsuppressed, then severity, then position."""
    suppressed = finding.suppressed is not None
    return (suppressed, -finding.severity, finding.sort_key(), finding.fingerprint)


def _order(finding: Finding) -> tuple[tuple[str, int, int, str, str], str]:
    """Return the order results are written in: by file, then position."""
    return (finding.sort_key(), finding.fingerprint)


def _result(finding: Finding, rule_index: int) -> JsonObject:
    """Return one finding as a SARIF result."""
    result: JsonObject = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [_location(finding.location)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": number, **_location(location), "message": {"text": text}}
            for number, (location, text) in enumerate(finding.related, start=1)
        ]
    if finding.suppressed is not None:
        result["suppressions"] = [_suppression(finding.suppressed)]
    return result


def _message(finding: Finding) -> str:
    """Return the alert text: the message, then the help on its own line."""
    if not finding.help:
        return finding.message
    return f"{finding.message}\nhelp: {finding.help}"


def _location(location: Location) -> JsonObject:
    """Return a SARIF location: the file and, when known, the region in it."""
    physical: JsonObject = {
        "artifactLocation": {
            "uri": quote(location.path, safe="/"),
            "uriBaseId": SOURCE_ROOT,
        }
    }
    region = _region(location.span)
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _region(span: Span | None) -> JsonObject | None:
    """Return the span as a SARIF region; None when there is no line to show.

    Code scanning rejects a line or column below 1, so a whole-file finding has
    no region and a malformed span is clamped.
    """
    if span is None or span.line < 1:
        return None
    start_col = max(span.col, 1)
    end_line = max(span.end_line, span.line)
    end_col = max(span.end_col, 1 if end_line > span.line else start_col)

    return {
        "startLine": span.line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
    }


def _suppression(reason: str) -> JsonObject:
    """Return the SARIF record of a suppression comment in the source."""
    suppression: JsonObject = {"kind": "inSource"}
    if reason:
        suppression["justification"] = reason
    return suppression


def _not_run_notification(item: NotRun) -> JsonObject:
    """Return the run-level warning for a check that could not run."""
    text = f"not run: {item.check}: {item.reason}"
    return {"level": "warning", "message": {"text": text}}


def _cap_notification(total: int, kept: int) -> JsonObject:
    """Return the run-level warning that some results were left out."""
    text = (
        f"left out {total - kept} of {total} results: the limit is {kept} per run; "
        "the most severe were kept"
    )
    return {"level": "warning", "message": {"text": text}}
