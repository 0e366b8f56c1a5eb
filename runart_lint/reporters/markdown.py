"""Render an audit as the Markdown summary of a CI job (`$GITHUB_STEP_SUMMARY`)."""

from __future__ import annotations

from collections.abc import Iterable

from runart_lint.findings import AuditResult, Finding, Severity
from runart_lint.reporters.diagram import build_diagram, mermaid_block
from runart_lint.reporters.mdtext import cell, code
from runart_lint.reporters.promotion import (
    LinkState,
    Promotion,
    StageReport,
    stage_status,
)
from runart_lint.reporters.words import Words, count_phrase, files_phrase, words

MAX_ROWS = 50


def render_markdown(
    result: AuditResult,
    promotion: Promotion,
    *,
    pack: str,
    lang: str = "es",
    max_rows: int = MAX_ROWS,
) -> str:
    """Return the summary: result, stages, the promotion diagram, findings."""
    vocabulary = words(lang)
    sections = [
        _heading(result, vocabulary),
        _overview(result, pack, vocabulary),
        _stages(promotion, vocabulary),
        _diagram(promotion, vocabulary),
        _findings(result, vocabulary, max_rows),
        _not_run(result, vocabulary),
    ]
    return "\n".join(section for section in sections if section)


def top_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Return the unsuppressed findings, most severe first, then by place."""
    shown = [f for f in findings if f.suppressed is None]
    return sorted(shown, key=lambda f: (-f.severity, f.sort_key()))


def where(finding: Finding) -> str:
    """Return `path:line:col` of a finding, or its path when it has no line."""
    return finding.location.describe()


def _heading(result: AuditResult, vocabulary: Words) -> str:
    """Return the title with the overall result."""
    status = stage_status(result.findings, incomplete=bool(result.not_run))
    return f"## {vocabulary.summary_heading}: {status.value}\n"


def _overview(result: AuditResult, pack: str, vocabulary: Words) -> str:
    """Return the line of counts, suppressions, checks not run, pack and mode."""
    counts = count_phrase(result.counts(), vocabulary)
    parts = [
        f"**{counts}** · {files_phrase(result.files_audited, vocabulary)}",
        f"{result.suppressed_count} {vocabulary.suppressed}",
        f"{len(result.not_run)} {vocabulary.unrun}",
        f"{vocabulary.pack.lower()} {code(pack)}",
        "live" if result.live else "offline",
    ]
    return " · ".join(parts) + "\n"


def _stages(promotion: Promotion, vocabulary: Words) -> str:
    """Return the table of stages, their result, deploying workflows, findings."""
    if not promotion.stages:
        return ""
    header = (
        f"### {vocabulary.stages}\n\n"
        f"| {vocabulary.stage} | {vocabulary.result} | {vocabulary.deployed_by} "
        f"| {vocabulary.findings} |\n| --- | --- | --- | --- |\n"
    )
    rows = [_stage_row(report, promotion, vocabulary) for report in promotion.stages]
    return header + "".join(rows)


def _stage_row(report: StageReport, promotion: Promotion, vocabulary: Words) -> str:
    """Return one row of the stage table."""
    deployed_by = deployers(report, promotion, vocabulary) or "—"
    if not report.spec.deployed:
        found = vocabulary.not_deployed
    else:
        found = count_phrase(severity_counts(report.findings), vocabulary)
    return (
        f"| {cell(report.name)} | {report.status.value} | {cell(deployed_by)} "
        f"| {cell(found)} |\n"
    )


def deployers(report: StageReport, promotion: Promotion, vocabulary: Words) -> str:
    """Return the workflows that deploy a stage, and the planned ones that fail to."""
    parts = []
    for link in promotion.workflows_of(report.name):
        name = code(link.workflow.rsplit("/", 1)[-1])
        if link.state is LinkState.UNCERTAIN:
            parts.append(f"{name} ({vocabulary.uncertain})")
        elif link.state is LinkState.BROKEN:
            text = vocabulary.planned_elsewhere.format(stage=", ".join(link.actual))
            parts.append(f"✗ {name} ({text})")
        elif link.state is LinkState.MISSING:
            reason = vocabulary.no_deploy if link.present else vocabulary.missing_file
            parts.append(f"✗ {name} ({reason})")
        else:
            parts.append(name)
    if report.spec.deployed and not report.reached and not parts:
        parts.append(f"✗ {vocabulary.no_deploy}")
    return ", ".join(parts)


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Return how many unsuppressed findings there are of each severity."""
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        if finding.suppressed is None:
            counts[finding.severity] += 1
    return counts


def _diagram(promotion: Promotion, vocabulary: Words) -> str:
    """Return the promotion diagram as a Mermaid block GitHub draws."""
    if not promotion.stages:
        return ""
    diagram = build_diagram(promotion, vocabulary)
    return f"### {vocabulary.promotion}\n\n{mermaid_block(diagram)}"


def _findings(result: AuditResult, vocabulary: Words, max_rows: int) -> str:
    """Return the table of the most severe findings, and how many more there are."""
    shown = top_findings(result.findings)
    if not shown:
        return ""
    header = (
        f"### {vocabulary.findings}\n\n"
        f"| {vocabulary.severity} | {vocabulary.rule} | {vocabulary.location} "
        f"| {vocabulary.message} | {vocabulary.fix} |\n"
        "| --- | --- | --- | --- | --- |\n"
    )
    rows = [
        f"| {f.severity.label.upper()} | {cell(code(f.rule_id))} "
        f"| {cell(code(where(f)))} | {cell(f.message)} | {cell(f.help)} |\n"
        for f in shown[:max_rows]
    ]
    rest = len(shown) - max_rows
    more = f"\n_{vocabulary.more.format(count=rest)}_\n" if rest > 0 else ""
    return header + "".join(rows) + more


def _not_run(result: AuditResult, vocabulary: Words) -> str:
    """Return the list of checks that did not run, with the reasons."""
    if not result.not_run:
        return ""
    items = [f"- {code(n.check)}: {cell(n.reason)}\n" for n in result.not_run]
    return f"### {vocabulary.not_run}\n\n" + "".join(items)
