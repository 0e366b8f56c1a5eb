"""The command line: parse arguments, run the audit, write reports, exit."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from runart_lint import __version__

if TYPE_CHECKING:
    from runart_lint.findings import AuditResult

logger = logging.getLogger("runart_lint")

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3
FORMATS = ("text", "json", "sarif")
FAIL_ON = ("error", "warning", "note", "never")
SUBCOMMANDS = ("rules", "explain")


class UsageError(Exception):
    """A problem with the command line or configuration (exit code 2)."""

    def __init__(self, message: str, help_text: str = "") -> None:
        super().__init__(message)
        self.help_text = help_text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        if args and args[0] in SUBCOMMANDS:
            return _subcommand(args)
        return _audit(_audit_parser().parse_args(args))
    except UsageError as error:
        _error(str(error), error.help_text)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted", "")
        return EXIT_FAILURE
    except Exception as error:  # the last line of defence: no tracebacks
        if debug:
            raise
        _error(f"internal error: {type(error).__name__}: {error}",
               "run again with --debug and report the traceback")
        return EXIT_FAILURE


def _audit_parser() -> argparse.ArgumentParser:
    """Return the parser of the audit command."""
    parser = argparse.ArgumentParser(
        prog="runart-lint",
        description="Audit a repository's wrangler configs and GitHub workflows "
        "against its deployment plan.",
        epilog="Subcommands: `runart-lint rules` lists the rules; "
        "`runart-lint explain RULE` shows one rule's documentation.",
    )
    parser.add_argument("path", nargs="?", default=".",
                        help="repository to audit (default: the current folder)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="report format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=FAIL_ON, default="warning",
                        help="exit 1 when a finding is this severe or worse "
                        "(default: warning)")
    parser.add_argument("--pack", metavar="NAME|FILE",
                        help="rule pack to check against (default: runart-foundry)")
    parser.add_argument("--select", metavar="IDS", default="",
                        help="run only these rules (comma-separated ids)")
    parser.add_argument("--ignore", metavar="IDS", default="",
                        help="skip these rules (comma-separated ids)")
    parser.add_argument("--exclude", metavar="PATH", action="append", default=[],
                        help="skip files under PATH or matching a glob (repeatable)")
    parser.add_argument("--sarif-category", default="runart-lint", metavar="NAME",
                        help="code scanning category for SARIF output")
    parser.add_argument("--no-color", action="store_true", help="never use colour")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log progress to standard error")
    parser.add_argument("--debug", action="store_true",
                        help="log internals and show tracebacks")
    parser.add_argument("--version", action="version",
                        version=f"runart-lint {__version__}")
    return parser


def _audit(args: argparse.Namespace) -> int:
    """Run an offline audit and write the report."""
    _configure_logging(args.verbose, args.debug)
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {args.path}",
                         "pass the path of a repository checkout")

    from runart_lint.engine import Options, audit_repository
    from runart_lint.pack import PackError, load_pack
    from runart_lint.rules import RULES

    try:
        pack = load_pack(args.pack)
    except PackError as error:
        raise UsageError(str(error), "fix the rule pack or choose another with --pack")
    options = Options(
        select=_ids(args.select, "--select"),
        ignore=_ids(args.ignore, "--ignore"),
        exclude=tuple(args.exclude),
    )
    logger.info("auditing %s with pack %s", root, pack.pack.pack.name)
    result, _ = audit_repository(root, pack, RULES, options)

    report = _render(result, args)
    if args.output:
        write_atomic(Path(args.output), report)
    else:
        sys.stdout.write(report)
    return exit_code(result, args.fail_on)


def _render(result: AuditResult, args: argparse.Namespace) -> str:
    """Return the report in the chosen format."""
    if args.format == "json":
        from runart_lint.reporters.json_report import render_json

        return render_json(result)
    if args.format == "sarif":
        from runart_lint.reporters.sarif import render_sarif
        from runart_lint.rules import RULES

        return render_sarif(result, RULES, category=args.sarif_category)
    from runart_lint.reporters.text import render_text

    color = (
        not args.no_color
        and not args.output
        and "NO_COLOR" not in os.environ
        and sys.stdout.isatty()
    )
    return render_text(result, color=color)


def exit_code(result: AuditResult, fail_on: str) -> int:
    """Return 3 for an incomplete audit, 1 for findings at `fail_on`, else 0."""
    from runart_lint.findings import Severity

    if result.not_run:
        return EXIT_FAILURE
    if fail_on == "never":
        return EXIT_CLEAN
    threshold = Severity.parse(fail_on)
    worst = [f.severity for f in result.findings if f.suppressed is None]
    return EXIT_FINDINGS if worst and max(worst) >= threshold else EXIT_CLEAN


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the whole new one."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", suffix=".tmp",
            delete=False,
        )
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}",
                         "choose a writable --output path") from None


def _subcommand(args: list[str]) -> int:
    """Run `rules` or `explain`."""
    from runart_lint.rules import RULES, rule_by_id

    if args[0] == "rules":
        width = max(len(rule.id) for rule in RULES)
        for rule in RULES:
            live = "live" if rule.meta.needs_live else "offline"
            inputs = ",".join(rule.meta.inputs)
            line = f"{rule.id:<{width}}  {rule.meta.severity.label:<7}  {live:<7}  "
            sys.stdout.write(f"{line}{inputs:<20}  {rule.meta.summary}\n")
        return EXIT_CLEAN

    if len(args) != 2:
        raise UsageError("explain takes one rule id", "run `runart-lint rules` for ids")
    found = rule_by_id(args[1])
    if found is None:
        raise UsageError(f"no rule `{args[1]}`", "run `runart-lint rules` for ids")
    sys.stdout.write(f"# {found.id}\n\n{found.meta.summary}\n\n{found.doc}\n")
    return EXIT_CLEAN


def _ids(text: str, flag: str) -> frozenset[str]:
    """Return the rule ids of a comma-separated list, refusing unknown ones."""
    from runart_lint.rules import rule_by_id

    ids = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(i for i in ids if rule_by_id(i) is None)
    if unknown:
        raise UsageError(f"unknown rule id in {flag}: {', '.join(unknown)}",
                         "run `runart-lint rules` for ids")
    return ids


def _configure_logging(verbose: bool, debug: bool) -> None:
    """Send log records to standard error at the level the flags ask for."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _error(message: str, help_text: str) -> None:
    """Print an error and its help line to standard error."""
    sys.stderr.write(f"error: {message}\n")
    if help_text:
        sys.stderr.write(f"help: {help_text}\n")
