"""Rule packs: validation messages, built-in packs, and the validation cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from runart_lint.loaders import cache as parse_cache
from runart_lint.loaders.cache import ParseCache
from runart_lint.pack import PackError, builtin_packs, load_pack

MINIMAL = '[pack]\nname = "t"\n\n[[stages]]\nname = "prod"\n'


def _pack(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pack.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _error(tmp_path: Path, text: str, cache: ParseCache | None = None) -> PackError:
    with pytest.raises(PackError) as raised:
        load_pack(_pack(tmp_path, text), cache)
    return raised.value


def test_builtin_packs_validate() -> None:
    assert "runart-foundry" in builtin_packs()
    for name in builtin_packs():
        loaded = load_pack(name)
        assert loaded.builtin
        assert loaded.pack.stages


def test_default_pack_encodes_the_plan() -> None:
    pack = load_pack(None).pack

    assert pack.promotion == ("local", "preview", "preview2", "production")
    assert pack.stage("preview2") is not None
    assert pack.stage("preview2").project == "runart-foundry-preview2"  # type: ignore[union-attr]
    assert pack.previous_stage("production").name == "preview2"  # type: ignore[union-attr]
    assert [c.name for c in pack.secrets.credentials] == [
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_ACCOUNT_ID",
    ]


def test_unknown_key(tmp_path: Path) -> None:
    error = _error(tmp_path, MINIMAL + 'colour = "blue"\n')

    assert "`stages[0].colour`: unknown key" in str(error)
    assert error.span is not None and error.span.line == 6


def test_missing_required_key(tmp_path: Path) -> None:
    error = _error(tmp_path, '[pack]\nname = "t"\n')

    assert "`stages`: required key is missing" in str(error)


def test_wrong_type(tmp_path: Path) -> None:
    error = _error(tmp_path, MINIMAL + "deployed = 3\n")

    assert "`stages[0].deployed`" in str(error)
    assert "boolean" in str(error)


def test_duplicate_stage(tmp_path: Path) -> None:
    error = _error(tmp_path, MINIMAL + '\n[[stages]]\nname = "prod"\n')

    assert "`stages[1].name`: stage name `prod` is already used" in str(error)
    assert error.span is not None and error.span.line == 8


def test_promotion_names_unknown_stage(tmp_path: Path) -> None:
    error = _error(tmp_path, 'promotion = ["prod", "qa"]\n' + MINIMAL)

    assert "`promotion[1]`: `qa` is not the name of a stage" in str(error)


def test_rollback_stage_must_exist(tmp_path: Path) -> None:
    error = _error(tmp_path, MINIMAL)

    assert "`rollback.stage`: `production` is not the name of a stage" in str(error)


def test_bad_stage_name(tmp_path: Path) -> None:
    error = _error(tmp_path, '[pack]\nname = "t"\n\n[[stages]]\nname = "a b"\n')

    assert "`stages[0].name`: use letters" in str(error)


def test_missing_file_names_builtins(tmp_path: Path) -> None:
    error = _error_missing(tmp_path / "nope.toml")

    assert "built-in: runart-foundry" in str(error)


def _error_missing(path: Path) -> PackError:
    with pytest.raises(PackError) as raised:
        load_pack(str(path))
    return raised.value


def test_cache_hit_gives_the_same_pack(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    text = MINIMAL + "\n[rollback]\nrequired = false\n"
    first = load_pack(_pack(tmp_path, text), cache).pack
    assert cache.validated("pack", text)

    (tmp_path / "pack.toml").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "pack.toml").write_text(text, encoding="utf-8")
    load_pack.__globals__["_load_cached"].cache_clear()

    assert load_pack(str(tmp_path / "pack.toml"), cache).pack == first


def test_cache_never_accepts_a_changed_pack(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    load_pack(_pack(tmp_path, MINIMAL + "\n[rollback]\nrequired = false\n"), cache)

    error = _error(
        tmp_path, MINIMAL + 'kind = "lambda"\n\n[rollback]\nrequired = false\n', cache
    )

    assert "`stages[0].kind`" in str(error)


def test_a_pack_validated_by_other_code_is_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ParseCache(tmp_path / "cache")
    text = MINIMAL + '\n[rollback]\nrequired = "false"\n'
    with monkeypatch.context() as older:
        older.setattr(parse_cache, "code_stamp", lambda: "an older build")
        cache.remember_valid("pack", text)

    pack = load_pack(_pack(tmp_path, text), cache).pack

    assert pack.rollback.required is False


def test_without_a_cache_no_validation_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNART_LINT_CACHE_DIR", str(tmp_path / "cache"))

    load_pack(_pack(tmp_path, MINIMAL + "\n[rollback]\nrequired = false\n"))

    assert not (tmp_path / "cache").exists()


def test_promotion_repeats_a_stage(tmp_path: Path) -> None:
    text = (
        'promotion = ["prod", "prod"]\n' + MINIMAL + "\n[rollback]\nrequired = false\n"
    )
    error = _error(tmp_path, text)

    assert "`promotion[1]`: stage `prod` appears twice in the order" in str(error)
    assert error.span is not None and error.span.line == 1


def test_empty_promotion_with_several_stages(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[stages]]\nname = "qa"\n\n[rollback]\nrequired = false\n'
    error = _error(tmp_path, "promotion = []\n" + text)

    assert "`promotion`: list the stages in the order they are promoted" in str(error)


def test_unknown_trigger_event(tmp_path: Path) -> None:
    text = (
        MINIMAL + 'triggers = [{ event = "pushh" }]\n\n[rollback]\nrequired = false\n'
    )
    error = _error(tmp_path, text)

    assert "`stages[0].triggers[0].event`: `pushh` is not a GitHub Actions event" in (
        str(error)
    )


def test_alias_of_itself(tmp_path: Path) -> None:
    text = MINIMAL + (
        "\n[rollback]\nrequired = false\n\n[[secrets.credentials]]\n"
        'name = "CLOUDFLARE_API_TOKEN"\naliases = ["CLOUDFLARE_API_TOKEN"]\n'
    )
    error = _error(tmp_path, text)

    assert "cannot be an alias of itself" in str(error)


def test_paths_must_stay_in_the_repository(tmp_path: Path) -> None:
    text = MINIMAL + 'workflow = "../../etc/passwd"\n\n[rollback]\nrequired = false\n'
    error = _error(tmp_path, text)

    assert "`stages[0].workflow`: give a path relative to the repository root" in (
        str(error)
    )
    assert error.span is not None and error.span.line == 6


def test_a_pack_whose_values_pydantic_converts_is_not_remembered(
    tmp_path: Path,
) -> None:
    cache = ParseCache(tmp_path / "cache")
    text = MINIMAL.replace('"prod"', '"production"') + "\n[rollback]\nrequired = 1\n"

    pack = load_pack(_pack(tmp_path, text), cache).pack

    assert pack.rollback.required is True
    assert not cache.validated("pack", text)
