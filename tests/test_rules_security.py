"""Deploy-job security rules: bug reports BR-15, BR-16, BR-25, BR-26 and examples."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from conftest import FIXTURES, shared_path

from runart_lint.engine import audit_repository
from runart_lint.findings import Confidence, Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import (
    deprecated_pages_action,
    fork_pr_secrets,
    invalid_file,
    pr_target_checkout,
    unpinned_action,
    untrusted_input_in_run,
)
from runart_lint.rules.base import rule_from_module
from runart_lint.rules.docs import example
from runart_lint.rules.untrusted_input_in_run import value_refs

GROUP = (
    untrusted_input_in_run,
    pr_target_checkout,
    unpinned_action,
    deprecated_pages_action,
    fork_pr_secrets,
)
WORKFLOW = ".github/workflows/deploy.yml"


def run(
    root: Path, *modules: ModuleType, pack: Path | None = None
) -> tuple[list[Finding], Audit]:
    """Audit `root` with the rules of `modules` (default: the whole group)."""
    rules = [rule_from_module(module) for module in modules or GROUP]
    result, audit = audit_repository(
        root, load_pack(str(pack) if pack else None), rules, Options()
    )
    assert not result.not_run
    return list(result.findings), audit


def write_workflow(root: Path, text: str, path: str = WORKFLOW) -> Path:
    """Write a workflow into a fresh repository under `root`."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return root


def summary(findings: list[Finding]) -> list[tuple[str, int, Severity]]:
    """Return `(rule, line, severity)` for each finding."""
    return [
        (f.rule_id, f.location.span.line if f.location.span else 0, f.severity)
        for f in findings
    ]


# BR-16 -----------------------------------------------------------------------

BR16 = """\
on: pull_request
jobs:
  a:
    runs-on: ubuntu-latest
    env:
      STAGE: preview
    steps:
      - run: npx wrangler pages deploy dist --branch ${{ github.head_ref }}      # flag
      - run: echo ${{ github.sha }} ${{ env.STAGE }}                             # no
      - run: test "${{ needs.build.result }}" = success                          # no
      - env: { BRANCH: "${{ github.head_ref }}" }
        run: npx wrangler pages deploy dist --branch "$BRANCH"                    # no
"""


def test_br16_only_the_first_step_is_flagged(tmp_path: Path) -> None:
    findings, _ = run(write_workflow(tmp_path, BR16))

    assert summary(findings) == [("untrusted-input-in-run", 8, Severity.ERROR)]
    span = findings[0].location.span
    assert span is not None and (span.col, span.end_col) == (54, 76)
    assert findings[0].confidence is Confidence.HIGH
    assert "`github.head_ref`" in findings[0].message


def test_br16_negative_contexts_are_quiet(tmp_path: Path) -> None:
    text = """\
on: pull_request
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: s
        run: npx wrangler deploy
      - run: |
          echo ${{ github.event.pull_request.head.sha }} ${{ steps.s.outcome }}
          echo ${{ github.head_ref != '' }} ${{ github.head_ref == 'x' && 'y' }}
"""
    findings, _ = run(write_workflow(tmp_path, text), untrusted_input_in_run)

    assert findings == []


def test_br16_linkp_is_flagged() -> None:
    root = shared_path("examples", "public", "Abood2284__linkp")
    findings, _ = run(root, untrusted_input_in_run)

    places = {
        (f.location.path, f.location.span.line) for f in findings if f.location.span
    }
    assert (".github/workflows/deploy-preview.yml", 47) in places
    assert (".github/workflows/cleanup-preview.yml", 19) in places
    assert all(f.severity is Severity.ERROR for f in findings)


def test_runart_foundry_head_ref_in_preview_script() -> None:
    root = shared_path("examples", "runart-foundry")
    findings, _ = run(root, untrusted_input_in_run)

    assert [f.location.describe() for f in findings] == [
        ".github/workflows/pages-preview.yml:101:19"
    ]
    assert "`github.head_ref`" in findings[0].message


# BR-15 -----------------------------------------------------------------------

BR15 = """\
on: pull_request
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy dist --project-name site
"""


def test_br15_fork_pull_requests_lack_the_secret(tmp_path: Path) -> None:
    findings, _ = run(
        write_workflow(tmp_path, BR15), fork_pr_secrets, pr_target_checkout
    )

    assert summary(findings) == [("fork-pr-secrets", 9, Severity.WARNING)]
    assert "`secrets.CLOUDFLARE_API_TOKEN`" in findings[0].message


@pytest.mark.parametrize(
    "guard",
    [
        "    if: github.event.pull_request.head.repo.full_name == github.repository\n",
        "    if: ${{ github.event.pull_request.head.repo.fork == false }}\n",
        "    environment: preview\n",
    ],
)
def test_br15_guard_suppresses(tmp_path: Path, guard: str) -> None:
    text = BR15.replace("    runs-on:", guard + "    runs-on:", 1)
    findings, _ = run(write_workflow(tmp_path, text), fork_pr_secrets)

    assert findings == []


def test_br15_pull_request_target_checkout_without_gate(tmp_path: Path) -> None:
    text = BR15.replace("on: pull_request", "on: pull_request_target").replace(
        "      - uses: actions/checkout@v4\n",
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n",
    )
    findings, _ = run(
        write_workflow(tmp_path, text), fork_pr_secrets, pr_target_checkout
    )

    assert summary(findings) == [("pr-target-checkout", 8, Severity.ERROR)]


def test_br15_gitbook_gate_passes() -> None:
    root = shared_path("examples", "public", "GitbookIO__gitbook")
    findings, _ = run(root, pr_target_checkout, fork_pr_secrets)

    assert findings == []


def test_br15_pkg_pr_new_guard_passes() -> None:
    root = shared_path("examples", "public", "stackblitz-labs__pkg.pr.new")
    findings, _ = run(root, fork_pr_secrets)

    assert findings == []


def test_runart_foundry_fork_pull_requests() -> None:
    root = shared_path("examples", "runart-foundry")
    findings, _ = run(root, fork_pr_secrets, pr_target_checkout)

    assert [
        (f.location.path, f.location.span.line) for f in findings if f.location.span
    ] == [
        (".github/workflows/overlay-deploy.yml", 28),
        (".github/workflows/pages-preview.yml", 20),
    ]
    assert all(f.rule_id == "fork-pr-secrets" for f in findings)


def test_runart_foundry_pages_action_is_deprecated_and_unpinned() -> None:
    root = shared_path("examples", "runart-foundry")
    findings, _ = run(root, deprecated_pages_action, unpinned_action)

    deprecated = [f for f in findings if f.rule_id == "deprecated-pages-action"]
    unpinned = [f for f in findings if f.rule_id == "unpinned-action"]
    assert len(deprecated) == 5
    assert {f.location.path for f in deprecated} == {
        ".github/workflows/briefing_deploy.yml",
        ".github/workflows/pages-deploy.yml",
        ".github/workflows/pages-preview.yml",
        ".github/workflows/pages-preview2.yml",
        ".github/workflows/pages-prod.yml",
    }
    assert {f.location.span.line for f in unpinned if f.location.span} == {
        f.location.span.line for f in deprecated if f.location.span
    }
    assert all("`cloudflare/pages-action`" in f.message for f in unpinned)


# BR-25 -----------------------------------------------------------------------

BR25 = """\
on:
  push:
    paths: &cf [ "wrangler.toml", ".github/workflows/deploy.yml" ]
  pull_request:
    paths: *cf
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - &wr
        uses: cloudflare/wrangler-action@v3
        with: { apiToken: "${{ secrets.CLOUDFLARE_API_TOKEN }}", command: deploy --env staging }
      - *wr
"""  # noqa: E501


def test_br25_aliased_step_is_analysed_at_the_alias(tmp_path: Path) -> None:
    findings, audit = run(write_workflow(tmp_path, BR25), invalid_file, unpinned_action)

    assert [(d.span.line, d.env_name) for d in audit.deploys] == [
        (12, "staging"),
        (13, "staging"),
    ]
    assert summary(findings) == [
        ("unpinned-action", 11, Severity.WARNING),
        ("unpinned-action", 13, Severity.WARNING),
    ]
    assert len({f.fingerprint for f in findings}) == 2


def test_br25_aliased_run_step_reported_at_each_use(tmp_path: Path) -> None:
    text = """\
on: pull_request
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - &dep
        run: npx wrangler pages deploy dist --branch ${{ github.head_ref }}
      - run: echo between
      - *dep
"""
    findings, _ = run(
        write_workflow(tmp_path, text), invalid_file, untrusted_input_in_run
    )

    assert summary(findings) == [
        ("untrusted-input-in-run", 7, Severity.ERROR),
        ("untrusted-input-in-run", 9, Severity.ERROR),
    ]
    spans = [f.location.span for f in findings]
    assert [(s.col, s.end_col) for s in spans if s] == [(54, 76), (9, 13)]


# BR-26 -----------------------------------------------------------------------


def test_br26_anchor_name_github_rejects(tmp_path: Path) -> None:
    text = """\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: &git+opts { fetch-depth: 0 }
      - uses: actions/checkout@v4
        with: *git+opts
"""
    findings, _ = run(write_workflow(tmp_path, text), invalid_file, *GROUP)

    assert summary(findings) == [("invalid-file", 7, Severity.ERROR)]
    span = findings[0].location.span
    assert span is not None and span.col == 15
    assert "`git+opts`" in findings[0].message


# Expressions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "refs"),
    [
        ("github.head_ref", ["github.head_ref"]),
        ("github.head_ref || 'main'", ["github.head_ref"]),
        (
            "github.event_name == 'push' && github.ref_name || github.head_ref",
            ["github.ref_name", "github.head_ref"],
        ),
        ("github.head_ref != ''", []),
        ("!github.head_ref", []),
        ("contains(github.event.pull_request.title, 'wip')", []),
        ("format('{0}-x', github.head_ref)", ["github.head_ref"]),
        ("(github.head_ref)", ["github.head_ref"]),
        ("'github.head_ref'", []),
        ("github['head_ref']", ["github.head_ref"]),
        (
            "github['event']['pull_request']['title']",
            ["github.event.pull_request.title"],
        ),
        (
            "github.event['pull_request'].head.ref",
            ["github.event.pull_request.head.ref"],
        ),
        ("github['head_ref'] == 'main'", []),
    ],
)
def test_value_refs(body: str, refs: list[str]) -> None:
    assert value_refs(body) == refs


# Fixtures and documentation examples ------------------------------------------


@pytest.mark.parametrize("module", GROUP, ids=lambda m: m.META.id)
def test_fixtures(module: ModuleType) -> None:
    folder = FIXTURES / "rules" / module.META.id
    for positive in sorted(folder.glob("positive*")):
        findings, _ = run(positive, module)
        assert findings, f"{positive.name} did not fire"
    for negative in sorted(folder.glob("negative*")):
        findings, _ = run(negative, module)
        assert [f.message for f in findings] == [], negative.name


@pytest.mark.parametrize("module", GROUP, ids=lambda m: m.META.id)
def test_documentation_example(module: ModuleType, tmp_path: Path) -> None:
    files = example(rule_from_module(module))

    for name, written, fires in (("bad", files.bad, True), ("good", files.good, False)):
        root = tmp_path / name
        for path, body in written.items():
            write_workflow(root, body, path)
        findings, _ = run(root, module)
        assert bool(findings) is fires, f"{name}: {[f.message for f in findings]}"


# Review follow-ups: index syntax, image tags, the pages-action replacement.


def test_index_syntax_head_ref_is_attacker_controlled(tmp_path: Path) -> None:
    root = write_workflow(
        tmp_path,
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: npx wrangler pages deploy dist"
        " --branch ${{ github['head_ref'] }}\n",
    )

    findings, _ = run(root, untrusted_input_in_run)

    assert summary(findings) == [("untrusted-input-in-run", 6, Severity.ERROR)]
    assert "`github.head_ref`" in findings[0].message


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("docker://alpine:3", False),
        ("docker://ghcr.io/acme/tool", False),
        ("docker://localhost:5000/tool:1.2", False),
        ("docker://alpine@sha256:" + "0" * 64, True),
        ("docker://alpine:3@sha256:" + "a" * 64, True),
    ],
)
def test_docker_image_is_pinned_only_by_digest(
    tmp_path: Path, uses: str, pinned: bool
) -> None:
    root = write_workflow(
        tmp_path,
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: {uses}\n"
        "      - run: npx wrangler deploy\n",
    )

    findings, _ = run(root, unpinned_action)

    assert [f.location.span.line for f in findings if f.location.span] == (
        [] if pinned else [6]
    )
    assert all("sha256:<digest>" in f.help for f in findings)


def test_docker_tag_is_underlined(tmp_path: Path) -> None:
    root = write_workflow(
        tmp_path,
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: docker://alpine:3.20\n      - run: npx wrangler deploy\n",
    )

    (finding,) = run(root, unpinned_action)[0]

    span = finding.location.span
    assert span is not None and (span.col, span.end_col) == (30, 35)
    assert "movable tag `3.20`" in finding.message


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            "          projectName: site\n          directory: dist\n",
            "`command: pages deploy dist --project-name=site`",
        ),
        (
            "          projectName: site\n          directory: dist\n"
            "          workingDirectory: apps/web\n",
            "`command: pages deploy dist --project-name=site`, keeping "
            "`workingDirectory: apps/web`",
        ),
    ],
)
def test_pages_action_replacement_is_pinned_and_keeps_the_folder(
    tmp_path: Path, inputs: str, expected: str
) -> None:
    root = write_workflow(
        tmp_path,
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: cloudflare/pages-action@v1\n        with:\n" + inputs,
    )

    (finding,) = run(root, deprecated_pages_action)[0]

    assert finding.help == (
        "replace it with `cloudflare/wrangler-action@<commit-sha> # v3` and " + expected
    )
    assert "@v3`" not in finding.help
