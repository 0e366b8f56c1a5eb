"""Inline `runart-lint: ignore[...]` comments in TOML, YAML, JSONC and the pack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from runart_lint.cli import main
from runart_lint.engine import audit_repository
from runart_lint.findings import AuditResult, Finding
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import RULES
from runart_lint.suppressions import apply_suppressions, find_directives

VARS_FAULT = (
    'name = "shop"\nmain = "src/index.ts"\n\n[vars]\nMODE = "production"\n'
    "{comment}"
    'kv_namespaces = [{{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }}]'
    "{trailing}\n"
)
WORKFLOW = """\
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
{comment}      - uses: cloudflare/wrangler-action@v3{trailing}
        with:
          apiToken: ${{{{ secrets.CLOUDFLARE_API_TOKEN }}}}
          command: deploy
"""


def _audit(root: Path, *rules: str) -> AuditResult:
    pack = load_pack(None)
    options = Options(select=frozenset(rules))
    result, _ = audit_repository(root, pack, RULES, options)
    assert not result.not_run
    return result


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _of(result: AuditResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def test_toml_comment_on_the_line_above(tmp_path: Path) -> None:
    comment = "# runart-lint: ignore[binding-in-vars] read by the legacy worker\n"
    _write(tmp_path, "wrangler.toml", VARS_FAULT.format(comment=comment, trailing=""))

    result = _audit(tmp_path, "binding-in-vars", "unused-suppression")

    [finding] = result.findings
    assert finding.rule_id == "binding-in-vars"
    assert finding.suppressed == "read by the legacy worker"
    assert result.suppressed_count == 1
    assert result.counts()[finding.severity] == 0


def test_toml_comment_on_the_same_line(tmp_path: Path) -> None:
    trailing = "  # runart-lint: ignore[binding-in-vars]"
    _write(tmp_path, "wrangler.toml", VARS_FAULT.format(comment="", trailing=trailing))

    [finding] = _audit(tmp_path, "binding-in-vars", "unused-suppression").findings

    assert finding.suppressed == ""


def test_toml_comment_two_lines_above_does_not_apply(tmp_path: Path) -> None:
    comment = "# runart-lint: ignore[binding-in-vars]\nOTHER = 1\n"
    _write(tmp_path, "wrangler.toml", VARS_FAULT.format(comment=comment, trailing=""))

    result = _audit(tmp_path, "binding-in-vars", "unused-suppression")

    assert _of(result, "binding-in-vars")[0].suppressed is None
    [unused] = _of(result, "unused-suppression")
    assert unused.message == "suppression of `binding-in-vars` matches no finding"
    assert unused.location.describe() == "wrangler.toml:6:23"


def test_toml_marker_inside_a_string_is_not_a_comment(tmp_path: Path) -> None:
    comment = 'NOTE = "# runart-lint: ignore[binding-in-vars]"\n'
    _write(tmp_path, "wrangler.toml", VARS_FAULT.format(comment=comment, trailing=""))

    result = _audit(tmp_path, "binding-in-vars", "unused-suppression")

    assert [f.suppressed for f in result.findings] == [None]


def test_yaml_comment_above_and_stacked(tmp_path: Path) -> None:
    comment = (
        "      # runart-lint: ignore[secret-in-run] not this one\n"
        "      # runart-lint: ignore[unpinned-action] pinned by the org ruleset\n"
    )
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment=comment, trailing=""),
    )

    result = _audit(tmp_path, "unpinned-action", "secret-in-run", "unused-suppression")

    [pinned] = _of(result, "unpinned-action")
    assert pinned.suppressed == "pinned by the org ruleset"
    [unused] = _of(result, "unused-suppression")
    assert unused.message == "suppression of `secret-in-run` matches no finding"
    assert unused.location.describe() == ".github/workflows/deploy.yml:6:29"


def test_yaml_trailing_comment(tmp_path: Path) -> None:
    trailing = "  # runart-lint: ignore[unpinned-action] reviewed"
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment="", trailing=trailing),
    )

    result = _audit(tmp_path, "unpinned-action", "unused-suppression")

    assert [(f.rule_id, f.suppressed) for f in result.findings] == [
        ("unpinned-action", "reviewed")
    ]


def test_yaml_unused_comment_is_reported(tmp_path: Path) -> None:
    comment = "      # runart-lint: ignore[unpinned-action] stale\n      - run: echo\n"
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment=comment, trailing=""),
    )

    result = _audit(tmp_path, "unpinned-action", "unused-suppression")

    assert _of(result, "unpinned-action")[0].suppressed is None
    [unused] = _of(result, "unused-suppression")
    assert unused.location.describe() == ".github/workflows/deploy.yml:6:29"
    assert unused.help.startswith("remove `unpinned-action` from the comment")


def test_comment_for_a_rule_that_did_not_run_is_not_unused(tmp_path: Path) -> None:
    comment = "      # runart-lint: ignore[unpinned-action] reviewed\n"
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment=comment, trailing=""),
    )

    assert _audit(tmp_path, "secret-in-run", "unused-suppression").findings == ()


def test_comment_for_a_live_rule_is_not_unused_offline(tmp_path: Path) -> None:
    comment = "      # runart-lint: ignore[missing-secret] held by the org\n"
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment=comment, trailing=""),
    )

    result = _audit(tmp_path, "missing-secret", "unused-suppression")

    assert result.findings == ()


def test_unused_suppression_can_be_ignored(tmp_path: Path) -> None:
    comment = "      # runart-lint: ignore[secret-in-run] nothing here\n"
    _write(
        tmp_path,
        ".github/workflows/deploy.yml",
        WORKFLOW.format(comment=comment, trailing=""),
    )

    result = _audit(tmp_path, "secret-in-run")

    assert result.findings == ()


def test_jsonc_comment(tmp_path: Path) -> None:
    text = (
        '{\n  "name": "shop",\n  "vars": {\n'
        "    // runart-lint: ignore[binding-in-vars] legacy\n"
        '    "kv_namespaces": [{ "binding": "CART", "id": "x" }]\n  }\n}\n'
    )
    _write(tmp_path, "wrangler.jsonc", text)

    result = _audit(tmp_path, "binding-in-vars", "unused-suppression")

    assert [(f.rule_id, f.suppressed) for f in result.findings] == [
        ("binding-in-vars", "legacy")
    ]


def test_comment_in_the_rule_pack(tmp_path: Path) -> None:
    fixture = FIXTURES / "rules" / "missing-stage-config" / "positive-no-config"
    shutil.copytree(fixture, tmp_path / "repo")
    pack = tmp_path / "repo" / "pack.toml"
    lines = pack.read_text().splitlines(keepends=True)
    lines.insert(16, "# runart-lint: ignore[missing-stage-config] added next week\n")
    pack.write_text("".join(lines))

    loaded = load_pack(str(pack))
    options = Options(select=frozenset({"missing-stage-config"}))
    result, _ = audit_repository(tmp_path / "repo", loaded, RULES, options)

    [finding] = result.findings
    assert finding.location.describe() == "pack.toml:18:1"
    assert finding.suppressed == "added next week"


def test_one_directive_suppresses_one_finding_per_rule_and_line() -> None:
    sources = {"wrangler.toml": "a = 1 # runart-lint: ignore[x, y] why\n"}
    directives = find_directives(sources, [])

    [directive] = directives
    assert [r.rule_id for r in directive.rules] == ["x", "y"]
    assert directive.reason == "why"
    assert directive.lines == frozenset({1})
    outcome = apply_suppressions([], directives)
    assert [ref.rule_id for _, ref in outcome.unused] == ["x", "y"]


def test_summary_and_sarif_carry_suppressed_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment = "# runart-lint: ignore[binding-in-vars] read by the legacy worker\n"
    _write(tmp_path, "wrangler.toml", VARS_FAULT.format(comment=comment, trailing=""))
    args = [str(tmp_path), "--no-config", "--select", "binding-in-vars"]

    assert main(args) == 0
    assert "no findings in 1 file; 1 suppressed" in capsys.readouterr().out

    assert main([*args, "--format", "sarif"]) == 0
    [result] = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "justification": "read by the legacy worker"}
    ]
