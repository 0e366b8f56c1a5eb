"""Time a full live audit when every API answer takes 100 ms.

Usage: python benchmarks/live_latency.py [--latency 0.1] [--runs 5] [--repo PATH]

It serves the RunArt Foundry scenario of the test suite's fake API
(tests/fakeapi) on a loopback port, adding `--latency` seconds to every
response, and runs `runart-lint --live` on `examples/` (the bundled RunArt
Foundry pipeline) in this process: one warm-up run, then `--runs` timed runs
of the whole audit (discovery, parsing, the live reads, every rule and the
text report). It prints the median wall time, the number of requests, and
the ratio of the median to one response's latency; the target is at most 4.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_RATIO = 4.0

sys.path.insert(0, str(REPO / "tests"))

from fakeapi import FakeAPI, load_scenario  # noqa: E402

from runart_lint.cli import main as runart_lint  # noqa: E402


def main() -> int:
    """Run the benchmark and print its result."""
    args = _arguments()
    with FakeAPI(load_scenario("runart-foundry"), latency=args.latency) as api:
        os.environ.update(api.environ())
        _audit(args.repo)
        before = len(api.requests)
        times = [_audit(args.repo) for _ in range(args.runs)]
        requests = (len(api.requests) - before) // args.runs

    median = statistics.median(times)
    ratio = median / args.latency
    sys.stdout.write(
        f"live audit of {args.repo} with {args.latency * 1000:.0f} ms per response: "
        f"median {median * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), "
        f"{requests} requests per audit\n"
        f"ratio total/latency: {ratio:.2f} (target <= {TARGET_RATIO:g})\n"
    )
    return 0 if ratio <= TARGET_RATIO else 1


def _arguments() -> argparse.Namespace:
    """Return the command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds added to every response (default: 0.1)",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="timed runs after one warm-up (default: 5)"
    )
    parser.add_argument(
        "--repo",
        default=str(REPO / "examples"),
        help="repository to audit (default: examples/)",
    )
    return parser.parse_args()


def _audit(repo: str) -> float:
    """Return the wall time of one whole live audit through the command line."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        runart_lint([repo, "--live", "--no-config", "--fail-on", "never"])
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
