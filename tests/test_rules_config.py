"""The wrangler-config rules against the bug reports and the real pipeline.

Each bug-report test writes the report's minimal input into a temporary
repository and checks the exact findings (rule, severity, line and column) of
the five config rules together, so a finding one rule should not make is
caught as well.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, shared_path

from runart_lint.engine import audit_repository
from runart_lint.findings import Finding, Severity
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import (
    binding_in_vars,
    env_binding_not_inherited,
    implicit_worker_name,
    invalid_config_type,
    invalid_kv_id,
    pages_unsupported_environment,
)
from runart_lint.rules.base import Rule, rule_from_module
from runart_lint.rules.docs import example, missing_sections, render_page

RULES: tuple[Rule, ...] = tuple(
    rule_from_module(module)
    for module in (
        binding_in_vars,
        env_binding_not_inherited,
        implicit_worker_name,
        invalid_kv_id,
        pages_unsupported_environment,
    )
)
IDS = [pytest.param(rule, id=rule.id) for rule in RULES]

Row = tuple[str, Severity, str, int, int]


def audit(folder: Path, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Audit `folder` with the config rules; fail if any rule did not run."""
    pack_file = folder / "pack.toml"
    pack = load_pack(str(pack_file) if pack_file.exists() else None)
    result, _ = audit_repository(folder, pack, rules, Options())
    assert not result.not_run
    return list(result.findings)


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write `files` under `folder` and return it."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def rows(findings: list[Finding]) -> list[Row]:
    """Return rule, severity, path, line and column of each finding."""
    result = []
    for finding in findings:
        span = finding.location.span
        assert span is not None
        result.append(
            (
                finding.rule_id,
                finding.severity,
                finding.location.path,
                span.line,
                span.col,
            )
        )
    return result


BR01 = """\
name = "shop"
main = "src/index.ts"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[env.test]
name = "shop-test"
"""


def test_br01_top_level_kv_missing_in_env(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR01}))

    assert rows(findings) == [
        ("env-binding-not-inherited", Severity.WARNING, "wrangler.toml", 5, 6)
    ]
    finding = findings[0]
    assert "`kv_namespaces`" in finding.message
    assert "`CART`" in finding.message
    assert finding.key == "env.test/kv_namespaces"
    assert finding.related[0][0].span is not None
    assert finding.related[0][0].span.line == 3


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("vars", '[vars]\nMODE = "x"\n'),
        ("d1_databases", 'd1_databases = [{ binding = "DB", database_id = "x" }]\n'),
        ("r2_buckets", 'r2_buckets = [{ binding = "B", bucket_name = "b" }]\n'),
        (
            "durable_objects",
            '[durable_objects]\nbindings = [{ name = "ROOM", class_name = "Room" }]\n',
        ),
        ("queues", '[[queues.producers]]\nbinding = "Q"\nqueue = "q"\n'),
        ("services", 'services = [{ binding = "API", service = "api" }]\n'),
        ("hyperdrive", 'hyperdrive = [{ binding = "H", id = "x" }]\n'),
        ("ai", '[ai]\nbinding = "AI"\n'),
        (
            "analytics_engine_datasets",
            'analytics_engine_datasets = [{ binding = "A", dataset = "d" }]\n',
        ),
        ("tail_consumers", 'tail_consumers = [{ service = "logs" }]\n'),
    ],
)
def test_br01_every_non_inheritable_key(tmp_path: Path, key: str, text: str) -> None:
    config = f'name = "shop"\nmain = "src/index.ts"\n{text}\n[env.test]\nname = "t"\n'
    findings = audit(
        write(tmp_path, {"wrangler.toml": config}),
        (rule_from_module(env_binding_not_inherited),),
    )

    assert [f.key for f in findings] == [f"env.test/{key}"]


BR02 = """\
name = "hooks"
main = "src/index.js"
workers_dev = true
compatibility_date = "2024-01-01"

[env.production]
routes = ["hooks.example.com/*"]
"""


def test_br02_inheritable_keys_are_not_reported(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR02}))

    not_implicit = [f for f in findings if f.rule_id != "implicit-worker-name"]
    assert not_implicit == []
    for finding in findings:
        for key in ("workers_dev", "compatibility_date", "main"):
            assert f"`{key}`" not in finding.message


def test_br02_env_without_name_is_still_a_new_worker(tmp_path: Path) -> None:
    # BR-02's `[env.production]` has routes and no `name`, exactly BR-04's
    # shape: it really deploys `hooks-production`, so BR-04's warning stands.
    findings = audit(write(tmp_path, {"wrangler.toml": BR02}))

    assert rows(findings) == [
        ("implicit-worker-name", Severity.WARNING, "wrangler.toml", 6, 6)
    ]
    assert "`hooks-production`" in findings[0].message


BR04 = """\
name = "edge"
main = "src/index.ts"
[env.production]
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]
"""


def test_br04_env_without_name_and_routes_warns(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR04}))

    assert rows(findings) == [
        ("implicit-worker-name", Severity.WARNING, "wrangler.toml", 3, 6)
    ]
    assert "`edge-production`" in findings[0].message
    assert findings[0].key == "env.production/name"


def test_br04_env_without_routes_is_a_note(tmp_path: Path) -> None:
    config = (
        'name = "edge"\nmain = "src/index.ts"\n[env.production]\nworkers_dev = true\n'
    )
    findings = audit(write(tmp_path, {"wrangler.toml": config}))

    assert rows(findings) == [
        ("implicit-worker-name", Severity.NOTE, "wrangler.toml", 3, 6)
    ]


def test_br04_inherited_routes_warn(tmp_path: Path) -> None:
    config = (
        'name = "edge"\nmain = "src/index.ts"\nroutes = ["example.com/*"]\n'
        "[env.staging]\nworkers_dev = true\n"
    )
    findings = audit(write(tmp_path, {"wrangler.toml": config}))

    assert rows(findings) == [
        ("implicit-worker-name", Severity.WARNING, "wrangler.toml", 4, 6)
    ]


BR07 = """\
name = "docs"
pages_build_output_dir = "./public"
compatibility_date = "2024-01-01"
[env.staging.vars]
MODE = "staging"
[env.production]
name = "docs-prod"
"""


def test_br07_pages_env_other_than_preview_production(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR07}))

    assert rows(findings) == [
        ("pages-unsupported-environment", Severity.ERROR, "wrangler.toml", 4, 6),
        ("pages-unsupported-environment", Severity.WARNING, "wrangler.toml", 7, 1),
    ]
    assert "`env.staging`" in findings[0].message
    assert "`env.production.name`" in findings[1].message


def test_br07_plan_stage_gets_its_own_project(tmp_path: Path) -> None:
    config = shared_path(
        "examples", "runart-foundry", "apps", "briefing", "wrangler.toml"
    ).read_text(encoding="utf-8")
    config += '\n[env.preview2.vars]\nRUNART_ENV = "preview2"\n'
    findings = audit(
        write(tmp_path, {"apps/briefing/wrangler.toml": config}),
        (rule_from_module(pages_unsupported_environment),),
    )

    assert rows(findings) == [
        (
            "pages-unsupported-environment",
            Severity.ERROR,
            "apps/briefing/wrangler.toml",
            60,
            6,
        )
    ]
    assert "`runart-foundry-preview2`" in findings[0].help
    assert "`apps/briefing/wrangler.preview2.toml`" in findings[0].help


BR09 = """\
[[kv_namespaces]]
binding = "SESSIONS"
id = "placeholder-kv-id"
"""


def test_br09_placeholder_kv_id(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR09}))

    assert rows(findings) == [("invalid-kv-id", Severity.ERROR, "wrangler.toml", 3, 6)]
    assert "placeholder" in findings[0].message


@pytest.mark.parametrize(
    "value",
    [
        "<YOUR_KV_ID>",
        "xxxx",
        "${KV_ID}",
        "",
        "your-kv-id",
        "sessions",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "2io01d4b299e481b9de060ece9e7785c",
    ],
)
def test_br09_every_kind_of_bad_id(tmp_path: Path, value: str) -> None:
    config = BR09.replace("placeholder-kv-id", value)
    findings = audit(write(tmp_path, {"wrangler.toml": config}))

    assert rows(findings) == [("invalid-kv-id", Severity.ERROR, "wrangler.toml", 3, 6)]


@pytest.mark.parametrize(
    "script",
    [
        'sed -i "s|placeholder-kv-id|$KV_ID|" wrangler.toml',
        "envsubst < wrangler.template.toml > wrangler.toml",
        "cat > wrangler.toml <<EOF\n[[kv_namespaces]]\nEOF",
        "printf '%s' \"$CONFIG\" > ./wrangler.toml",
    ],
)
def test_br09_rewritten_config_is_a_warning(tmp_path: Path, script: str) -> None:
    indented = "\n".join(f"          {line}" for line in script.split("\n"))
    workflow = (
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - name: Write config\n        run: |\n{indented}\n"
        "      - run: npx wrangler deploy\n"
    )
    files = {"wrangler.toml": BR09, ".github/workflows/deploy.yml": workflow}
    findings = audit(write(tmp_path, files))

    assert rows(findings) == [
        ("invalid-kv-id", Severity.WARNING, "wrangler.toml", 3, 6)
    ]
    assert "step `Write config` rewrites this file" in findings[0].message
    note = findings[0].related[0][0]
    assert note.path == ".github/workflows/deploy.yml"
    assert note.span is not None
    assert note.span.line == 8


def test_br09_rewrite_of_another_file_keeps_the_error(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: sed -i s/a/b/ other/wrangler.toml && echo ok > wrangler.log\n"
    )
    files = {"wrangler.toml": BR09, ".github/workflows/deploy.yml": workflow}
    findings = audit(write(tmp_path, files))

    assert rows(findings) == [("invalid-kv-id", Severity.ERROR, "wrangler.toml", 3, 6)]


def test_br09_d1_placeholder(tmp_path: Path) -> None:
    config = '[[d1_databases]]\nbinding = "DB"\ndatabase_id = "<YOUR_D1_ID>"\n'
    findings = audit(write(tmp_path, {"wrangler.toml": config}))

    assert rows(findings) == [("invalid-kv-id", Severity.ERROR, "wrangler.toml", 3, 15)]


BR11 = """\
[[kv_namespaces]]
binding = "WEATHER"
preview_id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
"""


def test_br11_preview_id_without_id(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": BR11}))

    assert rows(findings) == [("invalid-kv-id", Severity.ERROR, "wrangler.toml", 3, 1)]
    assert "no `id`" in findings[0].message


BR11_SHARED = """\
name = "w"
main = "src/index.ts"
kv_namespaces = [{{ binding = "WEATHER", id = "{a}", preview_id = "{b}" }}]
[env.staging]
name = "w-staging"
kv_namespaces = [{{ binding = "WEATHER", id = "{b}" }}]
"""


def test_br11_preview_id_is_another_envs_id(tmp_path: Path) -> None:
    config = BR11_SHARED.format(a="a" * 32, b="b" * 32)
    findings = audit(write(tmp_path, {"wrangler.toml": config}))

    assert rows(findings) == [
        ("invalid-kv-id", Severity.WARNING, "wrangler.toml", 3, 95)
    ]
    assert "`env.staging`" in findings[0].message


AFTER_VARS = """\
name = "shop"
main = "src/index.ts"

[vars]
MODE = "production"
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]
"""


def test_binding_array_after_vars_header(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": AFTER_VARS}))

    assert rows(findings) == [
        ("binding-in-vars", Severity.ERROR, "wrangler.toml", 6, 1)
    ]
    assert findings[0].key == "vars/kv_namespaces"


def test_runart_foundry_pages_env_overrides_vars_only() -> None:
    findings = audit(shared_path("examples", "runart-foundry"))
    config = "apps/briefing/wrangler.toml"

    assert rows(findings) == [
        ("invalid-kv-id", Severity.WARNING, config, 9, 14),
        ("invalid-kv-id", Severity.WARNING, config, 14, 14),
        ("invalid-kv-id", Severity.WARNING, config, 19, 14),
        ("env-binding-not-inherited", Severity.ERROR, config, 52, 6),
    ]
    inherited = findings[3]
    assert inherited.key == "env.production/kv_namespaces"
    assert "env.preview" not in inherited.message
    assert inherited.related[0][0].span is not None
    assert inherited.related[0][0].span.line == 6
    assert all("`env.preview`" in f.message for f in findings[:3])


@pytest.mark.parametrize("rule", IDS)
def test_documented_example_fires_and_fix_is_quiet(rule: Rule, tmp_path: Path) -> None:
    files = example(rule)

    assert [f for f in audit(write(tmp_path / "bad", files.bad), (rule,))]
    assert audit(write(tmp_path / "good", files.good), (rule,)) == []


@pytest.mark.parametrize("rule", IDS)
def test_fixtures(rule: Rule) -> None:
    folder = FIXTURES / "rules" / rule.id

    for positive in sorted(folder.glob("positive*")):
        assert [f for f in audit(positive, (rule,)) if f.rule_id == rule.id], positive
    for negative in sorted(folder.glob("negative*")):
        assert audit(negative, (rule,)) == [], negative


# Values of a type wrangler refuses: `invalid-config-type`, run directly until
# it is registered, and the other rules staying quiet about such values.

INVALID_TYPE = rule_from_module(invalid_config_type)
# Its fixtures move to `rules/` when the rule is registered.
PENDING = next(
    folder
    for folder in (
        FIXTURES / "rules" / INVALID_TYPE.id,
        FIXTURES / "pending" / INVALID_TYPE.id,
    )
    if folder.is_dir()
)
EVERY_RULE = (*RULES, INVALID_TYPE)

SHAPES = """\
name = "shop"
main = "src/index.ts"
kv_namespaces = [1, "s", { binding = 5 }, { binding = "OK", remote = "yes" }]
secrets = { required = ["A", 2], other = 1 }

[vars]
LAUNCH = 2024-06-01
SAID = "2024-06-01"

[env.production]
name = "shop"
vars = 5
kv_namespaces = "nope"
secrets = { required = ["A"] }

[env.staging]
name = "shop-staging"
secrets = "x"
vars = { LAUNCH = "2024-06-01", SAID = "2024-06-01" }
kv_namespaces = [{ binding = "OK", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]
"""


def test_invalid_types_are_reported_at_the_value(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": SHAPES}), (INVALID_TYPE,))

    assert [(row[1], row[3], row[4]) for row in rows(findings)] == [
        (Severity.ERROR, 3, 18),  # 1: not a table
        (Severity.ERROR, 3, 21),  # "s": not a table
        (Severity.ERROR, 3, 38),  # binding = 5
        (Severity.ERROR, 3, 70),  # remote = "yes"
        (Severity.ERROR, 4, 30),  # required holds 2
        (Severity.WARNING, 4, 34),  # other: only a warning, as in wrangler
        (Severity.ERROR, 7, 10),  # a TOML date
        (Severity.ERROR, 12, 8),  # env.production.vars = 5
        (Severity.ERROR, 13, 17),  # env.production.kv_namespaces = "nope"
        (Severity.ERROR, 18, 11),  # env.staging.secrets = "x"
    ]
    assert findings[0].message == "`kv_namespaces[0]` is a number, not a table"
    assert "`env.production.vars` is a number" in findings[7].message


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ('name = "api"\nenv = "oops"\n', 2, 7, "`env` is a string, not a table"),
        ('name = "api"\nenv.staging = 3\n', 2, 15, "`env.staging` is a number"),
        (
            'name = "site"\npages_build_output_dir = 3\n',
            2,
            26,
            "`pages_build_output_dir` is a number, not a string",
        ),
    ],
)
def test_env_and_output_dir_types(
    tmp_path: Path, text: str, line: int, col: int, message: str
) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": text}), (INVALID_TYPE,))

    assert [(f.location.span.line, f.location.span.col) for f in findings] == [
        (line, col)
    ]
    assert message in findings[0].message


def test_json_config_gets_json_help(tmp_path: Path) -> None:
    text = '{\n  "name": "api",\n  "env": [1, 2],\n  "kv_namespaces": "x"\n}\n'

    findings = audit(write(tmp_path, {"wrangler.json": text}), (INVALID_TYPE,))

    assert [row[3:] for row in rows(findings)] == [(3, 10), (4, 20)]
    assert "an object of environments" in findings[0].message
    assert '`"env": { "staging": {' in findings[0].help
    assert all("[env." not in f.help and "[[" not in f.help for f in findings)


def test_wrong_types_give_no_other_finding(tmp_path: Path) -> None:
    findings = audit(write(tmp_path, {"wrangler.toml": SHAPES}), EVERY_RULE)

    others = [f for f in findings if f.rule_id != INVALID_TYPE.id]
    assert [(f.rule_id, f.message) for f in others] == []


def test_numeric_binding_name_is_no_binding(tmp_path: Path) -> None:
    text = (
        'name = "api"\nmain = "src/index.ts"\n'
        'kv_namespaces = [1, "s", { binding = 5 }]\n\n'
        '[env.production]\nname = "api"\n'
        'kv_namespaces = [{ binding = "A", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]\n'
    )

    findings = audit(write(tmp_path, {"wrangler.toml": text}), EVERY_RULE)

    assert not any("`5`" in f.message for f in findings)
    assert {f.rule_id for f in findings} == {INVALID_TYPE.id}


def test_invalid_type_fixtures() -> None:
    assert any(PENDING.glob("positive*")) and any(PENDING.glob("negative*"))
    for positive in sorted(PENDING.glob("positive*")):
        found = [f for f in audit(positive, (INVALID_TYPE,))]
        assert found and all(f.rule_id == INVALID_TYPE.id for f in found), positive
    for negative in sorted(PENDING.glob("negative*")):
        assert audit(negative, (INVALID_TYPE,)) == [], negative


def test_invalid_type_page_and_example(tmp_path: Path) -> None:
    files = example(INVALID_TYPE)

    assert missing_sections(INVALID_TYPE) == []
    assert render_page(INVALID_TYPE).startswith("# invalid-config-type\n")
    assert audit(write(tmp_path / "bad", files.bad), (INVALID_TYPE,))
    assert audit(write(tmp_path / "good", files.good), (INVALID_TYPE,)) == []


# Help texts speak the config's own syntax.


def test_json_config_help_uses_json_syntax(tmp_path: Path) -> None:
    text = (
        '{\n  "name": "shop",\n  "main": "src/index.ts",\n'
        '  "kv_namespaces": [{ "binding": "CART", '
        '"id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }],\n'
        '  "env": { "staging": { "name": "shop-staging" } }\n}\n'
    )

    findings = audit(write(tmp_path, {"wrangler.jsonc": text}))

    assert [f.rule_id for f in findings] == ["env-binding-not-inherited"]
    assert "[env." not in findings[0].help
    assert 'the `"staging"` object of `"env"`' in findings[0].help


def test_pages_override_names_vars_as_vars(tmp_path: Path) -> None:
    text = (
        'name = "site"\npages_build_output_dir = "dist"\n\n[vars]\nA = "1"\n\n'
        "[[env.production.kv_namespaces]]\n"
        'binding = "K"\nid = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"\n'
    )

    findings = audit(write(tmp_path, {"wrangler.toml": text}))

    assert [f.message for f in findings] == [
        "`env.production` overrides `kv_namespaces` but not `vars` (var `A`); "
        "Pages requires all non-inheritable keys or none"
    ]
