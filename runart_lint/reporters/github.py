"""Render an audit as GitHub Actions workflow commands: annotations on the diff."""

from __future__ import annotations

from runart_lint.findings import AuditResult, Finding, Severity
from runart_lint.loaders.tree import Span

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "notice",
}


def render_github(result: AuditResult, *, prefix: str = "") -> str:
    """Return one `::error file=...::message` line per unsuppressed finding.

    `prefix` is the audited folder relative to the workspace, so that the
    runner can place each annotation on its file. Findings come most severe
    first, because GitHub shows only the first few annotations of each kind
    per step; checks that did not run become warnings without a file; the
    last line is a plain summary.
    """
    shown = sorted(
        (f for f in result.findings if f.suppressed is None),
        key=lambda f: (-f.severity, f.sort_key()),
    )
    lines = [_annotation(finding, prefix) for finding in shown]
    lines += [
        _command("warning", {"title": "runart-lint"}, f"not run: {n.check}: {n.reason}")
        for n in result.not_run
    ]
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _annotation(finding: Finding, prefix: str) -> str:
    """Return the workflow command of one finding."""
    properties = {
        "file": f"{prefix}{finding.location.path}",
        **_position(finding.location.span),
        "title": f"runart-lint {finding.rule_id}",
    }
    message = (
        f"{finding.message}\nhelp: {finding.help}"
        if finding.help
        else (finding.message)
    )
    return _command(COMMANDS[finding.severity], properties, message)


def _position(span: Span | None) -> dict[str, str]:
    """Return line and column properties; columns only for a one-line span.

    GitHub refuses columns on an annotation that spans several lines, and
    counts `endColumn` as the last character, where our spans end one after.
    """
    if span is None or span.line < 1:
        return {}
    end_line = max(span.end_line, span.line)
    position = {"line": str(span.line), "endLine": str(end_line)}
    if end_line == span.line and span.col >= 1:
        position["col"] = str(span.col)
        position["endColumn"] = str(max(span.end_col - 1, span.col))
    return position


def _command(name: str, properties: dict[str, str], message: str) -> str:
    """Return `::name key=value,...::message` with GitHub's escapes applied."""
    # https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    # escapes `%`, CR and LF in the message, and also `:` and `,` in values.
    values = ",".join(
        f"{key}={_escape_property(value)}" for key, value in properties.items()
    )
    head = f"::{name} {values}" if values else f"::{name}"
    return f"{head}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """Return message text that cannot end the command or start another."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Return a property value that cannot end the property list."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _summary(result: AuditResult) -> str:
    """Return the closing line with counts, suppressions and checks not run."""
    counts = result.counts()
    parts = [
        f"{counts[severity]} {severity.label}{'s' if counts[severity] != 1 else ''}"
        for severity in sorted(Severity, reverse=True)
    ]
    files = f"{result.files_audited} file{'s' if result.files_audited != 1 else ''}"
    return (
        f"runart-lint: {', '.join(parts)} in {files}; "
        f"{result.suppressed_count} suppressed; {len(result.not_run)} not run"
    )
