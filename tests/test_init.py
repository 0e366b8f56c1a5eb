"""`runart-lint init`: a starting rule pack that loads and audits cleanly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import REPO, shared_path

from runart_lint.cli import main
from runart_lint.engine import audit_repository
from runart_lint.findings import AuditResult
from runart_lint.inputs import Options
from runart_lint.pack import load_pack
from runart_lint.rules import RULES

EXAMPLES = REPO / "examples"


def _init(root: Path, output: Path, *extra: str) -> int:
    return main(["init", str(root), "-o", str(output), *extra])


def _audit(root: Path, pack_file: Path) -> AuditResult:
    pack = load_pack(str(pack_file))
    result, _ = audit_repository(root, pack, RULES, Options())
    return result


def _pack_rules(result: AuditResult, pack_file: Path) -> list[str]:
    name = pack_file.name
    return [f.rule_id for f in result.findings if Path(f.location.path).name == name]


def test_init_on_examples_infers_the_plan(tmp_path: Path) -> None:
    output = tmp_path / "pack.toml"

    assert _init(EXAMPLES, output) == 0

    data = tomllib.loads(output.read_text())
    assert data["promotion"] == ["preview", "preview2", "production"]
    stages = {stage["name"]: stage for stage in data["stages"]}
    assert stages["production"]["project"] == "runart-foundry"
    assert stages["production"]["branch"] == "main"
    assert stages["production"]["config_env"] == "production"
    assert stages["preview2"]["config"] == "apps/briefing/wrangler.preview2.toml"
    assert stages["preview"]["bindings"] == ["DECISIONES", "LOG_EVENTS", "RUNART_ROLES"]
    assert stages["preview"]["vars"]["RUNART_ENV"] == "preview"
    [token, account] = data["secrets"]["credentials"]
    assert token["name"] == "CLOUDFLARE_API_TOKEN"
    assert token["aliases"] == ["CF_API_TOKEN"]
    assert account["name"] == "CLOUDFLARE_ACCOUNT_ID"
    assert data["rollback"] == {
        "required": True,
        "stage": "production",
        "workflow": ".github/workflows/rollback.yml",
    }


def test_pack_from_examples_audits_like_the_hand_written_plan(tmp_path: Path) -> None:
    output = tmp_path / "pack.toml"
    assert _init(EXAMPLES, output) == 0

    inferred = _audit(EXAMPLES, output)
    written, _ = audit_repository(EXAMPLES, load_pack(None), RULES, Options())

    assert not inferred.not_run
    assert _pack_rules(inferred, output) == []
    assert [(f.rule_id, f.location) for f in inferred.findings] == [
        (f.rule_id, f.location) for f in written.findings
    ]


def test_init_on_the_runart_foundry_pipeline(tmp_path: Path) -> None:
    foundry = shared_path("examples", "runart-foundry")
    output = tmp_path / "pack.toml"

    assert _init(foundry, output) == 0

    data = tomllib.loads(output.read_text())
    names = [stage["name"] for stage in data["stages"]]
    assert {"preview", "preview2", "production"} <= set(names)
    assert data["promotion"][-1] == "production"
    assert "deploys left out" in output.read_text().lower()
    result = _audit(foundry, output)
    assert not result.not_run
    assert _pack_rules(result, output) == []
    assert not [f for f in result.findings if f.rule_id == "skipped-stage"]


def test_init_on_a_repository_without_deploys(tmp_path: Path) -> None:
    output = tmp_path / "pack.toml"

    assert _init(tmp_path, output) == 0

    result = _audit(tmp_path, output)
    assert result.findings == () and not result.not_run


def test_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "pack.toml"
    output.write_text("# my own plan\n")

    assert _init(EXAMPLES, output) == 2
    err = capsys.readouterr().err
    assert f"error: {output} already exists" in err
    assert "help: pass --force to replace it" in err
    assert output.read_text() == "# my own plan\n"

    assert _init(EXAMPLES, output, "--force") == 0
    assert "[[stages]]" in output.read_text()
    assert not list(tmp_path.glob(".pack.toml.*"))


def test_init_writes_into_the_repository_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0

    written = tmp_path / "runart-lint-pack.toml"
    assert written.is_file()
    assert f"runart-lint --pack {written}" in capsys.readouterr().err


def test_init_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(EXAMPLES), "-o", "-"]) == 0

    assert tomllib.loads(capsys.readouterr().out)["pack"]["name"] == "examples"


def test_init_on_a_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "/nonexistent/folder"]) == 2
    assert capsys.readouterr().err.startswith("error: no such folder")
