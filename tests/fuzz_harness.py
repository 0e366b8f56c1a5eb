"""Run hostile and broken input through runart-lint and tabulate what happened.

The content campaign runs in a worker process bounded in memory and CPU time,
each input under its own time limit; `python tests/fuzz_harness.py worker`
is that worker. Settings come from the environment:

- `RUNART_FUZZ_SEED` (default 7): the seed every input is derived from.
- `RUNART_FUZZ_EXAMPLES` (default 12): inputs per fault and file format;
  `RUNART_FUZZ_EXAMPLES=200` is a long local run (a few minutes).
- `RUNART_FUZZ_KILLS` (default 4): runs killed at a random moment.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

from fuzz_inputs import Case, example_root, load_seeds, make_cases, make_pack_cases

DEFAULT_SEED = 7
DEFAULT_EXAMPLES = 12
SEED = int(os.environ.get("RUNART_FUZZ_SEED") or DEFAULT_SEED)
EXAMPLES = int(os.environ.get("RUNART_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
CASE_SECONDS = 10.0
MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 60
FORMATS = ("text", "json", "sarif")
HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
# Raw control characters a terminal would act on; the text report must name
# them (`<U+001B>`) instead.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class CaseTimeout(BaseException):
    """A run went past its time limit (a BaseException: the CLI must not catch it)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did: exit code, why it counts as a failure, how long it took."""

    fault: str
    family: str
    label: str
    format: str
    code: int | None
    problem: str | None
    seconds: float
    refused: bool


def is_default() -> bool:
    """Return whether the campaign runs with the settings the table documents."""
    return SEED == DEFAULT_SEED and EXAMPLES == DEFAULT_EXAMPLES


# --- bounds --------------------------------------------------------------------------


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise CaseTimeout in the main thread when `seconds` pass."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded(memory: int = MEMORY_BYTES, cpu: int = CPU_SECONDS) -> Callable[[], None]:
    """Return a `preexec_fn` that caps a child's address space and CPU time."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    return apply


# --- one run in this process ---------------------------------------------------------


def call_main(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in this process with strict UTF-8 standard streams."""
    from runart_lint.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse exits on bad arguments and --help
            code = stop.code if isinstance(stop.code, int) else 2
        out.flush()
        err.flush()
    return code, _text(out), _text(err)


def _text(stream: io.TextIOWrapper) -> str:
    """Return what was written to a captured stream."""
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write a repository's files below `root`."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def run_case(case: Case, folder: Path, output_format: str) -> Outcome:
    """Audit one case in this process and check what came out."""
    repo = folder / "repo"
    repo.mkdir(parents=True)
    write_files(repo, case.files)
    argv = [str(repo), "--format", output_format, "--no-color"]
    if case.pack is not None:
        (folder / "pack.toml").write_bytes(case.pack)
        argv += ["--pack", str(folder / "pack.toml")]

    start = time.perf_counter()
    code: int | None = None
    try:
        with time_limit(CASE_SECONDS):
            code, out, err = call_main(argv)
        problem = check_run(case, output_format, code, out, err)
    except CaseTimeout:
        problem, out = f"hang: no result within {CASE_SECONDS:.0f} s", ""
    except Exception as error:  # anything escaping main() is the bug looked for
        problem, out = f"crash: {type(error).__name__}: {error}", ""

    seconds = time.perf_counter() - start
    refused = _refused(output_format, out, case.label)
    return Outcome(
        case.fault,
        case.family,
        case.label,
        output_format,
        code,
        problem,
        seconds,
        refused,
    )


def check_run(
    case: Case, output_format: str, code: int, out: str, err: str
) -> str | None:
    """Return why a finished run is wrong, or None when it is right."""
    allowed = (0, 1, 2) if case.pack is not None else (0, 1)
    if "Traceback" in err or "internal error" in err or "Logging error" in err:
        return f"crash: {_first_line(err)}"
    if code not in allowed:
        return f"exit code {code}: {_first_line(err) or _first_line(out)}"
    if code == 2 and not (err.startswith("error: ") and "\nhelp: " in err):
        return f"usage error without `error:` and `help:` lines: {_first_line(err)}"
    return check_report(output_format, out, case.files)


def check_report(output_format: str, out: str, files: dict[str, bytes]) -> str | None:
    """Return why a report is malformed, or None."""
    if output_format == "text":
        raw = RAW_CONTROL.search(out)
        return f"raw control character {raw.group()!r} in text" if raw else None
    if not out:
        return None
    try:
        document = json.loads(out)
    except ValueError as error:
        return f"{output_format} report is not JSON: {error}"
    if output_format == "json":
        return _check_positions(document, files)
    return None


def _check_positions(
    document: dict[str, object], files: dict[str, bytes]
) -> str | None:
    """Return why a finding points outside its file, or None."""
    findings = document.get("findings")
    assert isinstance(findings, list)
    for finding in findings:
        data = files.get(finding["path"])
        if data is None or finding["line"] is None:
            continue
        lines = data.count(b"\n") + data.count(b"\r") + 2
        if not 1 <= finding["line"] < lines or finding["column"] < 1:
            where = f"{finding['path']}:{finding['line']}:{finding['column']}"
            return f"finding outside its file at {where}"
    return None


def _refused(output_format: str, out: str, path: str) -> bool:
    """Return whether the report refuses the case's file as `invalid-file`."""
    if output_format == "text":
        pattern = rf"^{re.escape(path)}:\d+:\d+: \w+\[invalid-file\]"
        return re.search(pattern, out, re.M) is not None
    if output_format == "json" and out:
        findings = json.loads(out)["findings"]
        return any(
            f["rule_id"] == "invalid-file" and f["path"] == path for f in findings
        )
    if output_format == "sarif" and out:
        results = json.loads(out)["runs"][0]["results"]
        return any(r["ruleId"] == "invalid-file" and _uri(r) == path for r in results)
    return False


def _uri(result: dict[str, object]) -> str:
    """Return the file a SARIF result points at."""
    from urllib.parse import unquote

    location = result["locations"][0]["physicalLocation"]  # type: ignore[index]
    return unquote(location["artifactLocation"]["uri"])  # type: ignore[no-any-return]


def _first_line(text: str) -> str:
    """Return the first non-empty line of `text`."""
    return next((line for line in text.splitlines() if line.strip()), "")


# --- the worker process --------------------------------------------------------------


def worker(seed: int, examples: int, failures: Path, shard: int, shards: int) -> int:
    """Run every `shards`-th content case from `shard`, print outcomes as JSON lines."""
    seeds = load_seeds(example_root())
    cases = make_cases(seed, examples, seeds) + make_pack_cases(seed, examples)
    scratch = Path(tempfile.mkdtemp(prefix="runart-fuzz-"))
    try:
        for number in range(shard, len(cases), shards):
            case = cases[number]
            sys.stderr.write(f"case {number}: {case.fault} {case.label}\n")
            folder = scratch / str(number)
            outcome = run_case(case, folder, FORMATS[number % len(FORMATS)])
            if outcome.problem:
                _save_failure(failures / f"{number}-{case.fault}", folder)
            shutil.rmtree(folder, ignore_errors=True)
            sys.stdout.write(json.dumps({"number": number, **asdict(outcome)}) + "\n")
            sys.stdout.flush()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _save_failure(target: Path, folder: Path) -> None:
    """Keep the input of a failed run for the corpus."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target, symlinks=True)


def run_content_campaign(
    failures: Path, seed: int = SEED, examples: int = EXAMPLES
) -> tuple[list[Outcome], str | None]:
    """Run the cases in one bounded worker per core; return outcomes and any abort."""
    shards = max(1, min(os.cpu_count() or 1, 4))
    cpu = max(CPU_SECONDS, examples * 20)
    logs = Path(tempfile.mkdtemp(prefix="runart-fuzz-logs-"))
    try:
        running = [
            _start_worker(seed, examples, failures, shard, shards, cpu, logs)
            for shard in range(shards)
        ]
        aborted = [
            _finish_worker(process, cpu * 2, logs / f"{shard}.err")
            for shard, process in enumerate(running)
        ]
        lines = [(logs / f"{shard}.out").read_text() for shard in range(shards)]
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    numbered = [json.loads(line) for text in lines for line in text.splitlines()]
    outcomes = [
        Outcome(**{k: v for k, v in item.items() if k != "number"})
        for item in sorted(numbered, key=lambda item: item["number"])
    ]
    return outcomes, next((reason for reason in aborted if reason), None)


def _start_worker(
    seed: int,
    examples: int,
    failures: Path,
    shard: int,
    shards: int,
    cpu: int,
    logs: Path,
) -> subprocess.Popen[bytes]:
    """Start one worker process writing its outcomes below `logs`."""
    command = [
        sys.executable,
        str(HERE),
        "worker",
        str(seed),
        str(examples),
        str(failures),
        str(shard),
        str(shards),
    ]
    out, err = logs / f"{shard}.out", logs / f"{shard}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        return subprocess.Popen(
            command, stdout=stdout, stderr=stderr, cwd=REPO, preexec_fn=bounded(cpu=cpu)
        )


def _finish_worker(
    process: subprocess.Popen[bytes], timeout: int, err: Path
) -> str | None:
    """Wait for a worker; return why it stopped early, or None."""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return f"worker timed out: {_last(err.read_text())}"
    return None if code == 0 else f"worker exit {code}: {_last(err.read_text())}"


def _last(stderr: str) -> str:
    """Return the last lines a worker wrote to standard error."""
    return " | ".join(stderr.strip().splitlines()[-3:])


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    seed_arg, examples_arg, failures_arg, shard_arg, shards_arg = sys.argv[2:7]
    raise SystemExit(
        worker(
            int(seed_arg),
            int(examples_arg),
            Path(failures_arg),
            int(shard_arg),
            int(shards_arg),
        )
    )
