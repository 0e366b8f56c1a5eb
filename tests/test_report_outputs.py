"""The reports people read: log entry, job summary, annotations, promotion diagram."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import REPO, shared_path
from syrupy.assertion import SnapshotAssertion

from runart_lint.engine import audit_repository
from runart_lint.findings import AuditResult, Finding, Location, NotRun, Severity
from runart_lint.graph.model import Audit
from runart_lint.inputs import Options
from runart_lint.loaders.tree import Span
from runart_lint.pack import load_pack
from runart_lint.records import replace
from runart_lint.reporters.bitacora import (
    EntryContext,
    audit_id,
    logged_ids,
    render_entry,
    render_title,
)
from runart_lint.reporters.diagram import build_diagram, render_dot, render_mermaid
from runart_lint.reporters.github import render_github
from runart_lint.reporters.markdown import render_markdown
from runart_lint.reporters.mdtext import cell, code, inline
from runart_lint.reporters.promotion import (
    LinkState,
    Promotion,
    Status,
    build_promotion,
)
from runart_lint.reporters.words import words
from runart_lint.rules import RULES

PIPELINES = ("examples", "runart-foundry")
COMMIT = "0123456789abcdef0123456789abcdef01234567"
WHEN = datetime(2025, 10, 10, 14, 30, 1, tzinfo=UTC)


_AUDITS: dict[str, tuple[AuditResult, Audit]] = {}


def _audited(name: str) -> tuple[AuditResult, Audit]:
    """Return the audit of the bundled example or of the real pipeline, once."""
    root = (
        REPO / "examples"
        if name == "examples"
        else shared_path("examples", "runart-foundry")
    )
    if name not in _AUDITS:
        _AUDITS[name] = audit_repository(root, load_pack(None), RULES, Options())
    return _AUDITS[name]


def _promotion(name: str) -> tuple[AuditResult, Promotion]:
    result, audit = _audited(name)
    return result, build_promotion(result, audit)


def _context(**changes: object) -> EntryContext:
    values: dict[str, object] = {
        "timestamp": WHEN,
        "commit": COMMIT,
        "branch": "main",
        "pack": "runart-foundry",
        "sarif": "runart-lint.sarif",
    }
    values.update(changes)
    return EntryContext(**values)  # type: ignore[arg-type]


# Snapshots of what users see, for both pipelines.


@pytest.mark.parametrize("name", PIPELINES)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_log_entry(name: str, lang: str, snapshot: SnapshotAssertion) -> None:
    result, promotion = _promotion(name)

    entry = render_entry(result, promotion, _context(), lang=lang)

    assert entry == snapshot


@pytest.mark.parametrize("name", PIPELINES)
def test_markdown_summary(name: str, snapshot: SnapshotAssertion) -> None:
    result, promotion = _promotion(name)

    assert render_markdown(result, promotion, pack="runart-foundry") == snapshot


@pytest.mark.parametrize("name", PIPELINES)
def test_github_annotations(name: str, snapshot: SnapshotAssertion) -> None:
    result, _ = _audited(name)

    assert render_github(result) == snapshot


@pytest.mark.parametrize("name", PIPELINES)
def test_promotion_diagram(name: str, snapshot: SnapshotAssertion) -> None:
    _, promotion = _promotion(name)
    diagram = build_diagram(promotion, words("en"))

    assert render_mermaid(diagram) == snapshot(name="mermaid")
    assert render_dot(diagram) == snapshot(name="dot")


# The stage results and links behind all of them.


def test_example_stages_match_its_deliberate_faults() -> None:
    _, promotion = _promotion("examples")

    statuses = {s.name: s.status for s in promotion.stages}
    assert statuses == {
        "local": Status.SKIPPED,
        "preview": Status.FAIL,
        "preview2": Status.FAIL,
        "production": Status.FAIL,
    }
    production = promotion.stage("production")
    assert production is not None
    assert sorted(f.rule_id for f in production.findings) == [
        "env-binding-not-inherited",
        "unordered-promotion",
    ]
    links = {(link.source, link.target): link.state for link in promotion.links}
    assert links[("preview2", "production")] is LinkState.BROKEN
    assert links[("preview", "preview2")] is LinkState.OK


def test_real_pipeline_marks_the_missing_preview2_deploy() -> None:
    _, promotion = _promotion("runart-foundry")

    preview2 = promotion.stage("preview2")
    assert preview2 is not None and not preview2.reached
    planned = [w for w in promotion.workflows_of("preview2")]
    assert [(w.workflow, w.state, w.actual) for w in planned] == [
        (".github/workflows/pages-preview2.yml", LinkState.BROKEN, ("preview",))
    ]
    links = {(link.source, link.target): link.state for link in promotion.links}
    assert links[("preview", "preview2")] is LinkState.MISSING
    assert links[("preview2", "production")] is LinkState.BROKEN


def test_real_pipeline_diagram_names_every_deploying_workflow() -> None:
    _, promotion = _promotion("runart-foundry")

    text = render_mermaid(build_diagram(promotion, words("en")))

    for workflow in (
        "pages-preview.yml",
        "pages-preview2.yml",
        "pages-deploy.yml",
        "pages-prod.yml",
    ):
        assert workflow in text
    assert "✗ planned; deploys preview" in text
    assert "✗ no gate" in text


def test_stage_with_only_warnings_is_warn_and_checks_not_run_make_unknown() -> None:
    _, audit = _audited("examples")
    place = Location(".github/workflows/pages-preview2.yml", Span(29, 25, 29, 30))
    warning = Finding("credentials-not-unified", Severity.WARNING, "m", "h", place, "k")
    only_warning = AuditResult(findings=(warning,), files_audited=1)
    incomplete = AuditResult(findings=(), not_run=(NotRun("live", "no token"),))

    warned = build_promotion(only_warning, audit)
    unknown = build_promotion(incomplete, audit)

    assert [s.status for s in warned.stages][1:] == [
        Status.PASS,
        Status.WARN,
        Status.PASS,
    ]
    assert {s.status for s in unknown.stages[1:]} == {Status.UNKNOWN}
    assert "(0 errors" not in render_entry(incomplete, unknown, _context(), lang="en")


def test_suppressed_findings_do_not_fail_a_stage() -> None:
    result, audit = _audited("examples")
    hidden = tuple(replace(f, suppressed="reviewed") for f in result.findings)

    promotion = build_promotion(AuditResult(findings=hidden), audit)

    assert {s.status for s in promotion.stages[1:]} == {Status.PASS}


# The log entry.


def test_entry_follows_the_log_conventions() -> None:
    result, promotion = _promotion("examples")

    entry = render_entry(result, promotion, _context(), lang="es")
    lines = entry.splitlines()

    assert lines[0] == "## Auditoría runart-lint — 20251010T143001Z"
    assert all(line.startswith("- ") for line in lines[1:])
    assert all(": " in line for line in lines[1:])
    assert f"- Commit: `{COMMIT}`" in lines
    assert "- Rama: `main`" in lines
    assert "- Modo: offline" in lines
    assert "- Etapa preview2: FAIL (1 error, 1 advertencia)" in lines
    assert "- Evidencias (SARIF): `runart-lint.sarif`" in lines
    assert "- No ejecutados: —" in lines


def test_entry_without_commit_or_sarif_says_so() -> None:
    result, promotion = _promotion("examples")
    context = _context(commit=None, branch=None, sarif=None)

    entry = render_entry(result, promotion, context, lang="en")

    assert "- Commit: unknown\n- Branch: unknown\n" in entry
    assert "- Evidence (SARIF): —\n" in entry


def test_entry_lists_checks_not_run_and_live_mode() -> None:
    result = AuditResult(
        findings=(),
        not_run=(NotRun("live-kv-ids", "no `CLOUDFLARE_API_TOKEN`"),),
        live=True,
    )
    _, audit = _audited("examples")

    entry = render_entry(result, build_promotion(result, audit), _context(), lang="en")

    assert "- Mode: live\n" in entry
    assert "- Result: UNKNOWN\n" in entry
    assert "- Not run: `live-kv-ids` (no `CLOUDFLARE_API_TOKEN`)\n" in entry


def test_entry_can_carry_the_diagram() -> None:
    result, promotion = _promotion("examples")

    entry = render_entry(result, promotion, _context(diagram=True), lang="es")

    assert "\n\n```mermaid\nflowchart LR\n" in entry
    assert entry.endswith("```\n")
    assert "✗ sin gate" in entry


def test_branch_names_cannot_break_out_of_the_entry() -> None:
    result, promotion = _promotion("examples")
    branch = "x`\n## forged heading <img src=x>\u202e"

    entry = render_entry(result, promotion, _context(branch=branch), lang="en")

    assert "\n## forged" not in entry
    assert "\u202e" not in entry
    assert "- Branch: `` x` ## forged heading <img src=x> ``" in entry


def test_audit_id_ignores_time_language_and_sarif_but_not_the_commit() -> None:
    result, promotion = _promotion("examples")
    spanish = render_entry(result, promotion, _context(), lang="es")
    english = render_entry(
        result,
        promotion,
        _context(timestamp=datetime(2026, 1, 1, tzinfo=UTC), sarif=None),
        lang="en",
    )

    identifier = audit_id(result, commit=COMMIT, pack="runart-foundry")

    assert logged_ids(spanish) == logged_ids(english) == {identifier}
    assert audit_id(result, commit="f" * 40, pack="runart-foundry") != identifier
    fewer = AuditResult(findings=result.findings[1:])
    assert audit_id(fewer, commit=COMMIT, pack="runart-foundry") != identifier


def test_title_in_both_languages() -> None:
    assert render_title("es").startswith("# Bitácora de auditorías de despliegue")
    assert render_title("en").startswith("# Deployment audit log")
    with pytest.raises(ValueError, match="language"):
        render_title("fr")


# Annotations.


def test_annotations_escape_what_would_end_the_command() -> None:
    finding = Finding(
        "r",
        Severity.WARNING,
        "50% done\r\nnext::x",
        "fix, then: go",
        Location("dir,a:b/w.yml", Span(3, 5, 3, 9)),
        "k",
    )

    (line, summary) = render_github(
        AuditResult(findings=(finding,), files_audited=1), prefix="sub/"
    ).splitlines()

    assert line == (
        "::warning file=sub/dir%2Ca%3Ab/w.yml,line=3,endLine=3,col=5,endColumn=8,"
        "title=runart-lint r::50%25 done%0D%0Anext::x%0Ahelp: fix, then: go"
    )
    assert summary.startswith("runart-lint: 0 errors, 1 warning, 0 notes in 1 file")


def test_annotations_skip_columns_of_multi_line_spans_and_suppressed() -> None:
    lines_2_to_4 = Location("a", Span(2, 3, 4, 1))
    spanning = Finding("r", Severity.ERROR, "m", "h", lines_2_to_4, "k")
    whole = Finding("r", Severity.NOTE, "m", "h", Location("b"), "k2")
    hidden = Finding("r", Severity.ERROR, "m", "h", Location("c"), "k3", suppressed="")
    result = AuditResult(
        findings=(spanning, whole, hidden), not_run=(NotRun("live", "no token"),)
    )

    lines = render_github(result).splitlines()

    assert lines[:3] == [
        "::error file=a,line=2,endLine=4,title=runart-lint r::m%0Ahelp: h",
        "::notice file=b,title=runart-lint r::m%0Ahelp: h",
        "::warning title=runart-lint::not run: live: no token",
    ]


# Markdown text from the repository.


def test_markdown_text_helpers() -> None:
    assert inline("a <b>\n`<c>` d`e") == "a &lt;b&gt; `<c>` d\\`e"
    assert cell("x|y") == "x\\|y"
    assert code("main") == "`main`"
    assert code("a`b") == "`` a`b ``"


def test_summary_caps_the_findings_table() -> None:
    result, promotion = _promotion("examples")

    text = render_markdown(result, promotion, pack="p", lang="en", max_rows=2)

    rows = [line for line in text.splitlines() if line.startswith("| ERROR")]
    assert len(rows) == 2
    assert "_and 4 more_" in text


def test_summary_of_a_clean_audit_has_no_findings_table() -> None:
    _, audit = _audited("examples")
    result = AuditResult(findings=(), files_audited=2)

    text = render_markdown(result, build_promotion(result, audit), pack="p", lang="en")

    assert text.startswith("## runart-lint audit: PASS\n")
    assert "### Findings" not in text
    assert "**no findings**" in text


def test_documented_entry_is_what_the_reporter_writes() -> None:
    result, promotion = _promotion("examples")

    entry = render_entry(result, promotion, _context(), lang="es")

    assert f"```markdown\n{entry}```" in (REPO / "docs" / "reports.md").read_text(
        encoding="utf-8"
    )
