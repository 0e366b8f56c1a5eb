"""Hostile and broken input: nothing crashes, hangs, reads outside, loses or leaks.

The campaign (tests/fuzz_campaign.py) runs once for the module on a fixed seed;
`RUNART_FUZZ_EXAMPLES=200 python -m pytest tests/test_fuzz.py` is a long run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import REPO, shared_path
from fuzz_campaign import Campaign, render_table, run_campaign
from fuzz_harness import (
    call_main,
    check_report,
    is_default,
    time_limit,
    write_files,
)
from fuzz_inputs import FAMILIES, MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return run_campaign(tmp_path_factory.mktemp("fuzz"))


def _problems(campaign: Campaign, section: str) -> list[str]:
    return [
        f"{t.what}: {t.problem}"
        for t in campaign.trials
        if t.section == section and t.problem
    ]


def test_every_input_ends_in_findings_or_a_clear_error(campaign: Campaign) -> None:
    failed = [
        f"{o.fault} {o.family} {o.label} ({o.format}): {o.problem}"
        for o in campaign.outcomes
        if o.problem
    ]

    assert campaign.aborted is None
    assert failed == [], "inputs kept under the pytest temporary folder, failures/"


def test_the_campaign_reaches_every_format_and_the_loaders(campaign: Campaign) -> None:
    families = {o.family for o in campaign.outcomes}
    refused = {o.family for o in campaign.outcomes if o.refused}
    usage_errors = [o for o in campaign.outcomes if o.family == "pack" and o.code == 2]

    assert families == {*FAMILIES, "pack"}
    assert refused == set(FAMILIES)
    assert usage_errors
    assert {o.format for o in campaign.outcomes} == {"text", "json", "sarif"}


def test_file_system_faults_are_reported_and_the_rest_audited(
    campaign: Campaign,
) -> None:
    assert _problems(campaign, "file system") == []
    assert sum(t.section == "file system" for t in campaign.trials) >= 15


def test_a_killed_run_leaves_the_old_or_the_whole_new_report(
    campaign: Campaign,
) -> None:
    integrity = [t for t in campaign.trials if t.section == "integrity"]

    assert _problems(campaign, "integrity") == []
    assert integrity[0].detail == {"left": "old"}
    assert {t.detail["left"] for t in integrity} <= {"old", "new"}


def test_no_canary_token_reaches_any_output(campaign: Campaign) -> None:
    assert _problems(campaign, "secrets") == []
    assert sum(t.section == "secrets" for t in campaign.trials) >= 28


def test_heaviest_inputs_stay_within_time_and_memory(campaign: Campaign) -> None:
    entry = [t for t in campaign.trials if t.section == "entry point"]

    assert _problems(campaign, "entry point") == []
    assert all(t.detail["max_rss_mib"] < 1024 for t in entry)


def test_security_table_is_the_campaign_output(campaign: Campaign) -> None:
    shared_path("examples")
    if not is_default():
        pytest.skip("the table documents the default seed and size")

    security = (REPO / "SECURITY.md").read_text(encoding="utf-8")

    assert render_table(campaign) in security, "run python tools/fuzz_report.py --write"


# --- the corpus of inputs that once failed -----------------------------------------


def _corpus_entries() -> list[Path]:
    return sorted(path for path in CORPUS.iterdir() if path.is_dir())


def _materialise(entry: Path, target: Path) -> None:
    """Write a corpus entry's repository, renaming the paths `names.json` lists.

    A path that is not UTF-8 cannot be stored as it is: `names.json` maps the
    stored path to the hex of the real one.
    """
    names = entry / "names.json"
    renames = json.loads(names.read_text()) if names.exists() else {}
    files = {
        path.relative_to(entry / "repo").as_posix(): path.read_bytes()
        for path in sorted((entry / "repo").rglob("*"))
        if path.is_file()
    }
    write_files(target, {k: v for k, v in files.items() if k not in renames})
    for stored, real in renames.items():
        (target / stored).parent.mkdir(parents=True, exist_ok=True)
        with open(os.fsencode(target) + b"/" + bytes.fromhex(real), "wb") as handle:
            handle.write(files[stored])


@pytest.mark.parametrize("entry", _corpus_entries(), ids=lambda path: path.name)
@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_corpus_input_ends_in_findings(
    entry: Path, output_format: str, tmp_path: Path
) -> None:
    _materialise(entry, tmp_path / "repo")
    expected = (entry / "expected.txt").read_text(encoding="utf-8").strip()

    with time_limit(10):
        code, out, err = call_main([str(tmp_path / "repo"), "--format", output_format])

    assert code in (0, 1), err
    assert err == ""
    assert expected in out
    assert check_report(output_format, out, _files(tmp_path / "repo")) is None


def _files(repo: Path) -> dict[str, bytes]:
    """Return the files of a repository by POSIX path."""
    return {
        path.relative_to(repo).as_posix(): path.read_bytes()
        for path in repo.rglob("*")
        if path.is_file()
    }


def test_text_report_of_a_two_megabyte_line_is_quick(tmp_path: Path) -> None:
    value = "x" * (MAX_FILE_BYTES - 200)
    write_files(tmp_path, {"wrangler.toml": f'name = "a"\nname = "{value}"\n'.encode()})

    started = time.perf_counter()
    code, out, _ = call_main([str(tmp_path), "--no-color"])

    assert code == 1
    assert time.perf_counter() - started < 5.0
    assert max(len(line) for line in out.splitlines()) < 200
