"""The whole hostile-input campaign and the table SECURITY.md shows of it."""

from __future__ import annotations

import os
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from fuzz_faults import (
    Trial,
    canary_trials,
    entry_point_trials,
    file_system_trials,
    killed_write_trials,
)
from fuzz_harness import EXAMPLES, SEED, Outcome, run_content_campaign
from fuzz_inputs import FAULTS, SHARED_EXAMPLES, example_root, load_seeds

KILLS = int(os.environ.get("RUNART_FUZZ_KILLS") or 4)
BEGIN = "<!-- fuzz-table: written by `python tools/fuzz_report.py --write` -->"
END = "<!-- /fuzz-table -->"
FAMILY_NAMES = {"toml": "TOML", "json": "JSON(C)", "yaml": "YAML", "pack": "rule pack"}


@dataclass(frozen=True, slots=True)
class Campaign:
    """Everything one campaign ran: content outcomes and the other trials."""

    seed: int
    examples: int
    example_files: int
    outcomes: list[Outcome]
    aborted: str | None
    trials: list[Trial]

    def failures(self) -> list[str]:
        """Return one line per run that crashed, hung, leaked or lost a file."""
        lines = [
            f"{o.fault} {o.family} {o.label} ({o.format}): {o.problem}"
            for o in self.outcomes
            if o.problem
        ]
        lines += [
            f"{t.section}: {t.what}: {t.problem}" for t in self.trials if t.problem
        ]
        return lines + (
            [f"content campaign aborted: {self.aborted}"] if self.aborted else []
        )


def run_campaign(
    scratch: Path, seed: int = SEED, examples: int = EXAMPLES, kills: int = KILLS
) -> Campaign:
    """Run every section of the campaign below `scratch`."""
    files = sum(len(seeds) for seeds in load_seeds(example_root()).values())
    outcomes, aborted = run_content_campaign(scratch / "failures", seed, examples)
    trials = file_system_trials(scratch / "fs")
    trials += killed_write_trials(scratch / "kill", seed, kills)
    trials += canary_trials(scratch / "canary", seed)
    trials += entry_point_trials(scratch / "entry")
    return Campaign(seed, examples, files, outcomes, aborted, trials)


def run_in_temporary_folder(**settings: int) -> Campaign:
    """Run the campaign in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="runart-fuzz-") as scratch:
        return run_campaign(Path(scratch), **settings)


# --- the table -----------------------------------------------------------------------


def render_table(campaign: Campaign) -> str:
    """Return the Markdown block SECURITY.md holds between its markers."""
    source = (
        "`../shared/examples`" if example_root() == SHARED_EXAMPLES else "`examples/`"
    )
    lines = [
        BEGIN,
        "",
        f"Seed {campaign.seed}, {campaign.examples} inputs per fault and format "
        f"(`RUNART_FUZZ_EXAMPLES`), mutating the {campaign.example_files} wrangler "
        f"configs, workflows and actions of {source} and the default rule pack.",
        "",
        *_content_table(campaign.outcomes),
        "",
        *_trial_table(campaign.trials),
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def _content_table(outcomes: list[Outcome]) -> list[str]:
    """Return the table of content faults: inputs per format and what happened."""
    header = (
        "| fault injected | TOML | JSON(C) | YAML | rule pack "
        "| file refused (`invalid-file`) | pack refused (exit 2) "
        "| crashed or hung |"
    )
    rows = [header, "|---|--:|--:|--:|--:|--:|--:|--:|"]
    by_fault: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_fault[outcome.fault].append(outcome)
    for fault in FAULTS:
        if by_fault[fault.name]:
            rows.append(_content_row(fault.what, by_fault[fault.name]))
    rows.append(_content_row("**all**", outcomes))
    return rows


def _content_row(what: str, outcomes: list[Outcome]) -> str:
    """Return one row: counts per family, refusals, usage errors, failures."""
    counts = Counter(outcome.family for outcome in outcomes)
    refused = sum(1 for o in outcomes if o.refused and o.family != "pack")
    usage = sum(1 for o in outcomes if o.family == "pack" and o.code == 2)
    failed = sum(1 for o in outcomes if o.problem)
    cells = [str(counts[family]) for family in FAMILY_NAMES]
    return f"| {what} | {' | '.join(cells)} | {refused} | {usage} | {failed} |"


def _trial_table(trials: list[Trial]) -> list[str]:
    """Return the table of file-system, integrity, secrets and entry-point trials."""
    rows = ["| fault injected | runs | result |", "|---|--:|---|"]
    rows += [
        _trial_row(f"file system: {t.what}", [t], str(t.detail.get("result")))
        for t in trials
        if t.section == "file system"
    ]
    integrity = [t for t in trials if t.section == "integrity"]
    rows.append(
        _trial_row(
            "SIGKILL after the report is written, before the rename",
            integrity[:1],
            "old report kept",
        )
    )
    rows.append(
        _trial_row(
            "SIGKILL at a random moment of a run writing a report "
            "of 5,000 findings with `-o`",
            integrity[1:],
            "old or whole new report every time",
        )
    )
    secrets = [t for t in trials if t.section == "secrets"]
    rows.append(
        _trial_row(
            "canary tokens (GitHub, Cloudflare, Bearer, token variables, a named "
            "secret) in every format, to stdout and `-o`, plain, `-v`, `--debug`, "
            "error paths, internal errors",
            secrets,
            "no 8 characters of any canary shown",
        )
    )
    rows += [
        _trial_row(f"entry point: {t.what}", [t], "ended within 1 GiB and 60 s")
        for t in trials
        if t.section == "entry point"
    ]
    return rows


def _trial_row(what: str, trials: list[Trial], passed: str) -> str:
    """Return one row: what was tried, how often, and the result."""
    problems = [t.problem for t in trials if t.problem]
    result = passed if not problems else f"**failed**: {problems[0]}"
    return f"| {what} | {len(trials)} | {result} |"


def replace_table(document: str, table: str) -> str:
    """Return `document` with the text between the markers replaced by `table`."""
    start, end = document.index(BEGIN), document.index(END) + len(END) + 1
    return document[:start] + table + document[end:]
