"""Tests for the text, JSON and SARIF reporters on hand-made audit results."""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from sarif_schema import SCHEMA_PATH, needs_schema, validate_sarif
from syrupy.assertion import SnapshotAssertion

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
from runart_lint.reporters.json_report import render_json
from runart_lint.reporters.sarif import render_sarif
from runart_lint.reporters.text import render_text
from runart_lint.rules.base import Rule, RuleMeta

ANSI = re.compile(r"\x1b\[[0-9;]*m")

KV_DOC = """
    Checks that every KV binding of the top level is repeated in each environment.

    ## What it does
    Reports a named environment that lacks a `kv_namespaces` binding the top
    level declares.

    ## Why is this bad?
    Wrangler does not inherit `kv_namespaces`; the deployed Worker has no binding.

    ## Example
    ```toml
    [[kv_namespaces]]
    binding = "CART"
    ```
"""

SECRET_DOC = """
    Checks that `wrangler secret put` names the environment.

    ## What it does
    Reports `wrangler secret put` without `--env` in a multi-environment repository.

    ## Why is this bad?
    The secret lands on the top-level Worker, not on the environment's Worker.

    ## Example
    ```yaml
    - run: npx wrangler secret put TOKEN
    ```
"""

WRANGLER = """\
name = "shop"
main = "src/index.ts"

[[kv_namespaces]]
binding = "CART"
id = "aaaa"

[env.production]
\tname = "shop-prod"  # note: "[red]not markup[/red]"
"""

WORKFLOW = """\
on: push
jobs:
  deploy:
    steps:
      - run: |
          npx wrangler secret put TOKEN
"""


def _no_findings(audit: object) -> Iterator[Finding]:
    """Yield nothing: the reporters never run checks."""
    return iter(())


def _rule(meta: RuleMeta, doc: str) -> Rule:
    """Return a registered rule made from metadata and a docstring."""
    return Rule(meta=meta, doc=inspect.cleandoc(doc), check=_no_findings)


RULES = (
    _rule(
        RuleMeta(
            id="kv-missing-in-env",
            summary="KV binding missing in a named environment",
            severity=Severity.ERROR,
            inputs=("wrangler",),
            tags=("wrangler", "bindings"),
        ),
        KV_DOC,
    ),
    _rule(
        RuleMeta(
            id="secret-without-env",
            summary="`wrangler secret put` without `--env`",
            severity=Severity.WARNING,
            inputs=("workflows",),
            security=True,
            confidence=Confidence.MEDIUM,
            tags=("secrets", "security"),
        ),
        SECRET_DOC,
    ),
    _rule(
        RuleMeta(
            id="no-rollback-workflow",
            summary="No workflow can roll a deployment back",
            severity=Severity.NOTE,
            inputs=("workflows",),
            confidence=Confidence.LOW,
        ),
        "",
    ),
)


def _kv_finding(line: int = 9, *, suppressed: str | None = None) -> Finding:
    """Return the KV finding on the `name` key of `[env.production]`."""
    return Finding(
        rule_id="kv-missing-in-env",
        severity=Severity.ERROR,
        message="`env.production` has no `kv_namespaces` binding `CART`",
        help='add `[[env.production.kv_namespaces]]` with `binding = "CART"`',
        location=Location("wrangler.toml", Span(line, 2, line, 6)),
        key="env.production/kv_namespaces/CART",
        related=((Location("wrangler.toml", Span(5, 1, 5, 17)), "`CART` bound here"),),
        suppressed=suppressed,
    )


def _secret_finding() -> Finding:
    """Return the secret finding on a block scalar that spans two lines."""
    return Finding(
        rule_id="secret-without-env",
        severity=Severity.WARNING,
        message="`wrangler secret put TOKEN` has no `--env`",
        help="add `--env production` to the command",
        location=Location(".github/workflows/deploy.yml", Span(5, 9, 6, 40)),
        key="deploy/steps/0",
        confidence=Confidence.MEDIUM,
    )


def _rollback_finding() -> Finding:
    """Return a whole-repository finding that has no line to point at."""
    return Finding(
        rule_id="no-rollback-workflow",
        severity=Severity.NOTE,
        message="no workflow can roll a deployment back",
        help="add a workflow that runs `wrangler rollback`",
        location=Location("apps/my site/wrangler.toml"),
        key="rollback",
    )


def _result(*findings: Finding, not_run: tuple[NotRun, ...] = ()) -> AuditResult:
    """Return an audit of the two fixture files with the given findings."""
    sources = {"wrangler.toml": WRANGLER, ".github/workflows/deploy.yml": WORKFLOW}
    return AuditResult(
        findings=findings, not_run=not_run, sources=sources, files_audited=3
    )


def _full_result() -> AuditResult:
    """Return an audit with every kind of finding and a check not run."""
    suppressed = Finding(
        rule_id="secret-without-env",
        severity=Severity.WARNING,
        message="`wrangler secret put OTHER` has no `--env`",
        help="add `--env production` to the command",
        location=Location(".github/workflows/deploy.yml", Span(6, 11, 6, 40)),
        key="deploy/steps/1",
        suppressed="staging only has one Worker",
    )
    return _result(
        _kv_finding(),
        _secret_finding(),
        _rollback_finding(),
        suppressed,
        not_run=(
            NotRun("live-kv-ids", "no `CLOUDFLARE_API_TOKEN` in the environment"),
        ),
    )


def _normalised(output: str) -> str:
    """Return reporter output with the tool version replaced."""
    return output.replace(f'"{__version__}"', '"<version>"')


def _sarif(result: AuditResult, **options: Any) -> dict[str, Any]:
    """Return the SARIF log for `result` as parsed JSON, checked against the schema.

    Every SARIF document the suite produces is validated (BR-24); without the
    schema beside the checkout the tests that need it are skipped instead.
    """
    document: dict[str, Any] = json.loads(render_sarif(result, RULES, **options))
    if SCHEMA_PATH.is_file():
        validate_sarif(document)
    return document


# Text


def test_text_report(snapshot: SnapshotAssertion) -> None:
    assert render_text(_full_result(), color=False) == snapshot


def test_text_clean_report(snapshot: SnapshotAssertion) -> None:
    assert render_text(_result(), color=False) == snapshot


def test_text_layout_of_one_finding() -> None:
    output = render_text(_result(_kv_finding()), color=False)

    assert output.splitlines() == [
        "wrangler.toml:9:2: error[kv-missing-in-env] `env.production` has no "
        "`kv_namespaces` binding `CART`",
        ' 9 |     name = "shop-prod"  # note: "[red]not markup[/red]"',
        "   |     ^~~~",
        "note: wrangler.toml:5:1: `CART` bound here",
        'help: add `[[env.production.kv_namespaces]]` with `binding = "CART"`',
        "",
        "1 error in 3 files",
    ]


@pytest.mark.parametrize("color", [False, True])
def test_text_prints_markup_literally(color: bool) -> None:
    finding = Finding(
        rule_id="kv-missing-in-env",
        severity=Severity.ERROR,
        message="`[bold]CART[/bold]` is not bound",
        help="bind `[link=x]CART[/link]`",
        location=Location("wrangler.toml", Span(9, 24, 9, 55)),
        key="k",
    )

    plain = ANSI.sub("", render_text(_result(finding), color=color))

    assert '"[red]not markup[/red]"' in plain
    assert "`[bold]CART[/bold]` is not bound" in plain
    assert "bind `[link=x]CART[/link]`" in plain


def test_text_colour_only_when_asked() -> None:
    result = _full_result()

    coloured = render_text(result, color=True)
    plain = render_text(result, color=False)

    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    assert ANSI.sub("", coloured) == plain


def test_text_hides_suppressed_findings() -> None:
    output = render_text(_full_result(), color=False)

    assert "OTHER" not in output
    assert "; 1 suppressed;" in output


def test_text_lists_checks_not_run() -> None:
    output = render_text(_full_result(), color=False)

    assert output.endswith(
        "1 error, 1 warning, 1 note in 3 files; 1 suppressed; 1 check not run\n"
        "not run: live-kv-ids: no `CLOUDFLARE_API_TOKEN` in the environment\n"
    )


def test_text_file_without_span_has_bare_path() -> None:
    output = render_text(_result(_rollback_finding()), color=False)

    assert output.startswith(
        "apps/my site/wrangler.toml: note[no-rollback-workflow] "
        "no workflow can roll a deployment back\n"
        "help: add a workflow that runs `wrangler rollback`\n\n"
    )


def test_text_groups_by_sorted_file() -> None:
    output = render_text(_full_result(), color=False)

    heads = [line.split(":")[0] for line in output.splitlines() if "[" in line[:60]]
    assert heads[:3] == [
        ".github/workflows/deploy.yml",
        "apps/my site/wrangler.toml",
        "wrangler.toml",
    ]


def test_text_clips_multi_line_span_to_line_end() -> None:
    output = render_text(_result(_secret_finding()), color=False)

    source, underline = output.splitlines()[1:3]
    assert source == " 5 |       - run: |"
    assert underline == "   |         ^~~~~~"


def _caret_column(output: str, line_index: int) -> int:
    """Return the column of the caret in the underline below output line."""
    return output.splitlines()[line_index + 1].index("^")


def test_text_expands_tabs_consistently() -> None:
    output = render_text(_result(_kv_finding()), color=False)

    source = output.splitlines()[1]
    assert source.index("name") == _caret_column(output, 1)


def test_text_names_control_characters() -> None:
    source = 'token = "\x1b[31mred\u202e"\n'
    finding = Finding(
        rule_id="kv-missing-in-env",
        severity=Severity.ERROR,
        message="odd \x1b[2J value",
        help="remove it",
        location=Location("odd.toml", Span(1, 15, 1, 18)),
        key="k",
    )
    result = AuditResult(findings=(finding,), sources={"odd.toml": source})

    output = render_text(result, color=False)

    assert "\x1b" not in output
    assert "\u202e" not in output
    assert "odd <U+001B>[2J value" in output
    line = output.splitlines()[1]
    assert line[_caret_column(output, 1) :].startswith("red")


def test_text_cuts_long_lines_around_the_span() -> None:
    line = "".join(f'"k{i:04}": {i}, ' for i in range(400))
    col = line.index('"k0300"') + 1
    finding = Finding(
        rule_id="kv-missing-in-env",
        severity=Severity.ERROR,
        message="minified",
        help="format it",
        location=Location("min.json", Span(1, col, 1, col + 7)),
        key="k",
    )
    result = AuditResult(findings=(finding,), sources={"min.json": line + "\n"})

    output = render_text(result, color=False, width=80)

    source, underline = output.splitlines()[1:3]
    assert len(source) <= 80
    assert source.startswith(" 1 | …")
    assert source.endswith("…")
    caret = underline.index("^")
    assert source[caret : caret + 7] == '"k0300"'
    assert underline[caret:] == "^~~~~~~"


def test_text_skips_excerpt_when_line_is_missing() -> None:
    finding = _kv_finding(line=999)

    output = render_text(_result(finding), color=False)

    assert output.splitlines()[1].startswith("note: wrangler.toml:5:1")


def _counted(severities: list[Severity], suppressed: int, not_run: int) -> AuditResult:
    """Return an audit with the given findings, suppressions and checks not run."""
    findings = [
        Finding("r", severity, "m", "h", Location(f"f{i}.toml"), str(i))
        for i, severity in enumerate(severities)
    ]
    findings += [
        Finding(
            "r", Severity.ERROR, "m", "h", Location("s.toml"), f"s{i}", suppressed=""
        )
        for i in range(suppressed)
    ]
    checks = tuple(NotRun(f"c{i}", "why") for i in range(not_run))
    return AuditResult(tuple(findings), checks, {}, files_audited=len(severities) or 1)


@pytest.mark.parametrize(
    ("severities", "suppressed", "not_run", "summary"),
    [
        ([], 0, 0, "no findings in 1 file"),
        ([], 2, 0, "no findings in 1 file; 2 suppressed"),
        ([Severity.ERROR], 0, 0, "1 error in 1 file"),
        (
            [Severity.NOTE, Severity.NOTE],
            1,
            1,
            "2 notes in 2 files; 1 suppressed; 1 check not run",
        ),
        (
            [Severity.ERROR] * 3 + [Severity.WARNING] * 2 + [Severity.NOTE],
            2,
            2,
            "3 errors, 2 warnings, 1 note in 6 files; 2 suppressed; 2 checks not run",
        ),
        ([Severity.WARNING, Severity.ERROR], 0, 0, "1 error, 1 warning in 2 files"),
    ],
)
def test_text_summary_pluralisation(
    severities: list[Severity], suppressed: int, not_run: int, summary: str
) -> None:
    output = render_text(_counted(severities, suppressed, not_run), color=False)

    summary_index = -1 - not_run
    assert output.splitlines()[summary_index] == summary


# JSON


def test_json_report(snapshot: SnapshotAssertion) -> None:
    assert _normalised(render_json(_full_result())) == snapshot


def test_json_report_shape() -> None:
    output = render_json(_full_result())
    document = json.loads(output)

    assert output.endswith("}\n")
    assert (
        output
        == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    assert document["version"] == 1
    assert document["tool"] == {"name": "runart-lint", "version": __version__}
    assert document["summary"] == {
        "error": 1,
        "warning": 1,
        "note": 1,
        "suppressed": 1,
        "baselined": 0,
        "files": 3,
    }
    assert document["not_run"] == [
        {
            "check": "live-kv-ids",
            "reason": "no `CLOUDFLARE_API_TOKEN` in the environment",
        }
    ]


def test_json_finding_without_span_has_null_position() -> None:
    (finding,) = json.loads(render_json(_result(_rollback_finding())))["findings"]

    assert [finding[key] for key in ("line", "column", "end_line", "end_column")] == [
        None
    ] * 4
    assert finding["suppressed"] is False
    assert finding["suppression_reason"] is None


# SARIF


def test_sarif_report(snapshot: SnapshotAssertion) -> None:
    """BR-24: the golden file is valid SARIF 2.1.0."""
    _sarif(_full_result())
    assert _normalised(render_sarif(_full_result(), RULES)) == snapshot


def test_sarif_clean_report(snapshot: SnapshotAssertion) -> None:
    """BR-20: zero findings is still a valid file."""
    _sarif(_result())
    assert _normalised(render_sarif(_result(), RULES)) == snapshot


@needs_schema
def test_sarif_is_valid() -> None:
    """BR-24 (schema, `$schema` URL) and BR-21 (one run per invocation)."""
    document = _sarif(_full_result())

    validate_sarif(document)
    assert len(document["runs"]) == 1
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"


@needs_schema
def test_sarif_says_columns_count_characters() -> None:
    document = _sarif(_full_result())

    assert document["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_sarif_without_findings_is_valid() -> None:
    """BR-20: a clean audit is an uploadable SARIF file."""
    document = _sarif(_result())

    validate_sarif(document)
    (run,) = document["runs"]
    assert run["results"] == []
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [
        rule.id for rule in RULES
    ]
    assert run["invocations"][0]["executionSuccessful"] is True


@needs_schema
def test_sarif_without_span_has_no_region() -> None:
    """BR-19: a finding with no line gets no region, never `startLine: 0`."""
    document = _sarif(_result(_rollback_finding()))

    validate_sarif(document)
    (result,) = document["runs"][0]["results"]
    (location,) = result["locations"]
    assert location == {
        "physicalLocation": {
            "artifactLocation": {
                "uri": "apps/my%20site/wrangler.toml",
                "uriBaseId": "%SRCROOT%",
            }
        }
    }


@needs_schema
@pytest.mark.parametrize(
    "span",
    [Span(0, 0, 0, 0), Span(3, 0, 3, 0), Span(3, 5, 2, 1), Span(3, 5, 3, 2)],
)
def test_sarif_never_writes_lines_or_columns_below_one(span: Span) -> None:
    """BR-19: lines and columns are 1-based and never below one."""
    finding = Finding(
        "kv-missing-in-env",
        Severity.ERROR,
        "m",
        "h",
        Location("wrangler.toml", span),
        "k",
    )

    document = _sarif(_result(finding))

    validate_sarif(document)
    physical = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    region = physical.get("region")
    if region is not None:
        assert min(region.values()) >= 1
        assert (region["endLine"], region["endColumn"]) >= (
            region["startLine"],
            region["startColumn"],
        )


def _all_regions(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every region in the log."""
    for result in document["runs"][0]["results"]:
        for location in result["locations"] + result.get("relatedLocations", []):
            region = location["physicalLocation"].get("region")
            if region is not None:
                yield region


def test_sarif_regions_start_at_a_line() -> None:
    """BR-19: every region has a `startLine` of at least one."""
    regions = list(_all_regions(_sarif(_full_result())))

    assert regions
    assert all(region["startLine"] >= 1 for region in regions)


@needs_schema
def test_sarif_records_suppressions() -> None:
    """Suppressed findings stay in the run with their justification."""
    document = _sarif(_full_result())

    validate_sarif(document)
    suppressed = [r for r in document["runs"][0]["results"] if "suppressions" in r]
    assert [r["suppressions"] for r in suppressed] == [
        [{"kind": "inSource", "justification": "staging only has one Worker"}]
    ]


@needs_schema
def test_sarif_truncates_by_severity_with_a_notification() -> None:
    """BR-21: past the cap, the most severe are kept and a notification says so."""
    findings = [
        Finding(
            "kv-missing-in-env",
            severity,
            f"m{i}",
            "h",
            Location(f"f{i:02}.toml", Span(1, 1, 1, 2)),
            f"k{i}",
        )
        for i, severity in enumerate(
            [Severity.NOTE, Severity.WARNING] * 5 + [Severity.ERROR]
        )
    ]
    result = _result(*findings)

    document = _sarif(result, max_results=4)
    again = _sarif(_result(*reversed(findings)), max_results=4)

    validate_sarif(document)
    assert document == again
    results = document["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == [
        "m1\nhelp: h",
        "m3\nhelp: h",
        "m5\nhelp: h",
        "m10\nhelp: h",
    ]
    (notification,) = document["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert notification["level"] == "warning"
    assert notification["message"]["text"].startswith("left out 7 of 11 results")


@needs_schema
def test_sarif_reports_checks_not_run() -> None:
    document = _sarif(_full_result())

    validate_sarif(document)
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "warning",
            "message": {
                "text": "not run: live-kv-ids: no `CLOUDFLARE_API_TOKEN` in the "
                "environment"
            },
        }
    ]


@needs_schema
def test_schema_check_rejects_an_extra_property() -> None:
    """BR-24: a corrupted document (one extra property) fails validation."""
    document = _sarif(_full_result())
    corrupted = copy.deepcopy(document)
    corrupted["runs"][0]["results"][0]["target"] = {}

    validate_sarif(document)
    with pytest.raises(jsonschema.ValidationError, match="target"):
        validate_sarif(corrupted)


@needs_schema
def test_schema_check_rejects_malformed_fixes() -> None:
    """BR-17: malformed `fixes` are rejected, and we emit no `fixes` at all."""
    document = _sarif(_full_result())
    corrupted = copy.deepcopy(document)
    corrupted["runs"][0]["results"][0]["fixes"] = [
        {
            "description": "use env",
            "artifactChanges": {"artifactLocation": {"uri": "wrangler.toml"}},
        }
    ]

    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(corrupted)
    assert "fixes" not in render_sarif(_full_result(), RULES)


def test_sarif_fingerprints_ignore_line_moves() -> None:
    """BR-23: our own line-independent key, no `primaryLocationLineHash`."""
    before = _sarif(_result(_kv_finding(line=9)))["runs"][0]["results"][0]
    after = _sarif(_result(_kv_finding(line=11)))["runs"][0]["results"][0]

    assert before["locations"] != after["locations"]
    assert before["partialFingerprints"] == after["partialFingerprints"]
    assert list(before["partialFingerprints"]) == ["runartLint/v1"]


def test_sarif_rule_metadata() -> None:
    rules = _sarif(_result())["runs"][0]["tool"]["driver"]["rules"]
    kv, secret, rollback = rules

    assert kv["name"] == "KvMissingInEnv"
    assert kv["fullDescription"]["text"].startswith("Reports a named environment")
    assert kv["help"]["text"].startswith("Wrangler does not inherit")
    assert kv["help"]["markdown"].startswith("Checks that every KV binding")
    assert kv["helpUri"].endswith("/kv-missing-in-env.md")
    assert kv["properties"] == {
        "tags": ["wrangler", "bindings"],
        "precision": "high",
        "problem.severity": "error",
    }
    assert secret["properties"] == {
        "tags": ["secrets", "security", "workflows"],
        "precision": "medium",
        "problem.severity": "warning",
        "security-severity": "5.0",
    }
    assert rollback["fullDescription"] == {
        "text": "No workflow can roll a deployment back"
    }
    assert rollback["defaultConfiguration"] == {"level": "note"}


@needs_schema
def test_sarif_adds_rules_for_unregistered_ids() -> None:
    """BR-24: every `ruleIndex` points at a rule of the run."""
    finding = Finding("toml-syntax", Severity.ERROR, "m", "h", Location("x.toml"), "k")

    document = _sarif(_result(finding))

    validate_sarif(document)
    run = document["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "toml-syntax"


def test_sarif_rejects_a_negative_cap() -> None:
    with pytest.raises(ValueError, match="max_results"):
        render_sarif(_result(), RULES, max_results=-1)
