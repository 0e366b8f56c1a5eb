"""Audits that miss part of the repository: a subfolder, a cached configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from runart_lint.cli import main
from runart_lint.config import CONFIG_FILE, ConfigError, load_config
from runart_lint.loaders import cache as parse_cache
from runart_lint.loaders.cache import ParseCache
from runart_lint.rules import RULES

KNOWN = frozenset(rule.id for rule in RULES)
BAD_VARS = (
    'name = "shop"\nmain = "src/index.ts"\n\n[vars]\n'
    'kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]\n'
)
WARNING = "a subfolder of the git repository at"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))


def _repository(top: Path, dot_git: str = "folder") -> Path:
    """Create a repository with a config at its top and a worker in a subfolder."""
    app = top / "apps" / "briefing"
    app.mkdir(parents=True)
    (app / "wrangler.toml").write_text(BAD_VARS, encoding="utf-8")
    (top / CONFIG_FILE).write_text('fail-on = "never"\n', encoding="utf-8")
    if dot_git == "folder":
        (top / ".git").mkdir()
    elif dot_git == "file":
        (top / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    return app


def _run(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.chdir(folder)
    code = main([])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("dot_git", ["folder", "file"])
def test_subfolder_of_a_repository_warns_once_and_audits_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dot_git: str,
) -> None:
    plain = _repository(tmp_path / "plain", dot_git="none")
    app = _repository(tmp_path / "repo", dot_git=dot_git)

    expected = _run(plain, monkeypatch, capsys)
    code, out, err = _run(app, monkeypatch, capsys)

    assert (code, out) == expected[:2]
    assert expected[2] == ""
    top = (tmp_path / "repo").resolve()
    assert err.count(WARNING) == 1, err
    assert err.startswith("WARNING: ")
    assert f"{WARNING} {top};" in err
    assert f"run from {top} or pass it as PATH" in err


def test_top_of_a_repository_does_not_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _repository(tmp_path)

    code, _, err = _run(tmp_path, monkeypatch, capsys)

    assert code == 0
    assert err == ""


def test_a_config_validated_by_other_code_is_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = '[live]\ndeadline = "5"\n'
    path = tmp_path / CONFIG_FILE
    path.write_text(text, encoding="utf-8")
    cache = ParseCache(tmp_path / "cache")
    with monkeypatch.context() as older:
        older.setattr(parse_cache, "code_stamp", lambda: "an older build")
        cache.remember_valid("config", text)

    loaded = load_config(path, KNOWN, cache)

    assert loaded.config.live.deadline == 5.0


def test_a_cached_config_is_still_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = '[live]\ngithub-api-url = "ftp://x"\n'
    path = tmp_path / CONFIG_FILE
    path.write_text(text, encoding="utf-8")
    cache = ParseCache(tmp_path / "cache")
    cache.remember_valid("config", text)

    with pytest.raises(ConfigError) as raised:
        load_config(path, KNOWN, cache)

    assert str(raised.value) == (
        "invalid configuration: `live.github-api-url` must be an http(s) URL, "
        'not `"ftp://x"` (.runart-lint.toml:2:1)'
    )


def test_cli_refuses_a_bad_live_url_without_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[live]\ngithub-api-url = "ftp://x"\n', encoding="utf-8"
    )

    code, _, err = _run(tmp_path, monkeypatch, capsys)

    assert code == 2
    assert "(.runart-lint.toml:2:1)" in err
    assert "help: set `live.github-api-url` to an http(s) URL" in err


def test_subfolder_with_its_own_workflows_does_not_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    example = tmp_path / "examples"
    (example / ".github" / "workflows").mkdir(parents=True)
    (example / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")

    main([str(example), "--fail-on", "never", "--no-cache"])

    assert WARNING not in capsys.readouterr().err
