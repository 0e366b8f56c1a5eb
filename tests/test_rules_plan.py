"""Rules that check the plan (rule pack) against the pipeline.

Each rule against its fixture folders with exact places, the real RunArt
Foundry pipeline through the engine and through the command line, the public
corpus (no crash, no plan findings where the plan does not apply) and BR-19.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from conftest import FIXTURES, shared_path

import runart_lint.rules as registry
from runart_lint.cli import main
from runart_lint.engine import audit_repository
from runart_lint.findings import Confidence, Finding, Severity
from runart_lint.graph.stages import (
    DEV_TIER,
    PRODUCTION_TIER,
    STAGING_TIER,
    env_tier,
)
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.reporters.sarif import render_sarif
from runart_lint.rules import (
    deploy_without_config,
    env_binding_not_inherited,
    invalid_file,
    missing_rollback,
    missing_stage_config,
    shared_kv_namespace,
    skipped_stage,
    stage_branch_alias,
    unordered_promotion,
)
from runart_lint.rules.base import Rule, rule_from_module

MODULES: tuple[ModuleType, ...] = (
    deploy_without_config,
    missing_rollback,
    missing_stage_config,
    shared_kv_namespace,
    skipped_stage,
    stage_branch_alias,
    unordered_promotion,
)
RULES = {rule.id: rule for rule in map(rule_from_module, MODULES)}
RULE_FIXTURES = FIXTURES / "rules"

Place = tuple[str, str, int, str]

# Every positive fixture: (rule, path, line, severity) of each finding.
POSITIVE: dict[str, set[Place]] = {
    "deploy-without-config/positive": {
        ("deploy-without-config", ".github/workflows/production.yml", 17, "error"),
    },
    "deploy-without-config/positive-by-name": {
        ("deploy-without-config", ".github/workflows/deploy.yml", 9, "warning"),
    },
    "deploy-without-config/positive-file-name": {
        ("deploy-without-config", ".github/workflows/staging.yml", 14, "error"),
    },
    "missing-rollback/positive": {
        ("missing-rollback", ".github/workflows/production.yml", 18, "warning"),
    },
    "missing-rollback/positive-no-pack": {
        ("missing-rollback", ".github/workflows/deploy.yml", 9, "warning"),
    },
    "missing-rollback/positive-other-project": {
        ("missing-rollback", ".github/workflows/production.yml", 18, "warning"),
    },
    "missing-rollback/positive-rebuild-today": {
        ("missing-rollback", ".github/workflows/deploy.yml", 9, "warning"),
    },
    "missing-stage-config/positive": {
        ("missing-stage-config", "app/wrangler.toml", 11, "error"),
    },
    "missing-stage-config/positive-no-config": {
        ("missing-stage-config", "pack.toml", 17, "error"),
    },
    "missing-stage-config/positive-no-env-block": {
        ("missing-stage-config", "wrangler.toml", 1, "error"),
    },
    "missing-stage-config/positive-vars": {
        ("missing-stage-config", "app/staging/wrangler.toml", 6, "error"),
        ("missing-stage-config", "app/wrangler.toml", 5, "error"),
    },
    "shared-kv-namespace/positive": {
        ("shared-kv-namespace", "app/wrangler.toml", 10, "error"),
    },
    "shared-kv-namespace/positive-tiers": {
        ("shared-kv-namespace", "wrangler.toml", 5, "warning"),
    },
    "skipped-stage/positive": {
        ("skipped-stage", "apps/api/wrangler.toml", 7, "warning"),
    },
    "skipped-stage/positive-plan": {
        ("skipped-stage", "app/staging/wrangler.toml", 1, "error"),
    },
    "stage-branch-alias/positive": {
        ("stage-branch-alias", ".github/workflows/staging.yml", 9, "error"),
    },
    "stage-branch-alias/positive-production-branch": {
        ("stage-branch-alias", ".github/workflows/staging.yml", 14, "error"),
    },
    "unordered-promotion/positive": {
        ("unordered-promotion", ".github/workflows/production.yml", 16, "error"),
    },
    "unordered-promotion/positive-no-success-check": {
        ("unordered-promotion", ".github/workflows/production.yml", 17, "error"),
    },
    "unordered-promotion/positive-triggers": {
        ("unordered-promotion", ".github/workflows/production.yml", 3, "warning"),
        ("unordered-promotion", ".github/workflows/production.yml", 5, "warning"),
    },
}

# The real faults of the RunArt Foundry pipeline, each at the line that causes it.
RUNART_FAULTS: set[Place] = {
    ("shared-kv-namespace", "apps/briefing/wrangler.toml", 45, "error"),
    ("stage-branch-alias", ".github/workflows/pages-preview2.yml", 21, "error"),
    ("missing-rollback", ".github/workflows/pages-prod.yml", 152, "warning"),
    ("unordered-promotion", ".github/workflows/pages-deploy.yml", 52, "error"),
    ("unordered-promotion", ".github/workflows/pages-deploy.yml", 10, "warning"),
    ("unordered-promotion", ".github/workflows/pages-prod.yml", 152, "error"),
    ("unordered-promotion", ".github/workflows/pages-prod.yml", 8, "warning"),
    ("deploy-without-config", ".github/workflows/pages-deploy.yml", 52, "error"),
    ("deploy-without-config", ".github/workflows/pages-preview2.yml", 55, "error"),
    ("deploy-without-config", ".github/workflows/pages-prod.yml", 152, "error"),
}
PLAN_ONLY = {
    "missing-stage-config",
    "stage-branch-alias",
    "unordered-promotion",
    "deploy-without-config",
}


def _audit(folder: Path, rules: list[Rule], pack: str | None = None) -> list[Finding]:
    """Audit a folder with `rules`; its own `pack.toml` replaces the default."""
    pack_file = folder / "pack.toml"
    spec = pack or (str(pack_file) if pack_file.exists() else None)
    result, _ = audit_repository(folder, load_pack(spec), rules, Options())
    assert not result.not_run
    return list(result.findings)


def _places(findings: list[Finding]) -> set[Place]:
    """Return what the tests compare: rule, path, line and severity."""
    return {
        (
            f.rule_id,
            f.location.path,
            f.location.span.line if f.location.span else 0,
            f.severity.label,
        )
        for f in findings
    }


def _write(root: Path, files: dict[str, str]) -> Path:
    """Write a small repository into `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _fixtures(kind: str) -> list[object]:
    """Return the fixture folders of this file's rules whose names start with `kind`."""
    return [
        pytest.param(folder, id=f"{folder.parent.name}/{folder.name}")
        for rule_id in sorted(RULES)
        for folder in sorted((RULE_FIXTURES / rule_id).glob(f"{kind}*"))
    ]


@pytest.mark.parametrize("folder", _fixtures("positive"))
def test_positive_fixture_fires_at_its_places(folder: Path) -> None:
    rule = RULES[folder.parent.name]

    findings = _audit(folder, [rule])

    assert _places(findings) == POSITIVE[f"{folder.parent.name}/{folder.name}"]


@pytest.mark.parametrize("folder", _fixtures("negative"))
def test_negative_fixture_is_quiet(folder: Path) -> None:
    rule = RULES[folder.parent.name]

    assert [f.message for f in _audit(folder, [rule])] == []


def test_every_positive_fixture_has_expectations() -> None:
    folders = {
        f"{rule_id}/{folder.name}"
        for rule_id in RULES
        for folder in (RULE_FIXTURES / rule_id).glob("positive*")
    }

    assert folders == set(POSITIVE)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_has_both_fixtures(rule_id: str) -> None:
    assert any((RULE_FIXTURES / rule_id).glob("positive*"))
    assert any((RULE_FIXTURES / rule_id).glob("negative*"))


def test_runart_foundry_reports_each_real_fault_at_its_line() -> None:
    root = shared_path("examples", "runart-foundry")

    findings = _audit(root, list(RULES.values()))

    assert _places(findings) == RUNART_FAULTS


def test_runart_foundry_messages_name_the_fault() -> None:
    root = shared_path("examples", "runart-foundry")

    findings = {f.rule_id: f for f in _audit(root, list(RULES.values()))}

    shared = findings["shared-kv-namespace"]
    assert "`5c809442ad5a4a5cb4bcca714c70fabf`" in shared.message
    assert "`LOG_EVENTS`" in shared.message
    assert shared.related[0][0].path == "apps/briefing/wrangler.preview2.toml"
    assert shared.related[0][0].span is not None
    assert shared.related[0][0].span.line == 12
    alias = findings["stage-branch-alias"]
    assert "branch `preview2` of project `runart-foundry`" in alias.message
    assert any(
        loc.path == "apps/briefing/wrangler.preview2.toml" for loc, _ in alias.related
    )
    assert "missing-stage-config" not in findings
    assert "workingDirectory: apps/briefing" in findings["deploy-without-config"].help


def test_runart_foundry_worker_sharing_a_namespace_is_at_most_a_note() -> None:
    root = shared_path("examples", "runart-foundry")

    findings = _audit(root, [RULES["shared-kv-namespace"]])

    worker = [f for f in findings if "workers/" in f.location.path]
    assert all(f.severity is Severity.NOTE for f in worker)
    assert not any("preview_id" in f.message for f in findings)


def test_runart_foundry_disabled_ci_job_is_no_deploy() -> None:
    root = shared_path("examples", "runart-foundry")
    _, audit = audit_repository(root, load_pack(None), [], Options())

    deploys = {d.path for d in audit.real_deploys()}

    assert ".github/workflows/ci.yml" not in deploys
    assert ".github/workflows/pages-deploy.yml" in deploys


def test_cli_reports_runart_foundry_faults(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shared_path("examples", "runart-foundry")
    known = {rule.id for rule in registry.RULES}
    extra = tuple(rule for rule in RULES.values() if rule.id not in known)
    monkeypatch.setattr(registry, "RULES", registry.RULES + extra)

    code = main([str(root), "--format", "json", "--select", ",".join(sorted(RULES))])

    report = json.loads(capsys.readouterr().out)
    found = {
        (f["rule_id"], f["path"], f["line"], f["severity"]) for f in report["findings"]
    }
    assert found == RUNART_FAULTS
    assert code == 1
    assert all(f["line"] >= 1 and f["column"] >= 1 for f in report["findings"])


def test_public_corpus_runs_cleanly_and_leaves_the_plan_alone() -> None:
    corpus = shared_path("examples", "public")

    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        findings = _audit(folder, list(RULES.values()))
        assert not {f.rule_id for f in findings} & PLAN_ONLY, folder.name
        assert not [f for f in findings if f.severity is Severity.ERROR], folder.name
        assert all(f.location.span and f.location.span.line >= 1 for f in findings)


def test_public_alq_staging_env_is_skipped() -> None:
    root = shared_path("examples", "public", "8bittitan__alq")

    findings = _audit(root, [RULES["skipped-stage"]])

    assert _places(findings) == {
        ("skipped-stage", "apps/api/wrangler.toml", 9, "warning"),
    }


def test_public_pages_deploy_of_the_pushed_branch_is_not_production() -> None:
    root = shared_path("examples", "public", "BreakableHoodie__settimesdotca")

    assert _audit(root, [RULES["missing-rollback"]]) == []


def test_br19_rollback_finding_has_a_real_line(tmp_path: Path) -> None:
    # BR-19: "no rollback workflow in repository" has no natural line; the
    # finding must still point at line >= 1 of a file in the repository.
    root = _write(
        tmp_path,
        {
            "wrangler.toml": 'name = "api"\nmain = "src/index.ts"\n',
            ".github/workflows/deploy.yml": (
                "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n"
                "    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: npx wrangler deploy\n"
            ),
        },
    )

    findings = _audit(root, [RULES["missing-rollback"]])

    assert _places(findings) == {
        ("missing-rollback", ".github/workflows/deploy.yml", 8, "warning"),
    }
    span = findings[0].location.span
    assert span is not None and span.col >= 1


def test_missing_config_with_builtin_pack_points_inside_the_repository(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        {
            ".github/workflows/pages-preview2.yml": (
                "on:\n  push:\n    branches: [develop]\njobs:\n  deploy:\n"
                "    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: npx wrangler pages deploy site"
                " --project-name runart-foundry-preview2\n"
            ),
        },
    )

    findings = _audit(root, [RULES["missing-stage-config"]])

    assert _places(findings) == {
        ("missing-stage-config", ".github/workflows/pages-preview2.yml", 8, "error"),
    }
    assert not any(f.location.path.startswith("<builtin>") for f in findings)


def test_rollback_not_required_by_the_pack_is_quiet() -> None:
    folder = RULE_FIXTURES / "unordered-promotion" / "positive"

    assert _audit(folder, [RULES["missing-rollback"]]) == []


@pytest.mark.parametrize(
    ("name", "tier"),
    [
        ("development", DEV_TIER),
        ("local", DEV_TIER),
        ("staging", STAGING_TIER),
        ("preview2", STAGING_TIER),
        ("preprod", STAGING_TIER),
        ("canary", STAGING_TIER),
        ("production", PRODUCTION_TIER),
        ("prod_eu", PRODUCTION_TIER),
        ("daily", None),
        (None, None),
    ],
)
def test_env_tier(name: str | None, tier: int | None) -> None:
    assert env_tier(name) == tier


# A config or workflow that is there but cannot be parsed is not "missing".


def test_unparseable_stage_config_is_not_called_missing(tmp_path: Path) -> None:
    source = RULE_FIXTURES / "missing-stage-config" / "positive-no-config"
    root = _copy(source, tmp_path / "repo")
    (root / "app" / "staging").mkdir(parents=True)
    (root / "app" / "staging" / "wrangler.toml").write_text('name = "site-staging\n')
    rules = [RULES["missing-stage-config"], rule_from_module(invalid_file)]

    findings = _audit(root, rules)

    assert {f.rule_id for f in findings} == {"invalid-file"}
    assert not any("does not exist" in f.message for f in findings)


def test_unparseable_stage_workflow_is_not_called_undeployed(tmp_path: Path) -> None:
    root = _copy(RULE_FIXTURES / "skipped-stage" / "positive-plan", tmp_path / "repo")
    (root / ".github" / "workflows" / "staging.yml").write_text("on: [push\n")

    findings = _audit(root, [RULES["skipped-stage"]])

    assert findings == []


def test_unparseable_rollback_workflow_is_not_called_missing(tmp_path: Path) -> None:
    root = _copy(RULE_FIXTURES / "missing-rollback" / "positive", tmp_path / "repo")
    (root / ".github" / "workflows" / "rollback.yml").write_text("on: [push\n")

    assert _audit(root, [RULES["missing-rollback"]]) == []


# One fault, one finding: top-level bindings an env block lacks belong to
# `env-binding-not-inherited`; bindings that are nowhere to this rule.


def _stage_config(tmp_path: Path, config: str) -> Path:
    """Write a one-stage Workers plan whose production env needs `CART`."""
    pack = (
        'promotion = ["production"]\n\n[pack]\nname = "shop"\n\n[[stages]]\n'
        'name = "production"\nkind = "worker"\nconfig = "wrangler.toml"\n'
        'config_env = "production"\nbindings = ["CART"]\n\n'
        "[rollback]\nrequired = false\n"
    )
    return _write(tmp_path, {"pack.toml": pack, "wrangler.toml": config})


def test_top_level_binding_is_left_to_env_binding_not_inherited(
    tmp_path: Path,
) -> None:
    root = _stage_config(
        tmp_path,
        'name = "shop"\nkv_namespaces = [{ binding = "CART", id = "'
        + "a" * 32
        + '" }]\n\n[env.production]\nname = "shop"\n',
    )
    rules = [RULES["missing-stage-config"], rule_from_module(env_binding_not_inherited)]

    findings = _audit(root, rules)

    assert [
        (f.rule_id, f.location.span.line if f.location.span else 0) for f in findings
    ] == [("env-binding-not-inherited", 4)]


def test_binding_that_is_nowhere_is_missing_stage_config(tmp_path: Path) -> None:
    root = _stage_config(tmp_path, 'name = "shop"\n\n[env.production]\nname = "shop"\n')

    findings = _audit(root, [RULES["missing-stage-config"]])

    assert [(f.rule_id, f.message) for f in findings] == [
        (
            "missing-stage-config",
            "`env.production` of `wrangler.toml` lacks binding `CART` that stage "
            "`production` needs",
        )
    ]


def test_runart_foundry_production_block_is_reported_once() -> None:
    root = shared_path("examples", "runart-foundry")
    rules = [RULES["missing-stage-config"], rule_from_module(env_binding_not_inherited)]

    findings = _audit(root, rules)

    at_52 = [f for f in findings if f.location.span and f.location.span.line == 52]
    assert [f.rule_id for f in at_52] == ["env-binding-not-inherited"]


def test_json_config_var_help_is_json(tmp_path: Path) -> None:
    pack = (
        'promotion = ["production"]\n\n[pack]\nname = "shop"\n\n[[stages]]\n'
        'name = "production"\nkind = "worker"\nconfig = "wrangler.json"\n'
        'config_env = "production"\nvars = { STAGE = "production" }\n\n'
        "[rollback]\nrequired = false\n"
    )
    config = '{\n  "name": "shop",\n  "env": { "staging": {} }\n}\n'
    root = _write(tmp_path, {"pack.toml": pack, "wrangler.json": config})

    findings = _audit(root, [RULES["missing-stage-config"]])

    assert [f.help for f in findings] == [
        'add the `"production"` object of `"env"` with the stage\'s bindings and vars'
    ]


# A pack stored outside the repository is never pointed at.


def test_pack_outside_the_repository_is_not_a_location(tmp_path: Path) -> None:
    source = RULE_FIXTURES / "missing-stage-config" / "positive-no-config"
    root = _copy(source, tmp_path / "repo")
    outside = tmp_path / "plans" / "base.toml"
    outside.parent.mkdir()
    (root / "pack.toml").rename(outside)
    rules = [RULES["missing-stage-config"], RULES["skipped-stage"]]

    findings = _audit(root, rules, pack=str(outside))

    assert findings
    assert {f.location.path for f in findings} <= {
        ".github/workflows/staging.yml",
        "app/wrangler.toml",
    }
    assert all((root / f.location.path).is_file() for f in findings)


def test_pack_inside_the_repository_is_pointed_at(tmp_path: Path) -> None:
    source = RULE_FIXTURES / "missing-stage-config" / "positive-no-config"
    root = _copy(source, tmp_path / "repo")

    findings = _audit(root, [RULES["missing-stage-config"]])

    assert _places(findings) == {("missing-stage-config", "pack.toml", 17, "error")}


def test_sarif_names_no_file_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = RULE_FIXTURES / "missing-stage-config" / "positive-no-config"
    root = _copy(source, tmp_path / "repo")
    (root / "pack.toml").rename(tmp_path / "base.toml")
    monkeypatch.chdir(tmp_path)  # `--pack base.toml` given from outside the repo
    result, _ = audit_repository(
        root, load_pack("base.toml"), list(RULES.values()), Options()
    )

    sarif = json.loads(render_sarif(result, list(RULES.values())))

    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for run in sarif["runs"]
        for finding in run["results"]
        for location in finding["locations"]
    }
    assert uris and "base.toml" not in uris
    assert all((root / uri).is_file() for uri in uris)


@pytest.mark.parametrize(
    ("stage", "help_text"),
    [
        (
            "production",
            "add a job that deploys `production` after the `staging` deploy",
        ),
        (
            "staging",
            "add a job that deploys `staging` after the `preview` deploy and before "
            "the `production` deploy",
        ),
    ],
)
def test_skipped_stage_help_names_its_neighbours(
    tmp_path: Path, stage: str, help_text: str
) -> None:
    root = _copy(RULE_FIXTURES / "skipped-stage" / "positive-plan", tmp_path / "repo")
    for workflow in (root / ".github" / "workflows").iterdir():
        workflow.unlink()

    findings = _audit(root, [RULES["skipped-stage"]])

    helps = {f.key: f.help for f in findings}
    assert helps[f"stage/{stage}"] == help_text


def test_skipped_env_help_has_no_doubled_article(tmp_path: Path) -> None:
    config = (
        'name = "api"\nmain = "src/index.ts"\n\n[env.staging]\nname = "api-staging"\n'
    )
    workflow = (
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: npx wrangler deploy\n"
    )
    root = _write(
        tmp_path, {"wrangler.toml": config, ".github/workflows/deploy.yml": workflow}
    )

    (finding,) = _audit(root, [RULES["skipped-stage"]])

    assert "the the" not in finding.help
    assert finding.help.startswith("deploy `--env staging` in a job that the top-level")


def _copy(source: Path, target: Path) -> Path:
    """Copy a fixture folder to `target` and return it."""
    shutil.copytree(source, target)
    return target


# Rollbacks must restore what production runs.

PAGES_DEPLOY = (
    "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n"
    "    runs-on: ubuntu-latest\n    steps:\n"
    "      - run: npx wrangler pages deploy dist --project-name site --branch main\n"
)


def _rollback_workflow(step: str) -> str:
    """Return a manual workflow whose only job runs `step`."""
    return (
        "on:\n  workflow_dispatch:\n    inputs:\n      id:\n        required: true\n"
        "env:\n  PROJECT: site\njobs:\n  rollback:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n{step}"
    )


API_STEP = (
    "      - run: curl -X POST https://api.cloudflare.com/client/v4/accounts/a/"
    "pages/projects/{project}/deployments/${{{{ inputs.id }}}}/rollback\n"
)


@pytest.mark.parametrize("project", ["site", "${{ env.PROJECT }}", "$PROJECT"])
def test_rollback_api_for_the_production_project(tmp_path: Path, project: str) -> None:
    root = _write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": PAGES_DEPLOY,
            ".github/workflows/rollback.yml": _rollback_workflow(
                API_STEP.format(project=project)
            ),
        },
    )

    assert _audit(root, [RULES["missing-rollback"]]) == []


def test_rollback_api_for_another_project_does_not_count(tmp_path: Path) -> None:
    rollback = _rollback_workflow(API_STEP.format(project="blog"))
    root = _write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": PAGES_DEPLOY,
            ".github/workflows/rollback.yml": rollback,
        },
    )

    (finding,) = _audit(root, [RULES["missing-rollback"]])

    assert finding.severity is Severity.WARNING
    assert "Pages rollback API" in finding.help
    assert "wrangler rollback" not in finding.help


def test_rollback_api_for_a_run_time_project_is_a_low_confidence_note(
    tmp_path: Path,
) -> None:
    rollback = _rollback_workflow(API_STEP.format(project="${{ inputs.id }}"))
    root = _write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": PAGES_DEPLOY,
            ".github/workflows/rollback.yml": rollback,
        },
    )

    (finding,) = _audit(root, [RULES["missing-rollback"]])

    assert (finding.severity, finding.confidence) == (Severity.NOTE, Confidence.LOW)
    assert finding.related[0][0].path == ".github/workflows/rollback.yml"


def test_wrangler_rollback_does_not_restore_pages(tmp_path: Path) -> None:
    rollback = _rollback_workflow("      - run: npx wrangler rollback\n")
    root = _write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": PAGES_DEPLOY,
            ".github/workflows/rollback.yml": rollback,
        },
    )

    assert _places(_audit(root, [RULES["missing-rollback"]])) == {
        ("missing-rollback", ".github/workflows/deploy.yml", 8, "warning"),
    }


def test_wrangler_rollback_of_another_worker_does_not_count(tmp_path: Path) -> None:
    rollback = _rollback_workflow("      - run: npx wrangler rollback --name other\n")
    root = _write(
        tmp_path,
        {
            "wrangler.toml": 'name = "api"\nmain = "src/index.ts"\n',
            ".github/workflows/deploy.yml": PAGES_DEPLOY.replace(
                "pages deploy dist --project-name site --branch main", "deploy"
            ),
            ".github/workflows/rollback.yml": rollback,
        },
    )

    assert len(_audit(root, [RULES["missing-rollback"]])) == 1


def test_public_pitchey_emergency_rollback_redeploys_a_tag() -> None:
    root = shared_path("examples", "public", "CavellTopDev__pitchey-app")

    assert _audit(root, [RULES["missing-rollback"]]) == []


def test_deploy_reading_an_unparseable_config_is_left_to_invalid_file(
    tmp_path: Path,
) -> None:
    source = RULE_FIXTURES / "deploy-without-config" / "positive"
    root = _copy(source, tmp_path / "repo")
    (root / "wrangler.toml").write_text('name = "broken\n')

    findings = _audit(root, [RULES["deploy-without-config"]])

    assert findings == []
