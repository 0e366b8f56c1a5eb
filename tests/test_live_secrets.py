"""Tokens never leave the process: not in output, logs, reports, or errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fakeapi.scenario import scenario_names
from live_support import (
    CLOUDFLARE_CANARY,
    GITHUB_CANARY,
    PIPELINE,
    fake,
    fast_retries,
    isolate,
    run,
    run_live,
)
from sarif_schema import validate_sarif

from runart_lint.live.settings import Secret
from runart_lint.live.transport import Failure, FetchError, WriteRefused, refuse_writes
from runart_lint.redact import RedactingFormatter

CANARIES = (GITHUB_CANARY, CLOUDFLARE_CANARY)
SCENARIOS = [name for name in scenario_names() if name != "minimal"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_canary_tokens_appear_in_no_output(
    scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sarif, summary, log = (
        tmp_path / "out.sarif",
        tmp_path / "summary.md",
        tmp_path / "082.md",
    )
    timeout = ("--live-timeout", "1") if scenario == "slow" else ()
    fast_retries(monkeypatch)
    with fake(scenario) as api:
        result = run_live(
            monkeypatch,
            api,
            str(PIPELINE),
            "--live",
            "--debug",
            "--format",
            "json",
            "--sarif",
            str(sarif),
            "--summary",
            str(summary),
            f"--bitacora={log}",
            *timeout,
        )

    written = [path.read_text(encoding="utf-8") for path in (sarif, summary, log)]
    validate_sarif(json.loads(written[0]))
    sent = " ".join(r.headers.get("Authorization", "") for r in api.requests)
    assert all(canary in sent for canary in CANARIES), "the tokens were not used"
    assert result.code in (0, 1, 3), result.err
    assert "DEBUG:" in result.err
    for text in (result.out, result.err, *written):
        assert _leaks(text) == []


def test_a_token_with_a_line_break_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", f"{CLOUDFLARE_CANARY}\nsecond-line")

    result = run(str(PIPELINE), "--live", "--debug")

    assert result.code == 2
    assert "`CLOUDFLARE_API_TOKEN` holds a character no token has" in result.err
    assert _leaks(result.out + result.err) == []


def test_a_secret_shows_as_stars() -> None:
    secret = Secret(GITHUB_CANARY)

    assert GITHUB_CANARY not in repr(secret) + str(secret) + f"{secret!r} {[secret]}"
    assert secret.reveal() == GITHUB_CANARY


def test_log_records_and_fetch_errors_are_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Secret(CLOUDFLARE_CANARY)
    error = FetchError("a read", Failure("auth", f"echoed {CLOUDFLARE_CANARY}"))
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord(
        "runart_lint.live",
        logging.ERROR,
        __file__,
        1,
        "failed with %s",
        (CLOUDFLARE_CANARY,),
        None,
    )

    assert _leaks(str(error)) == []
    assert _leaks(formatter.format(record)) == []


def test_writes_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(WriteRefused, match="refused POST"):
        refuse_writes("POST", f"https://api.example/?t={GITHUB_CANARY}")

    refuse_writes("GET", "https://api.example/")
    try:
        refuse_writes("DELETE", f"https://api.example/{GITHUB_CANARY}")
    except WriteRefused as refused:
        assert _leaks(str(refused)) == []
