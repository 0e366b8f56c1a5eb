"""Secrets and target-environment rules: BR-03, BR-06, BR-08, BR-12, BR-14.

Also their fixtures and documentation examples (run here until the rules are
registered), the real runart-foundry pipeline and the public corpus.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from conftest import FIXTURES, shared_path

from runart_lint.engine import audit_repository
from runart_lint.findings import Confidence, Finding, Severity
from runart_lint.graph.shell import find_wrangler
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import (
    action_secrets_wrong_environment,
    ambiguous_secret_environment,
    credentials_not_unified,
    pages_deploy_env_flag,
    secret_in_run,
    secret_literal,
    unknown_deploy_environment,
    untrusted_input_in_run,
)
from runart_lint.rules.base import rule_from_module
from runart_lint.rules.docs import example

GROUP = (
    unknown_deploy_environment,
    pages_deploy_env_flag,
    action_secrets_wrong_environment,
    ambiguous_secret_environment,
    credentials_not_unified,
    secret_in_run,
    secret_literal,
)
WORKFLOW = ".github/workflows/deploy.yml"
JOB = """\
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
"""

Row = tuple[str, int, Severity]


def run(root: Path, *modules: ModuleType) -> list[Finding]:
    """Audit `root` with the rules of `modules` (default: the whole group)."""
    rules = [rule_from_module(module) for module in modules or GROUP]
    pack_file = root / "pack.toml"
    pack = load_pack(str(pack_file) if pack_file.exists() else None)
    result, _ = audit_repository(root, pack, rules, Options())
    assert not result.not_run
    return list(result.findings)


def write(root: Path, files: dict[str, str]) -> Path:
    """Write a small repository under `root`."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def rows(findings: list[Finding]) -> list[Row]:
    """Return `(rule, line, severity)` for each finding."""
    return [
        (f.rule_id, f.location.span.line if f.location.span else 0, f.severity)
        for f in findings
    ]


def places(findings: list[Finding]) -> list[tuple[str, int, int]]:
    """Return `(path, line, column)` for each finding."""
    return [
        (f.location.path, f.location.span.line, f.location.span.col)
        for f in findings
        if f.location.span is not None
    ]


# Fixtures and documentation examples -----------------------------------------


def _fixture_cases(kind: str) -> list[object]:
    cases: list[object] = []
    for module in GROUP:
        rule_id = module.META.id
        for folder in sorted((FIXTURES / "rules" / rule_id).glob(f"{kind}*")):
            cases.append(pytest.param(module, folder, id=f"{rule_id}/{folder.name}"))
    return cases


@pytest.mark.parametrize(("module", "folder"), _fixture_cases("positive"))
def test_positive_fixture_fires(module: ModuleType, folder: Path) -> None:
    assert run(folder, module)


@pytest.mark.parametrize(("module", "folder"), _fixture_cases("negative"))
def test_negative_fixture_is_quiet(module: ModuleType, folder: Path) -> None:
    assert run(folder, module) == []


@pytest.mark.parametrize("module", GROUP, ids=lambda m: m.META.id)
def test_every_rule_has_both_fixtures(module: ModuleType) -> None:
    folder = FIXTURES / "rules" / module.META.id
    assert any(folder.glob("positive*")) and any(folder.glob("negative*"))


@pytest.mark.parametrize("module", GROUP, ids=lambda m: m.META.id)
def test_doc_example_fires_and_fix_is_quiet(module: ModuleType, tmp_path: Path) -> None:
    files = example(rule_from_module(module))

    assert run(write(tmp_path / "bad", files.bad), module)
    assert run(write(tmp_path / "good", files.good), module) == []


# BR-03 -----------------------------------------------------------------------

BR03_CONFIG = """\
name = "api"
main = "src/index.ts"
[env.staging]
name = "api-staging"
"""


@pytest.mark.parametrize(
    ("step", "column"),
    [
        ("      - run: npx wrangler deploy --env production\n", 40),
        ("      - run: npx wrangler deploy --env=production\n", 40),
        ("      - run: npx wrangler deploy -e production\n", 37),
    ],
)
def test_br03_unknown_env_is_an_error(tmp_path: Path, step: str, column: int) -> None:
    files = {"wrangler.toml": BR03_CONFIG, WORKFLOW: JOB + step}
    findings = run(write(tmp_path, files), unknown_deploy_environment)

    assert rows(findings) == [("unknown-deploy-environment", 6, Severity.ERROR)]
    assert places(findings) == [(WORKFLOW, 6, column)]
    assert "`staging`" in findings[0].message


def test_br03_wrangler_action_environment_input(tmp_path: Path) -> None:
    step = """\
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          environment: production
"""
    files = {"wrangler.toml": BR03_CONFIG, WORKFLOW: JOB + step}
    findings = run(write(tmp_path, files), unknown_deploy_environment)

    assert rows(findings) == [("unknown-deploy-environment", 9, Severity.ERROR)]
    assert places(findings) == [(WORKFLOW, 9, 24)]


def test_br03_without_environments_is_a_warning(tmp_path: Path) -> None:
    files = {
        "wrangler.toml": 'name = "api"\nmain = "src/index.ts"\n',
        WORKFLOW: JOB + "      - run: npx wrangler deploy --env production\n",
    }
    findings = run(write(tmp_path, files), unknown_deploy_environment)

    assert rows(findings) == [("unknown-deploy-environment", 6, Severity.WARNING)]
    assert "new Worker `api-production`" in findings[0].message


@pytest.mark.parametrize(
    "flag", ['--env=""', "--env=", "--env staging", "--env ${{ inputs.env }}"]
)
def test_br03_top_level_known_and_dynamic_envs_pass(tmp_path: Path, flag: str) -> None:
    files = {
        "wrangler.toml": BR03_CONFIG,
        WORKFLOW: JOB + f"      - run: npx wrangler deploy {flag}\n",
    }
    assert run(write(tmp_path, files), unknown_deploy_environment) == []


# BR-06 -----------------------------------------------------------------------


def test_br06_env_flag_error_and_dynamic_branch_note(tmp_path: Path) -> None:
    steps = (
        "      - run: npx wrangler pages deploy dist --project-name site "
        "--env production\n"
        "      - run: npx wrangler pages deploy dist --project-name site "
        "--branch ${{ github.ref_name }}\n"
    )
    findings = run(write(tmp_path, {WORKFLOW: JOB + steps}), pages_deploy_env_flag)

    assert rows(findings) == [
        ("pages-deploy-env-flag", 6, Severity.ERROR),
        ("pages-deploy-env-flag", 7, Severity.NOTE),
    ]
    assert places(findings) == [(WORKFLOW, 6, 71), (WORKFLOW, 7, 74)]
    assert "`main`" in findings[1].message


def test_br06_env_flag_is_not_an_unknown_worker_env(tmp_path: Path) -> None:
    step = "      - run: npx wrangler pages deploy dist --env production\n"
    files = {"wrangler.toml": BR03_CONFIG, WORKFLOW: JOB + step}

    assert run(write(tmp_path, files), unknown_deploy_environment) == []


# BR-08 (the warning for `--env` with a build-output folder) -------------------


def test_br08_env_with_build_output_is_a_low_confidence_warning(
    tmp_path: Path,
) -> None:
    files = {
        "wrangler.jsonc": (
            "// wrangler.jsonc (source)\n"
            '{ "name": "app", "pages_build_output_dir": "dist",\n'
            '  "env": { "preview": { "vars": { "STAGE": "preview" } } } }\n'
        ),
        WORKFLOW: JOB
        + "      - run: npx wrangler --cwd dist pages deploy --env production\n",
    }
    findings = run(write(tmp_path, files), pages_deploy_env_flag)

    assert rows(findings) == [("pages-deploy-env-flag", 6, Severity.WARNING)]
    assert findings[0].confidence is Confidence.LOW
    assert places(findings) == [(WORKFLOW, 6, 57)]


def test_global_flags_before_the_subcommand_are_parsed() -> None:
    (command,) = find_wrangler("npx wrangler --cwd dist pages deploy --env production")

    assert command.verb == "pages deploy"
    assert command.flag("--cwd") is not None
    assert command.positionals == ()


# BR-12 -----------------------------------------------------------------------

BR12_STEP = """\
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: deploy --env production
          secrets: |
            API_KEY
        env:
          API_KEY: ${{ secrets.API_KEY }}
"""


def test_br12_secrets_without_environment_input(tmp_path: Path) -> None:
    findings = run(
        write(tmp_path, {WORKFLOW: JOB + BR12_STEP}), action_secrets_wrong_environment
    )

    assert rows(findings) == [("action-secrets-wrong-environment", 9, Severity.ERROR)]
    assert places(findings) == [(WORKFLOW, 9, 33)]
    assert "top-level Worker" in findings[0].message


def test_br12_matching_environment_input_passes(tmp_path: Path) -> None:
    step = BR12_STEP.replace(
        "          command:", "          environment: production\n          command:"
    )
    assert (
        run(write(tmp_path, {WORKFLOW: JOB + step}), action_secrets_wrong_environment)
        == []
    )


# BR-14 -----------------------------------------------------------------------

BR14_CONFIG = 'name = "proxy"\n[env.staging]\nname = "proxy-staging"\n'


def test_br14_secret_put_without_env(tmp_path: Path) -> None:
    step = '      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN\n'
    files = {"wrangler.toml": BR14_CONFIG, WORKFLOW: JOB + step}
    findings = run(write(tmp_path, files), ambiguous_secret_environment)

    assert rows(findings) == [("ambiguous-secret-environment", 6, Severity.WARNING)]
    assert places(findings) == [(WORKFLOW, 6, 30)]


@pytest.mark.parametrize(
    "command",
    ["secret bulk secrets.json", "versions deploy abc@100% -y", "rollback"],
)
def test_br14_other_commands_without_env(tmp_path: Path, command: str) -> None:
    files = {
        "wrangler.toml": BR14_CONFIG,
        WORKFLOW: JOB + f"      - run: npx wrangler {command}\n",
    }
    findings = run(write(tmp_path, files), ambiguous_secret_environment)

    assert rows(findings) == [("ambiguous-secret-environment", 6, Severity.WARNING)]


@pytest.mark.parametrize("flag", ["--env=", '--env=""', "--env staging"])
def test_br14_explicit_env_passes(tmp_path: Path, flag: str) -> None:
    step = f'      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN {flag}\n'
    files = {"wrangler.toml": BR14_CONFIG, WORKFLOW: JOB + step}

    assert run(write(tmp_path, files), ambiguous_secret_environment) == []


def test_br14_single_environment_config_passes(tmp_path: Path) -> None:
    step = '      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN\n'
    files = {"wrangler.toml": 'name = "proxy"\n', WORKFLOW: JOB + step}

    assert run(write(tmp_path, files), ambiguous_secret_environment) == []


# secret-literal masking -------------------------------------------------------

TOKEN = "Q9vX2mT7kLp4Rz8NwB3cYh6JdF1sGa5EuK0oVi_x"


def test_secret_literal_masks_the_value(tmp_path: Path) -> None:
    files = {"wrangler.toml": f'name = "api"\n[vars]\nAPI_TOKEN = "{TOKEN}"\n'}
    (finding,) = run(write(tmp_path, files), secret_literal)

    assert rows([finding]) == [("secret-literal", 3, Severity.ERROR)]
    assert "`Q9vX…`" in finding.message
    assert TOKEN not in finding.message + finding.help + finding.key
    assert TOKEN[4:12] not in finding.message + finding.help


@pytest.mark.parametrize(
    "value",
    [
        "6418ac6ace59487c97bda9c3a50ab10e",
        "https://runart-foundry.pages.dev",
        "true",
        "short",
        "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    ],
)
def test_secret_literal_ignores_ids_urls_and_short_values(
    tmp_path: Path, value: str
) -> None:
    files = {
        "wrangler.toml": f'name = "api"\n[vars]\nKV_ID = "{value}"\nV = "{value}"\n'
    }
    assert run(write(tmp_path, files), secret_literal) == []


# The real pipeline --------------------------------------------------------------


@pytest.fixture(scope="module")
def runart() -> list[Finding]:
    return run(shared_path("examples", "runart-foundry"))


def test_runart_secret_in_run_auth_smoke(runart: list[Finding]) -> None:
    preview = ".github/workflows/pages-preview.yml"
    found = [
        f for f in runart if f.rule_id == "secret-in-run" and f.location.path == preview
    ]

    assert places(found) == [(preview, 194, 31), (preview, 195, 35)]
    assert all("`Auth smoke (Service Token)`" in f.message for f in found)
    assert all(f.severity is Severity.WARNING for f in found)


def test_runart_credentials_second_names(runart: list[Finding]) -> None:
    found = [f for f in runart if f.rule_id == "credentials-not-unified"]
    legacy = ".github/workflows/briefing_deploy.yml"
    direct = ".github/workflows/pages-deploy-direct.yml"

    lines = [(path, line) for path, line, _ in places(found)]
    assert [(*place, f.key) for place, f in zip(lines, found, strict=True)] == [
        (legacy, 95, "CLOUDFLARE_API_TOKEN/CF_API_TOKEN"),
        (legacy, 96, "CLOUDFLARE_ACCOUNT_ID/CF_ACCOUNT_ID"),
        (direct, 34, "CLOUDFLARE_ACCOUNT_ID/CF_ACCOUNT_ID"),
        (direct, 35, "CLOUDFLARE_API_TOKEN/CF_API_TOKEN_PAGES"),
        (direct, 36, "CLOUDFLARE_API_TOKEN/CF_API_TOKEN"),
    ]
    assert {f.severity for f in found} == {Severity.WARNING}


def test_runart_pages_branches_and_no_env_errors(runart: list[Finding]) -> None:
    found = [f for f in runart if f.rule_id == "pages-deploy-env-flag"]

    assert places(found) == [
        (".github/workflows/pages-deploy-direct.yml", 266, 22),
        (".github/workflows/pages-preview.yml", 90, 19),
    ]
    assert {f.severity for f in found} == {Severity.NOTE}


@pytest.mark.parametrize(
    "rule_id",
    [
        "unknown-deploy-environment",
        "action-secrets-wrong-environment",
        "ambiguous-secret-environment",
        "secret-literal",
    ],
)
def test_runart_is_clean_for(runart: list[Finding], rule_id: str) -> None:
    assert [f.message for f in runart if f.rule_id == rule_id] == []


# The public corpus -----------------------------------------------------------------


def _public_folders() -> list[Path]:
    root = shared_path("examples", "public")
    return sorted(path for path in root.iterdir() if path.is_dir())


def test_public_corpus_runs_without_errors() -> None:
    for folder in _public_folders():
        for finding in run(folder):
            assert finding.location.path, folder.name


def test_public_cheqd_secrets_go_to_the_top_level_worker() -> None:
    folder = shared_path("examples", "public", "cheqd__data-api")
    findings = run(folder, action_secrets_wrong_environment)

    assert places(findings) == [(".github/workflows/staging.yml", 33, 33)]


def test_public_pitchey_preview_env_is_missing() -> None:
    folder = shared_path("examples", "public", "CavellTopDev__pitchey-app")
    findings = run(folder, unknown_deploy_environment)

    assert rows(findings) == [("unknown-deploy-environment", 69, Severity.WARNING)]
    assert places(findings)[0][0] == ".github/workflows/neon-preview.yml"


@pytest.mark.parametrize("repo", ["8bittitan__alq", "unkeyed__unkey"])
def test_public_env_flags_match_their_configs(repo: str) -> None:
    folder = shared_path("examples", "public", repo)
    assert run(folder, unknown_deploy_environment) == []


# Deploys inside compound shell statements ----------------------------------------


@pytest.mark.parametrize(
    ("script", "env"),
    [
        (
            "for a in 1 2 3; do if npx wrangler deploy 2>&1 | tee log; then exit 0; "
            "fi; done",
            None,
        ),
        ("if true; then npx wrangler deploy --env staging; fi", "staging"),
        ("while sleep 1; do npx wrangler deploy; done", None),
        ("until npx wrangler deploy -e production; do sleep 5; done", "production"),
        ("{ npx wrangler deploy; }", None),
        ("! npx wrangler deploy", None),
        ('case "$1" in\n  prod) npx wrangler deploy --env prod ;;\nesac', "prod"),
        ("deploy() { npx wrangler deploy; }", None),
        ("function deploy { npx wrangler deploy; }", None),
        ("npx wrangler deploy > out.log 2>&1", None),
    ],
)
def test_deploy_inside_compound_statement_is_found(
    script: str, env: str | None
) -> None:
    (command,) = find_wrangler(script)

    assert command.verb == "deploy"
    assert command.positionals == ()
    value = command.flag("--env", "-e")
    assert (value.text if value is not None else None) == env
    assert script[command.start : command.start + 3] == "npx"


@pytest.mark.parametrize(
    "script",
    [
        'echo "if npx wrangler deploy"',
        "for tool in wrangler deploy; do echo $tool; done",
        "npm install -g wrangler",
    ],
)
def test_words_that_are_not_commands_are_not_deploys(script: str) -> None:
    assert [c.verb for c in find_wrangler(script)] == []


def test_cd_inside_an_if_is_followed() -> None:
    (command,) = find_wrangler("if cd apps/api; then npx wrangler deploy; fi")

    assert command.cwd == "apps/api"


def test_public_schelling_game_retry_loop_deploy_is_seen() -> None:
    root = shared_path("examples", "public", "0xferit__schelling-game")
    _, audit = audit_repository(root, load_pack(None), [], Options())

    deploys = {(d.path, d.span.line) for d in audit.real_deploys() if d.is_deploy}

    assert (".github/workflows/deploy-production.yml", 50) in deploys


# Columns inside quoted YAML strings ------------------------------------------------


@pytest.mark.parametrize(
    ("run_value", "column"),
    [
        (r'"echo \"a\" \"b\" \"c\" ${{ github.head_ref }}"', 38),
        (r'"\techo \t${{ github.head_ref }}"', 24),
        (r'"\x41\u00e9 ${{ github.head_ref }}"', 26),
        ("'it''s ''x'' ${{ github.head_ref }}'", 27),
        ("plain ${{ github.head_ref }}", 20),
    ],
)
def test_expression_columns_inside_quoted_strings(
    tmp_path: Path, run_value: str, column: int
) -> None:
    workflow = (
        "on: pull_request\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    steps:\n"
        f"      - run: {run_value}\n"
        "      - run: npx wrangler pages deploy dist --project-name site\n"
        "        env:\n"
        "          CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}\n"
    )
    root = write(tmp_path, {WORKFLOW: workflow})
    rules = [rule_from_module(untrusted_input_in_run)]
    result, audit = audit_repository(root, load_pack(None), rules, Options())

    (finding,) = result.findings
    span = finding.location.span
    assert span is not None and (span.line, span.col) == (6, column)
    line = audit.lines(WORKFLOW)[5]
    assert line[span.col - 1 : span.end_col - 1] == "${{ github.head_ref }}"


def test_expression_after_a_folded_quoted_line(tmp_path: Path) -> None:
    workflow = (
        "on: pull_request\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: "echo \\"one\\"\n'
        '          two ${{ github.head_ref }}"\n'
        "      - run: npx wrangler pages deploy dist --project-name site\n"
        "        env:\n"
        "          CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}\n"
    )
    root = write(tmp_path, {WORKFLOW: workflow})
    rules = [rule_from_module(untrusted_input_in_run)]
    result, _ = audit_repository(root, load_pack(None), rules, Options())

    assert places(list(result.findings)) == [(WORKFLOW, 7, 15)]


# Production deployed from pull requests (BR-06, corpus case) -----------------------


PR_DEPLOY = """\
on:
  push:
    branches: [main]
  pull_request:
jobs:
  deploy:
    runs-on: ubuntu-latest
{guard}    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{{{ secrets.CLOUDFLARE_API_TOKEN }}}}
          command: pages deploy dist --project-name={project} --branch=main
"""


@pytest.mark.parametrize(
    ("guard", "project", "confidence"),
    [
        ("", "site", Confidence.MEDIUM),
        (
            "    if: github.event_name != 'pull_request' || "
            "github.event.pull_request.head.repo.full_name == github.repository\n",
            "site",
            Confidence.MEDIUM,
        ),
        ("", "runart-foundry", Confidence.HIGH),
    ],
)
def test_production_branch_deployed_on_pull_requests(
    tmp_path: Path, guard: str, project: str, confidence: Confidence
) -> None:
    workflow = PR_DEPLOY.format(guard=guard, project=project)

    findings = run(write(tmp_path, {WORKFLOW: workflow}), pages_deploy_env_flag)

    line = 13 if guard else 12
    assert rows(findings) == [("pages-deploy-env-flag", line, Severity.WARNING)]
    assert places(findings)[0][2] == workflow.splitlines()[line - 1].index("main") + 1
    assert "every pull request build goes to production" in findings[0].message
    assert findings[0].confidence is confidence


@pytest.mark.parametrize(
    "guard",
    [
        "    if: github.event_name == 'push'\n",
        "    if: github.ref == 'refs/heads/main'\n",
    ],
)
def test_production_deploy_kept_off_pull_requests_is_quiet(
    tmp_path: Path, guard: str
) -> None:
    workflow = PR_DEPLOY.format(guard=guard, project="site")

    assert run(write(tmp_path, {WORKFLOW: workflow}), pages_deploy_env_flag) == []


def test_preview_branch_on_pull_requests_is_quiet(tmp_path: Path) -> None:
    workflow = PR_DEPLOY.format(guard="", project="site").replace(
        "--branch=main", "--branch=preview"
    )

    assert run(write(tmp_path, {WORKFLOW: workflow}), pages_deploy_env_flag) == []


def test_public_pkg_pr_new_deploys_main_from_pull_requests() -> None:
    root = shared_path("examples", "public", "stackblitz-labs__pkg.pr.new")

    findings = run(root, pages_deploy_env_flag)

    assert rows(findings) == [("pages-deploy-env-flag", 39, Severity.WARNING)]
    assert "`pkg-pr-new`" in findings[0].message


# One finding per step and secret, and counts that add up ---------------------------


def test_secret_in_run_reports_each_secret_once_per_step(tmp_path: Path) -> None:
    steps = (
        "      - name: Smoke\n        run: |\n"
        "          curl -H ${{ secrets.A }} -H ${{ secrets.B }} x\n"
        "          curl -H ${{ secrets.A }} y\n"
        "          curl -H ${{ secrets.A }} z\n"
        "      - run: echo ${{ secrets.A }}\n"
    )

    findings = run(write(tmp_path, {WORKFLOW: JOB + steps}), secret_in_run)

    assert places(findings) == [
        (WORKFLOW, 8, 19),
        (WORKFLOW, 8, 39),
        (WORKFLOW, 11, 19),
    ]
    assert findings[0].message.endswith("of step `Smoke` (2 more times in this step)")
    assert findings[1].message.endswith("of step `Smoke`")
    assert len({f.key for f in findings}) == 3


def test_runart_secret_in_run_counts_per_step(runart: list[Finding]) -> None:
    direct = ".github/workflows/pages-deploy-direct.yml"
    found = [
        f for f in runart if f.rule_id == "secret-in-run" and f.location.path == direct
    ]

    further = [
        re.search(r"\((\d+) more times? in this step\)$", f.message) for f in found
    ]
    assert len({f.key for f in found}) == len(found) == 36
    assert len(found) + sum(int(m.group(1)) for m in further if m) == 44


def test_runart_credentials_message_counts_what_it_shows(
    runart: list[Finding],
) -> None:
    found = [f for f in runart if f.rule_id == "credentials-not-unified"]

    for finding in found:
        shown = len(finding.related)
        if shown:
            assert f"also read at {shown} noted place" in finding.message
    pages = next(f for f in found if f.key.endswith("/CF_API_TOKEN_PAGES"))
    assert pages.message.endswith(
        "(also read at 3 noted places and 15 more in this file)"
    )


def test_credentials_error_severity_is_documented() -> None:
    rule = rule_from_module(credentials_not_unified)

    assert rule.meta.severity is Severity.WARNING
    assert "an error for a token, above the rule's default" in rule.section(
        "What it does"
    ).replace("\n", " ").replace("  ", " ")
