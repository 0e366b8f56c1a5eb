"""Run runart-lint --live through its command line against the fake API."""

from __future__ import annotations

import contextlib
import gc
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, normalise
from fakeapi import FakeAPI, load_scenario

from runart_lint.cli import main
from runart_lint.live import settings
from runart_lint.records import replace

PIPELINE = REPO / "tests" / "fixtures" / "live" / "pipeline"
# Recognisable fake tokens: no output, log or report may ever contain them.
GITHUB_CANARY = "ghp_CANARYgithubTOKEN0123456789abcdefXYZ"
CLOUDFLARE_CANARY = "CANARYcloudflareTOKEN-0123456789-abcdefXYZ"
LIVE_VARIABLES = (
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_ACCOUNT_ID",
    "CLOUDFLARE_API_BASE_URL",
)
# Where no test must ever go: a closed port on this machine.
NOWHERE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Run:
    """What one command-line run produced."""

    code: int
    out: str
    err: str


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear every live setting of the test's own environment; point at nowhere."""
    for name in LIVE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_API_URL", NOWHERE)
    monkeypatch.setenv("CLOUDFLARE_API_BASE_URL", NOWHERE)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make retries wait 10 ms instead of half a second; attempts stay the same."""
    load = settings.load_settings

    def fast(*args: Any, **kwargs: Any) -> Any:
        return replace(load(*args, **kwargs), backoff=0.01)

    monkeypatch.setattr(settings, "load_settings", fast)


def fake(name: str, **kwargs: object) -> FakeAPI:
    """Return a fake API serving scenario `name` with the canary tokens."""
    return FakeAPI(
        load_scenario(name),
        github_token=GITHUB_CANARY,
        cloudflare_token=CLOUDFLARE_CANARY,
        **kwargs,
    )  # type: ignore[arg-type]


def run_live(monkeypatch: pytest.MonkeyPatch, api: FakeAPI, *args: str) -> Run:
    """Run the command line in this process with the environment of `api`."""
    for name, value in api.environ().items():
        monkeypatch.setenv(name, value)
    return run(*args)


def run(*args: str) -> Run:
    """Run the command line in this process, capturing what it writes."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--no-config", *args])
    gc.enable()  # the command line turns the collector off for its short run
    return Run(code, out.getvalue(), err.getvalue())


def shown(text: str, root: Path) -> str:
    """Return output with the audited folder and version normalised."""
    return normalise(text.replace(str(root), "<root>"))
