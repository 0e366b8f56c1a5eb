"""The configuration file: discovery, every error message, flags over the file."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO

from runart_lint.cli import main
from runart_lint.config import (
    CONFIG_FILE,
    SCHEMA_FILE,
    ConfigError,
    find_config,
    load_config,
    render_schema,
    settings_for,
)
from runart_lint.rules import RULES

KNOWN = frozenset(rule.id for rule in RULES)
BAD_VARS = (
    'name = "shop"\nmain = "src/index.ts"\n\n[vars]\n'
    'kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]\n'
)
NO_PLAN_PACK = (
    '[pack]\nname = "t"\n\n[[stages]]\nname = "prod"\nkind = "worker"\n'
    'project = "shop"\n\n[rollback]\nrequired = false\n'
)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(root: Path, text: str, name: str = CONFIG_FILE) -> ConfigError:
    path = _write(root, name, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, KNOWN)
    return raised.value


# Discovery


def test_dedicated_file_is_found(tmp_path: Path) -> None:
    path = _write(tmp_path, CONFIG_FILE, 'fail-on = "error"\n')

    assert find_config(tmp_path) == path
    assert load_config(path, KNOWN).config.fail_on == "error"


def test_pyproject_section_is_found(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.runart-lint]\nfail-on = "note"\n',
    )

    assert find_config(tmp_path) == path
    assert load_config(path, KNOWN).config.fail_on == "note"


def test_pyproject_without_section_is_not_a_config(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "runart-lint-plugin"\n\n[tool.ruff]\nline-length = 88\n',
    )

    assert find_config(tmp_path) is None


def test_no_config_at_all(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None


def test_dedicated_file_wins_over_pyproject(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.runart-lint]\nfail-on = "note"\n')
    dedicated = _write(tmp_path, CONFIG_FILE, 'fail-on = "error"\n')

    with caplog.at_level(logging.WARNING):
        assert find_config(tmp_path) == dedicated
    assert ".runart-lint.toml takes precedence" in caplog.text


def test_cli_reads_the_config_and_no_config_skips_it(tmp_path: Path) -> None:
    _write(tmp_path, "wrangler.toml", BAD_VARS)
    _write(tmp_path, CONFIG_FILE, 'select = ["binding-in-vars"]\nfail-on = "never"\n')

    assert main([str(tmp_path)]) == 0
    assert main([str(tmp_path), "--no-config", "--select", "binding-in-vars"]) == 1


def test_cli_uses_an_explicit_config(tmp_path: Path) -> None:
    _write(tmp_path, "wrangler.toml", BAD_VARS)
    other = _write(tmp_path, "ci/lint.toml", 'fail-on = "never"\n')

    assert (
        main([str(tmp_path), "--config", str(other), "--select", "binding-in-vars"])
        == 0
    )


# Every error message


@pytest.mark.parametrize(
    ("text", "message", "where", "help_text"),
    [
        pytest.param(
            'fail_on = "error"\n',
            "unknown key `fail_on` in the configuration",
            ":1:1",
            "did you mean `fail-on`? allowed keys: baseline, exclude, fail-on, ignore, "
            "include, live, log, pack, select, severity",
            id="unknown-key",
        ),
        pytest.param(
            '[live]\ntoken = "x"\n',
            "unknown key `token` in [live]",
            ":2:1",
            "tokens are read from the environment only; allowed keys: account-id, "
            "cloudflare-api-url, deadline, github-api-url, repository",
            id="token-in-live",
        ),
        pytest.param(
            'fail-on = "sometimes"\n',
            "`fail-on` must be one of 'error', 'warning', 'note', 'never', not "
            '`"sometimes"`',
            ":1:1",
            "set `fail-on` to one of 'error', 'warning', 'note', 'never'",
            id="fail-on",
        ),
        pytest.param(
            'select = "binding-in-vars"\n',
            '`select` must be a list of strings, not `"binding-in-vars"`',
            ":1:1",
            "set `select` to a list of strings",
            id="select-not-a-list",
        ),
        pytest.param(
            'select = ["secret-literal", "nope"]\n',
            "`select[1]`: unknown rule id `nope`",
            ":1:29",
            "run `runart-lint rules` to list the rule ids",
            id="select-unknown-rule",
        ),
        pytest.param(
            'ignore = ["secret-litteral"]\n',
            "`ignore[0]`: unknown rule id `secret-litteral`",
            ":1:11",
            "did you mean `secret-literal`? run `runart-lint rules` to list the rule "
            "ids",
            id="ignore-unknown-rule",
        ),
        pytest.param(
            '[severity]\nnope = "error"\n',
            "`severity.nope`: unknown rule id `nope`",
            ":2:1",
            "run `runart-lint rules` to list the rule ids",
            id="severity-unknown-rule",
        ),
        pytest.param(
            '[severity]\nsecret-literal = "fatal"\n',
            "`severity.secret-literal` must be one of 'error', 'warning', 'note', "
            'not `"fatal"`',
            ":2:1",
            "set `severity.secret-literal` to one of 'error', 'warning', 'note'",
            id="severity-value",
        ),
        pytest.param(
            'severity = "error"\n',
            '`severity` must be a table, not `"error"`',
            ":1:1",
            "set `severity` to a table",
            id="severity-not-a-table",
        ),
        pytest.param(
            "pack = 3\n",
            "`pack` must be a string, not `3`",
            ":1:1",
            "set `pack` to a string",
            id="pack-type",
        ),
        pytest.param(
            "include = [1]\n",
            "`include[0]` must be a string, not `1`",
            ":1:12",
            "set `include[0]` to a string",
            id="include-item",
        ),
        pytest.param(
            "live = 3\n",
            "`live` must be a table, not `3`",
            ":1:1",
            "set `live` to a table",
            id="live-not-a-table",
        ),
        pytest.param(
            '[live]\nrepository = "runart-foundry"\n',
            '`live.repository` must be `owner/name`, not `"runart-foundry"`',
            ":2:1",
            "set `live.repository` to `owner/name`",
            id="live-repository",
        ),
        pytest.param(
            '[live]\naccount-id = "ABC"\n',
            '`live.account-id` must be 32 lowercase hex digits, not `"ABC"`',
            ":2:1",
            "set `live.account-id` to 32 lowercase hex digits",
            id="live-account-id",
        ),
        pytest.param(
            "[live]\ndeadline = 0\n",
            "`live.deadline` must be a number of seconds above 0 and at most 3600, "
            "not `0.0`",
            ":2:1",
            "set `live.deadline` to a number of seconds above 0 and at most 3600",
            id="live-deadline-range",
        ),
        pytest.param(
            '[live]\ndeadline = "soon"\n',
            '`live.deadline` must be a number, not `"soon"`',
            ":2:1",
            "set `live.deadline` to a number",
            id="live-deadline-type",
        ),
        pytest.param(
            '[live]\ngithub-api-url = "ftp://x"\n',
            '`live.github-api-url` must be an http(s) URL, not `"ftp://x"`',
            ":2:1",
            "set `live.github-api-url` to an http(s) URL",
            id="live-url-scheme",
        ),
        pytest.param(
            '[live]\ncloudflare-api-url = "http://api.example.com"\n',
            "`live.cloudflare-api-url` must be an https:// URL (plain http only to "
            'this machine), not `"http://api.example.com"`',
            ":2:1",
            "set `live.cloudflare-api-url` to an https:// URL (plain http only to "
            "this machine)",
            id="live-url-plain-http",
        ),
        pytest.param(
            '[live]\ngithub-api-url = "https://u:p@api.example.com/?q=1"\n',
            "`live.github-api-url` must be a URL without credentials, a query or a "
            'fragment, not `"https://u:p@api.example.com/?q=1"`',
            ":2:1",
            "set `live.github-api-url` to a URL without credentials, a query or a "
            "fragment",
            id="live-url-credentials",
        ),
        pytest.param(
            '[live]\ngithub-api-url = "http://[::1"\n',
            '`live.github-api-url` must be an http(s) URL, not `"http://[::1"`',
            ":2:1",
            "set `live.github-api-url` to an http(s) URL",
            id="live-url-unparsable",
        ),
        pytest.param(
            "fail-on = \n",
            "invalid toml: invalid value",
            ":1:11",
            "fix the syntax error at this position",
            id="toml-syntax",
        ),
    ],
)
def test_error_names_file_key_and_what_is_allowed(
    tmp_path: Path, text: str, message: str, where: str, help_text: str
) -> None:
    error = _error(tmp_path, text)

    assert str(error) == f"invalid configuration: {message} (.runart-lint.toml{where})"
    assert error.help_text == help_text


def test_pyproject_errors_name_the_section(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.runart-lint]\nfailon = 1\n'
    error = _error(tmp_path, text, "pyproject.toml")

    assert str(error) == (
        "invalid configuration: unknown key `failon` in [tool.runart-lint] "
        "(pyproject.toml:5:1)"
    )
    assert error.help_text.startswith("did you mean `fail-on`?")


def test_pyproject_section_that_is_not_a_table(tmp_path: Path) -> None:
    error = _error(tmp_path, "[tool]\nrunart-lint = 3\n", "pyproject.toml")

    assert str(error) == (
        "invalid configuration: `tool.runart-lint` must be a table (pyproject.toml:2:1)"
    )


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_FILE
    path.write_bytes(b'pack = "\xff"\n')

    with pytest.raises(ConfigError, match=r"configuration is not valid UTF-8"):
        load_config(path, KNOWN)


def test_cli_errors_exit_two_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, CONFIG_FILE, '[severity]\nsecret-literal = "fatal"\n')

    assert main([str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration: `severity.secret-literal`")
    assert "help: set `severity.secret-literal` to one of" in err
    assert "Traceback" not in err


def test_cli_missing_explicit_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--config", str(tmp_path / "nope.toml")]) == 2

    assert "cannot read configuration: No such file or directory" in (
        capsys.readouterr().err
    )


def test_cli_pack_named_by_config_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, CONFIG_FILE, 'pack = "plans/missing.toml"\n')

    assert main([str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert "no rule pack at this path" in err
    assert "help: fix the rule pack or choose another with `pack` in" in err


# Settings: the file, and flags over it


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        CONFIG_FILE,
        'fail-on = "error"\nselect = ["secret-literal"]\nexclude = ["a"]\n',
    )
    loaded = load_config(path, KNOWN)

    from_file = settings_for(loaded, {"fail_on": None, "select": None, "exclude": None})
    flagged = settings_for(
        loaded, {"fail_on": "note", "select": {"invalid-file"}, "exclude": ["b"]}
    )

    assert (from_file.fail_on, from_file.select, from_file.exclude) == (
        "error",
        frozenset({"secret-literal"}),
        ("a",),
    )
    assert (flagged.fail_on, flagged.select, flagged.exclude) == (
        "note",
        frozenset({"invalid-file"}),
        ("b",),
    )


def test_cli_flag_fail_on_overrides_config(tmp_path: Path) -> None:
    _write(tmp_path, "wrangler.toml", BAD_VARS)
    _write(tmp_path, CONFIG_FILE, 'fail-on = "never"\nselect = ["binding-in-vars"]\n')

    assert main([str(tmp_path)]) == 0
    assert main([str(tmp_path), "--fail-on", "error"]) == 1


def test_paths_in_the_file_are_relative_to_it(tmp_path: Path) -> None:
    _write(tmp_path, "plans/pack.toml", NO_PLAN_PACK)
    path = _write(
        tmp_path,
        CONFIG_FILE,
        'pack = "plans/pack.toml"\nbaseline = "lint/baseline.json"\n'
        'log = "docs/log.md"\n',
    )

    settings = settings_for(load_config(path, KNOWN), {})

    assert settings.pack == str(tmp_path / "plans" / "pack.toml")
    assert settings.baseline == str(tmp_path / "lint" / "baseline.json")
    assert settings.log == "docs/log.md"
    assert settings.source == CONFIG_FILE


def test_include_exclude_and_severity_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("apps/a", "apps/b", "legacy"):
        _write(tmp_path, f"{folder}/wrangler.toml", BAD_VARS)
    _write(
        tmp_path,
        CONFIG_FILE,
        'select = ["binding-in-vars"]\ninclude = ["apps"]\nexclude = ["apps/b"]\n'
        '[severity]\nbinding-in-vars = "note"\n',
    )

    assert main([str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "apps/a/wrangler.toml:5:1: note[binding-in-vars]" in out
    assert "apps/b/" not in out and "legacy/" not in out
    assert "1 note in 1 file" in out


def test_log_in_config_overrides_the_pack(tmp_path: Path) -> None:
    from runart_lint.cli import _load_pack
    from runart_lint.config import Settings

    log = "docs/deploys.md"
    assert _load_pack(Settings(log=log), None).pack.pack.log == log
    assert _load_pack(Settings(), None).pack.pack.log != log


def test_a_config_that_validated_before_skips_pydantic(tmp_path: Path) -> None:
    _write(
        tmp_path, CONFIG_FILE, 'fail-on = "never"\n[severity]\ninvalid-file = "note"\n'
    )
    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        f"code = main([{str(tmp_path)!r}])\n"
        "assert code == 0, code\n"
        "print('pydantic' in sys.modules)\n"
    )
    env = {"RUNART_LINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=REPO,
        )
        for _ in range(2)
    ]

    assert [run.stdout.splitlines()[-1] for run in runs] == ["True", "False"], runs


def test_a_value_pydantic_converts_is_validated_on_every_run(tmp_path: Path) -> None:
    _write(tmp_path, CONFIG_FILE, '[live]\ndeadline = "5"\n')
    path = tmp_path / CONFIG_FILE
    code = (
        "import sys, pathlib\nfrom runart_lint.config import load_config\n"
        f"config = load_config(pathlib.Path({str(path)!r}), frozenset())\n"
        "print(repr(config.config.live.deadline), 'pydantic' in sys.modules)\n"
    )
    env = {"RUNART_LINT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=REPO,
        ).stdout.strip()
        for _ in range(2)
    ]

    assert runs == ["5.0 True", "5.0 True"]


# The JSON schema


def test_shipped_schema_is_current() -> None:
    shipped = (REPO / "runart_lint" / SCHEMA_FILE).read_text(encoding="utf-8")

    assert shipped == render_schema(KNOWN), (
        "the config schema is stale: run `python tools/gen_config_schema.py`"
    )


def test_schema_accepts_a_full_config_and_refuses_mistakes() -> None:
    schema = json.loads(render_schema(KNOWN))
    good = {
        "pack": "plans/site.toml",
        "include": ["apps"],
        "exclude": ["legacy"],
        "select": ["secret-literal"],
        "ignore": [],
        "severity": {"invalid-file": "note"},
        "fail-on": "error",
        "baseline": "lint/baseline.json",
        "log": "docs/log.md",
        "live": {"repository": "acme/site", "account-id": "a" * 32, "deadline": 30},
    }
    jsonschema.validate(good, schema)

    for bad in (
        {"fail_on": "error"},
        {"fail-on": "sometimes"},
        {"live": {"token": "x"}},
        {"live": {"deadline": 0}},
        {"select": ["Not An Id"]},
        {"severity": {"no-such-rule": "note"}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
