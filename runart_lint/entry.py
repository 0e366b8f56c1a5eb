"""The console entry point: answer `--version` before importing anything else."""

from __future__ import annotations

import gc
import sys


def main() -> int:
    """Print the version for a bare `--version`, else run the command line."""
    if sys.argv[1:] == ["--version"]:
        from runart_lint import __version__

        sys.stdout.write(f"runart-lint {__version__}\n")
        return 0

    # Importing the rules and models creates thousands of objects and no
    # garbage; the cyclic collector would only rescan them (the audit turns it
    # off for its own run for the same reason).
    gc.disable()
    from runart_lint.cli import main as run

    return run()
