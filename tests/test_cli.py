"""The command line as users run it: exit codes, errors, output files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from sarif_schema import validate_sarif

from runart_lint.cli import main

CLEAN_CONFIG = (
    'name = "shop"\nmain = "src/index.ts"\ncompatibility_date = "2024-01-01"\n'
)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])

    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("runart-lint ")


def test_missing_folder_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["/nonexistent/folder"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: no such folder")
    assert "help:" in err


def test_unknown_rule_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--select", "no-such-rule"]) == 2

    assert "unknown rule id in --select: no-such-rule" in capsys.readouterr().err


def test_bad_pack_names_file_key_and_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text('[pack]\nname = "x"\n\n[[stages]]\nname = "a"\nkind = "lambda"\n')

    assert main([str(tmp_path), "--pack", str(pack)]) == 2

    err = capsys.readouterr().err
    assert "invalid rule pack: `stages[0].kind`" in err
    assert "'pages' or 'worker'" in err
    assert f"{pack}:6:1" in err
    assert "Traceback" not in err


def test_pack_with_toml_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text("[pack\n")

    assert main([str(tmp_path), "--pack", str(pack)]) == 2
    assert "invalid toml" in capsys.readouterr().err


def test_clean_repository_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _repo(tmp_path, {"wrangler.toml": CLEAN_CONFIG})
    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[pack]\nname = "t"\n\n[[stages]]\nname = "prod"\nkind = "worker"\n'
        'project = "shop"\n\n[rollback]\nrequired = false\n'
    )

    code = main([str(tmp_path), "--pack", str(pack), "--select", "invalid-file"])

    assert code == 0
    assert "no findings in 1 file" in capsys.readouterr().out


def test_findings_exit_one_and_fail_on(tmp_path: Path) -> None:
    _repo(tmp_path, {"wrangler.toml": "name = [\n"})

    assert main([str(tmp_path), "--select", "invalid-file"]) == 1
    assert main([str(tmp_path), "--select", "invalid-file", "--fail-on", "never"]) == 0


def test_sarif_output_file_exit_code_still_reflects_findings(tmp_path: Path) -> None:
    _repo(tmp_path, {"wrangler.toml": "name = [\n"})
    out = tmp_path / "out.sarif"

    code = main(
        [str(tmp_path), "--select", "invalid-file", "--format", "sarif", "-o", str(out)]
    )

    assert code == 1
    document = json.loads(out.read_text())
    validate_sarif(document)
    assert document["runs"][0]["results"][0]["ruleId"] == "invalid-file"
    assert not list(tmp_path.glob(".out.sarif.*"))


def test_unwritable_output_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([str(tmp_path), "-o", str(tmp_path / "missing" / "out.txt")])

    assert code == 2
    assert "no folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option", ["--output", "--sarif", "--summary", "--write-baseline", "--bitacora"]
)
def test_a_report_is_never_written_over_an_audited_file(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "wrangler.toml"
    config.write_text('name = "w"\n', encoding="utf-8")

    code = main([str(tmp_path), f"{option}={config}"])

    assert code == 2
    assert f"error: {option} {config} is a file this run reads" in (
        capsys.readouterr().err
    )
    assert config.read_text(encoding="utf-8") == 'name = "w"\n'


def test_a_workflow_that_cannot_be_decoded_is_still_never_written_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = tmp_path / ".github" / "workflows" / "legacy.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_bytes(b"on: push\n# caf\xe9\n")

    code = main([str(tmp_path), "-o", str(workflow)])

    assert code == 2
    assert "is a file this run reads" in capsys.readouterr().err
    assert workflow.read_bytes() == b"on: push\n# caf\xe9\n"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("--output", "--sarif"),
        ("--sarif", "--summary"),
        ("--output", "--write-baseline"),
    ],
)
def test_one_file_for_two_reports_is_refused(
    tmp_path: Path, first: str, second: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, same = tmp_path / "repo", tmp_path / "same"
    repo.mkdir()

    code = main([str(repo), f"{first}={same}", f"{second}={same}"])

    assert code == 2
    assert f"error: {second} {same} is also the file of {first}" in (
        capsys.readouterr().err
    )
    assert not same.exists()


def test_the_baseline_read_is_only_replaced_by_write_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, baseline = tmp_path / "repo", tmp_path / "baseline.json"
    repo.mkdir()
    assert main([str(repo), "--write-baseline", str(baseline)]) == 0
    kept = baseline.read_text(encoding="utf-8")

    refused = main([str(repo), "--baseline", str(baseline), "-o", str(baseline)])
    replaced = main(
        [str(repo), "--baseline", str(baseline), "--write-baseline", str(baseline)]
    )

    assert (refused, replaced) == (2, 0)
    assert baseline.read_text(encoding="utf-8") == kept


def test_a_bad_log_path_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    out, sarif = tmp_path / "out.txt", tmp_path / "out.sarif"
    argv = [str(repo), "-o", str(out), "--sarif", str(sarif)]

    code = main([*argv, "--bitacora", str(tmp_path / "missing" / "log.md")])

    assert code == 2
    assert "--bitacora" in capsys.readouterr().err
    assert not out.exists() and not sarif.exists()


def test_summary_and_output_can_go_to_a_pipe(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "runart_lint", str(tmp_path), "--no-cache"]
    piped = subprocess.run(
        [*command, "-o", "/dev/stdout", "--summary", "/dev/stdout"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert piped.returncode == 0, piped.stderr
    assert "no findings in 0 files" in piped.stdout
    assert "runart-lint" in piped.stdout.split("no findings in 0 files", 1)[1]


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    assert "invalid-file" in capsys.readouterr().out

    assert main(["explain", "invalid-file"]) == 0
    out = capsys.readouterr().out
    assert "## What it does" in out and "## Why is this bad?" in out

    assert main(["explain", "nope"]) == 2


def test_rules_refuses_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 2
    assert "rules takes no arguments, not `--format`" in capsys.readouterr().err


def test_module_entry_point_and_offline_imports() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['runart-lint', 'examples', '--fail-on', 'never']\n"
        "try:\n    runpy.run_module('runart_lint', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('github', 'httpx', 'networkx')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "bad += [m for m in sys.modules if m.startswith('runart_lint.live')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr


def test_a_warm_cache_run_parses_nothing_and_validates_nothing(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        "try:\n    main(['examples', '--fail-on', 'never'])\nexcept SystemExit:\n"
        "    pass\n"
        "heavy = ('yaml', 'tomllib', 'pydantic', 'dataclasses', 'inspect', 'rich')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    environment = {**os.environ, "RUNART_LINT_CACHE_DIR": str(tmp_path / "cache")}

    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
        )
        for _ in range(2)
    ]

    first, second = (run.stdout.splitlines()[-1] for run in runs)
    assert "yaml" in first and "tomllib" in first
    assert second == "[]", second


def test_version_imports_almost_nothing() -> None:
    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('yaml', 'pydantic', 'rich', 'github', 'httpx')]\nassert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr


def test_output_dash_is_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _repo(tmp_path, {"wrangler.toml": "name = [\n"})

    main([str(tmp_path), "--select", "invalid-file", "--format", "json", "-o", "-"])

    assert json.loads(capsys.readouterr().out)["findings"]
    assert not (tmp_path / "-").exists()


def test_output_writes_through_a_link_and_keeps_the_mode(tmp_path: Path) -> None:
    import os

    _repo(tmp_path, {"wrangler.toml": "name = [\n"})
    real = tmp_path / "real.sarif"
    real.write_text("old")
    real.chmod(0o644)
    link = tmp_path / "link.sarif"
    link.symlink_to(real)

    main(
        [
            str(tmp_path),
            "--select",
            "invalid-file",
            "--format",
            "sarif",
            "-o",
            str(link),
        ]
    )

    assert link.is_symlink()
    assert json.loads(real.read_text())["version"] == "2.1.0"
    assert os.stat(real).st_mode & 0o777 == 0o644


def test_new_output_file_follows_the_umask(tmp_path: Path) -> None:
    import os

    _repo(tmp_path, {"wrangler.toml": CLEAN_CONFIG})
    out = tmp_path / "new.json"
    old = os.umask(0o022)
    try:
        main(
            [
                str(tmp_path),
                "--select",
                "invalid-file",
                "--format",
                "json",
                "-o",
                str(out),
            ]
        )
    finally:
        os.umask(old)

    assert os.stat(out).st_mode & 0o777 == 0o644


def test_output_to_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    import os
    import stat

    _repo(tmp_path, {"wrangler.toml": CLEAN_CONFIG})

    main([str(tmp_path), "--select", "invalid-file", "-o", os.devnull])

    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_report_option_constants_match_the_reporters() -> None:
    from runart_lint import cli_reports
    from runart_lint.reporters import sarif, words

    assert cli_reports.MAX_RESULTS_PER_RUN == sarif.MAX_RESULTS_PER_RUN
    assert cli_reports.LANGUAGES == words.LANGUAGES


def test_version_loads_no_reporter_or_rule() -> None:
    code = (
        "import sys\nfrom runart_lint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.startswith(('runart_lint.rules', "
        "'runart_lint.reporters', 'runart_lint.graph', 'runart_lint.loaders'))]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr


def test_console_entry_answers_version_without_the_cli() -> None:
    code = (
        "import sys\nsys.argv = ['runart-lint', '--version']\n"
        "from runart_lint.entry import main\nassert main() == 0\n"
        "assert 'runart_lint.cli' not in sys.modules\n"
        "assert 'argparse' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("runart-lint ")


def test_a_closed_standard_output_is_a_usage_error(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "runart_lint", str(tmp_path), "--no-cache"]

    shut = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", *command],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )

    assert shut.returncode == 2
    assert "error: standard output is closed" in shut.stderr


def test_a_reader_that_stops_early_loses_no_side_report(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    command = [sys.executable, "-m", "runart_lint", str(REPO / "examples")]
    script = '"$@" | (exec 0<&-; sleep 1)'

    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script, "sh", *command, "--sarif", str(sarif)],
        capture_output=True,
        check=False,
    )

    assert done.returncode == 1
    assert json.loads(sarif.read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_standard_output_redirected_to_another_report_is_refused(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.txt"
    command = [sys.executable, "-m", "runart_lint", str(tmp_path / "repo")]
    (tmp_path / "repo").mkdir()

    with report.open("w") as stream:
        done = subprocess.run(
            [*command, "--sarif", "/dev/stdout", "-o", str(report)],
            stdout=stream,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )

    assert done.returncode == 2
    assert "--output" in done.stderr and "is also the file of" in done.stderr


def test_a_name_too_long_for_the_temporary_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "repo").mkdir()

    code = main([str(tmp_path / "repo"), "--sarif", str(tmp_path / ("s" * 250))])

    assert code == 2
    assert "the file name is too long to write safely" in capsys.readouterr().err
