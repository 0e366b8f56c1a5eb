"""The command line: parse arguments, run the audit, write reports, exit."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runart_lint import __version__
from runart_lint.redact import (
    RedactingFormatter,
    mask_secret_values,
    redact,
    redact_result,
)

if TYPE_CHECKING:
    from runart_lint.config import Settings
    from runart_lint.engine import LiveSource
    from runart_lint.findings import AuditResult
    from runart_lint.graph.model import Audit
    from runart_lint.inputs import Inputs, Options
    from runart_lint.pack import LoadedPack

logger = logging.getLogger("runart_lint")

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3
FORMATS = ("text", "json", "sarif", "github", "markdown")
FAIL_ON = ("error", "warning", "note", "never")
SUBCOMMANDS = ("rules", "explain", "init")
# Paths that name this process's own streams, whatever they are connected to.
STANDARD_STREAMS = frozenset({"/dev/stdout", "/dev/stderr"})
STREAM_FOLDERS = ("/dev/fd/", "/proc/self/fd/")
# The modules `--live` imports, from the `live` extra (`github` is PyGithub).
LIVE_PACKAGES = ("github", "httpx", "certifi")


class UsageError(Exception):
    """A problem with the command line or configuration (exit code 2)."""

    def __init__(self, message: str, help_text: str = "") -> None:
        super().__init__(message)
        self.help_text = help_text


class _Parser(argparse.ArgumentParser):
    """An argument parser whose messages, errors included, have credentials masked."""

    def _print_message(self, message: str, file: Any = None) -> None:
        super()._print_message(redact(message), file)


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
    except BrokenPipeError:
        # The reader (`| head`) has gone; say nothing more and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as error:  # the last line of defence: no tracebacks
        if debug:
            import traceback

            sys.stderr.write(redact(traceback.format_exc()))
        _error(
            f"internal error: {type(error).__name__}: {error}",
            "run again with --debug and report the traceback",
        )
        return EXIT_FAILURE


def _audit_parser() -> argparse.ArgumentParser:
    """Return the parser of the audit command."""
    parser = _Parser(
        prog="runart-lint",
        description="Audit a repository's wrangler configs and GitHub workflows "
        "against its deployment plan.",
        epilog="Subcommands: `runart-lint rules` lists the rules; "
        "`runart-lint explain RULE` shows one rule's documentation; "
        "`runart-lint init` writes a starting rule pack from the workflows.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        help="repository to audit (default: the current folder)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format (default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE instead of standard output",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a finding is this severe or worse (default: warning)",
    )
    parser.add_argument(
        "--pack",
        metavar="NAME|FILE",
        help="rule pack to check against (default: runart-foundry)",
    )
    parser.add_argument(
        "--select", metavar="IDS", help="run only these rules (comma-separated ids)"
    )
    parser.add_argument(
        "--ignore", metavar="IDS", help="skip these rules (comma-separated ids)"
    )
    parser.add_argument(
        "--exclude",
        metavar="PATH",
        action="append",
        help="skip files under PATH or matching a glob (repeatable)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: .runart-lint.toml or "
        "[tool.runart-lint] in pyproject.toml, in PATH)",
    )
    parser.add_argument(
        "--no-config", action="store_true", help="ignore any configuration file"
    )
    parser.add_argument(
        "--baseline", metavar="FILE", help="do not report the findings recorded in FILE"
    )
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="record the current findings in FILE"
    )
    parser.add_argument(
        "--sarif-category",
        default="runart-lint",
        metavar="NAME",
        help="code scanning category for SARIF output",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="also read the GitHub repository and the Cloudflare "
        "account (read-only; tokens from the environment)",
    )
    parser.add_argument(
        "--live-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="deadline of the live reads (default: 60)",
    )
    from runart_lint.cli_reports import add_report_arguments

    add_report_arguments(parser)
    parser.add_argument("--no-color", action="store_true", help="never use colour")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again instead of reusing the cache",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to standard error"
    )
    parser.add_argument(
        "--debug", action="store_true", help="log internals and show tracebacks"
    )
    parser.add_argument(
        "--version", action="version", version=f"runart-lint {__version__}"
    )
    return parser


def _audit(args: argparse.Namespace) -> int:
    """Run an offline audit and write the report."""
    # A run is short and its trees are acyclic and freed at exit: the cyclic
    # collector would only rescan them, more often the larger the repository.
    gc.disable()
    _configure_logging(args.verbose, args.debug)
    root = Path(args.path or ".")
    if root.is_file():
        raise UsageError(
            f"not a folder: {args.path}",
            "pass the folder of the repository that holds the file",
        )
    if not root.is_dir():
        raise UsageError(
            f"no such folder: {args.path}", "pass the path of a repository checkout"
        )
    _warn_if_subfolder(root)
    if sys.stdout is None and _writes_stdout(args):
        raise UsageError(
            "standard output is closed", "write the reports to files instead"
        )

    from runart_lint.findings import Severity
    from runart_lint.inputs import Options

    settings = _settings(args, root)
    cache_dir = None if args.no_cache else _cache_dir()
    pack = _load_pack(settings, cache_dir)
    options = Options(
        select=settings.select,
        ignore=settings.ignore,
        exclude=settings.exclude,
        include=settings.include,
        severity={k: Severity.parse(v) for k, v in settings.severity.items()},
        cache_dir=cache_dir,
    )
    from runart_lint.cli_reports import (
        check_destinations,
        render_extra_format,
        write_side_reports,
    )
    from runart_lint.inputs import read_inputs

    inputs = read_inputs(root, options)
    baseline = Path(settings.baseline) if settings.baseline else None
    read = _files_read(root, inputs, pack, settings)
    check_destinations(args, root, pack, read, baseline)
    logger.info("auditing %s with pack %s", root, pack.pack.pack.name)
    result, audit = _audit_or_reuse(args, settings, root, pack, options, inputs)
    result = _with_baseline(mask_secret_values(result), args, settings)

    # Masked once here: every report and side report below takes this result.
    shown = redact_result(result)
    report = render_extra_format(shown, audit, args, root)
    report = _render(shown, args) if report is None else report
    if args.output:
        write_atomic(Path(args.output), report)
    else:
        _write_stdout(report)
    write_side_reports(shown, audit, args, root)
    return exit_code(result, settings.fail_on)


def _write_stdout(report: str) -> None:
    """Write the report to standard output; a reader that has gone stops nothing.

    `runart-lint | head` closes the pipe early: the side reports and the exit
    code still matter (a CI shell with `pipefail` reads that code).
    """
    try:
        sys.stdout.write(report)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _writes_stdout(args: argparse.Namespace) -> bool:
    """Return whether a report of this run goes to standard output as `-`."""
    if not args.output or args.output == "-":
        return True
    return "-" in (args.write_baseline, args.summary, args.sarif)


def _files_read(
    root: Path, inputs: Inputs, pack: LoadedPack, settings: Settings
) -> list[Path]:
    """Return every file the run reads: no report may be written over one.

    The audited files (those that could not be decoded too), the rule pack,
    the configuration files and the baseline.
    """
    from runart_lint.config import CONFIG_FILE

    read = [root / item.source.path for item in inputs.files]
    read += [root / skipped.path for skipped in inputs.discovery.skipped]
    read += [root / name for name in (CONFIG_FILE, "pyproject.toml")]
    if not pack.builtin:
        read.append(Path(pack.path))
    for path in (settings.source, settings.baseline):
        if path is not None:
            read.append(Path(path))
    return read


def _audit_or_reuse(
    args: argparse.Namespace,
    settings: Settings,
    root: Path,
    pack: LoadedPack,
    options: Options,
    inputs: Inputs,
) -> tuple[AuditResult, Audit | None]:
    """Return the audit's result, reused when every input is as it was.

    A reused result comes without the audit's graph, which only the Markdown
    summary and the deployment log draw on; those runs always audit.
    """
    from runart_lint.results import ResultCache

    needs_graph = args.format == "markdown" or args.summary or args.bitacora is not None
    results = None
    if options.cache_dir is not None and not args.live and not needs_graph:
        results = ResultCache(options.cache_dir)

    key = results.key(root, pack, options, inputs) if results is not None else ""
    reused = results.load(key, root, inputs) if results is not None else None
    if reused is not None:
        logger.info("nothing changed since an identical audit; reusing its result")
        return reused, None

    from runart_lint.engine import audit_repository
    from runart_lint.rules import RULES

    live = _live_source(args, settings, root, options) if args.live else None
    result, audit = audit_repository(root, pack, RULES, options, live, inputs)
    if results is not None:
        results.store(key, result, audit.probes)
    return result, audit


def _warn_if_subfolder(root: Path) -> None:
    """Warn when `root` is below the top of its git work tree: the audit is partial."""
    from runart_lint.gitinfo import work_tree_top

    top = work_tree_top(root)
    if top is None or top == root.resolve():
        return
    # A folder with workflows of its own is a pipeline audited on purpose (a
    # bundled example, a fixture), not a slip of the current directory.
    if (root / ".github" / "workflows").is_dir():
        return
    logger.warning(
        "auditing only %s, a subfolder of the git repository at %s; files and "
        "configuration outside it are not read: run from %s or pass it as PATH",
        root,
        top,
        top,
    )


def _settings(args: argparse.Namespace, root: Path) -> Settings:
    """Return the configuration file's settings with the flags given applied."""
    from runart_lint.config import ConfigError, find_config, load_config, settings_for
    from runart_lint.loaders.cache import ParseCache

    flags = {
        "pack": args.pack,
        "select": _ids(args.select, "--select") if args.select is not None else None,
        "ignore": _ids(args.ignore, "--ignore") if args.ignore is not None else None,
        "exclude": args.exclude,
        "fail_on": args.fail_on,
        "baseline": args.baseline,
    }
    cache = None if args.no_cache else ParseCache(_cache_dir())
    path = Path(args.config) if args.config else None
    if path is None and not args.no_config:
        path = find_config(root, cache)
    try:
        loaded = load_config(path, _rule_ids, cache) if path else None
    except ConfigError as error:
        raise UsageError(str(error), error.help_text) from None
    if loaded is not None:
        logger.info("using configuration %s", loaded.shown)
    return settings_for(loaded, flags)


def _live_source(
    args: argparse.Namespace, settings: Settings, root: Path, options: Options
) -> LiveSource:
    """Return the reader of GitHub and Cloudflare for `--live`, settings checked."""
    _require_live_packages()

    from runart_lint.engine import selected_rules
    from runart_lint.live.fetch import live_source
    from runart_lint.live.settings import DEFAULT_DEADLINE, SettingsError, load_settings
    from runart_lint.rules import RULES

    deadline = args.live_timeout or settings.live.deadline or DEFAULT_DEADLINE
    try:
        live = load_settings(root, os.environ, deadline, settings.live)
    except SettingsError as error:
        raise UsageError(str(error), error.help_text) from None
    sides = {
        name
        for rule in selected_rules(RULES, options)
        if rule.meta.needs_live
        for name in rule.meta.inputs
    }
    return live_source(live, sides)


def _require_live_packages() -> None:
    """Refuse `--live` when the packages of the `live` extra are not installed."""
    from importlib.util import find_spec

    missing = [name for name in LIVE_PACKAGES if find_spec(name) is None]
    if missing:
        raise UsageError(
            f"--live needs packages that are not installed: {', '.join(missing)}",
            "install the live extra: pip install 'runart-lint[live]'",
        )


def _seconds(text: str) -> float:
    """Return a positive number of seconds, for `--live-timeout`."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("expected seconds above 0 and at most 3600")
    return value


def _load_pack(settings: Settings, cache_dir: Path | None) -> LoadedPack:
    """Load the rule pack, with the deployment log the configuration names."""
    from runart_lint.loaders.cache import ParseCache
    from runart_lint.pack import PackError, load_pack
    from runart_lint.records import replace

    cache = ParseCache(cache_dir) if cache_dir is not None else None
    try:
        pack = load_pack(settings.pack, cache)
    except PackError as error:
        where = f"`pack` in {settings.source}" if settings.source else "--pack"
        raise UsageError(
            str(error), f"fix the rule pack or choose another with {where}"
        ) from None
    if settings.log is None:
        return pack
    info = replace(pack.pack.pack, log=settings.log)
    return replace(pack, pack=replace(pack.pack, pack=info))


def _with_baseline(
    result: AuditResult, args: argparse.Namespace, settings: Settings
) -> AuditResult:
    """Write the baseline when asked, and hide the findings the baseline records."""
    path: str | None = args.write_baseline or settings.baseline
    if path is None:
        return result

    from runart_lint.baseline import (
        BaselineError,
        apply_baseline,
        load_baseline,
        render_baseline,
        stale_entries,
    )

    if args.write_baseline:
        text = render_baseline(result.findings)
        _write_baseline(Path(path), text)
    else:
        text = _read_baseline(Path(path))

    try:
        baseline = load_baseline(path, text)
    except BaselineError as error:
        raise UsageError(str(error), "write it again with --write-baseline") from None
    if args.write_baseline:
        count = sum(baseline.counts.values())
        noun = "finding" if count == 1 else "findings"
        if sys.stderr is not None:
            sys.stderr.write(f"wrote {count} {noun} to {args.write_baseline}\n")
    stale = stale_entries(result, baseline)
    if stale:
        logger.info(
            "%s of the baseline %s fixed; write it again with "
            "--write-baseline to drop %s",
            "1 finding" if stale == 1 else f"{stale} findings",
            "is" if stale == 1 else "are",
            "it" if stale == 1 else "them",
        )
    return apply_baseline(result, baseline)


def _write_baseline(path: Path, text: str) -> None:
    """Write the baseline file atomically."""
    write_atomic(path, text, "--write-baseline")


def _read_baseline(path: Path) -> str:
    """Return the text of the baseline file, or fail with a usage error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"no baseline at {path}",
            f"record one with `runart-lint --write-baseline {path}`",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"cannot read baseline {path}: {error}", "make the file readable"
        ) from None


def _render(result: AuditResult, args: argparse.Namespace) -> str:
    """Return the report of a result whose credentials are masked already."""
    if args.format == "json":
        from runart_lint.reporters.json_report import render_json

        return render_json(result)
    if args.format == "sarif":
        from runart_lint.cli_reports import render_sarif_report

        return render_sarif_report(result, args)
    from runart_lint.reporters.text import render_text

    color = (
        not args.no_color
        and not args.output
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
        and sys.stdout is not None
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


def write_atomic(path: Path, text: str, option: str = "--output") -> None:
    """Write `text` to `path` so readers see the old file or the whole new one.

    The text goes to a temporary file in the same folder, reaches the disk, and
    is renamed over `path`; a write that fails or is interrupted removes it. A
    process killed outright leaves the temporary file behind. A link is
    written through to the file it names; `-`, a terminal, a pipe or a device
    (`/dev/stdout` included) is written to directly, after what this run
    already wrote there. `option` names the flag that gave `path`, for errors.
    """
    if str(path) == "-":
        _write_stdout(text)
        return
    try:
        if written_directly(path):
            _flush_stdout()
            with open(path, "a", encoding="utf-8") as stream:
                stream.write(text)
            return
        _write_by_rename(Path(os.path.realpath(path)), text)
    except OSError as error:
        raise UsageError(
            f"cannot write {path}: {error.strerror}", f"choose a writable {option} path"
        ) from None


def _flush_stdout() -> None:
    """Flush what this run wrote to standard output, if it is open at all."""
    if sys.stdout is not None:
        sys.stdout.flush()


def written_directly(path: Path) -> bool:
    """Return whether `path` is written in place: a stream, not a file to replace.

    A terminal, a pipe or a device, and the standard streams by name:
    `/dev/stdout` redirected to a file is that file, which must be appended
    to, not replaced. `os.stat` follows `/dev/stdout` to a pipe that
    `os.path.realpath` names as a path that does not exist.
    """
    absolute = os.path.abspath(path)
    if absolute in STANDARD_STREAMS or absolute.startswith(STREAM_FOLDERS):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_by_rename(path: Path, text: str) -> None:
    """Write through a temporary file that takes the target's permissions."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.fchmod(descriptor, _mode_for(path))
    _replace_with(descriptor, Path(temporary), path, text)


def _mode_for(path: Path) -> int:
    """Return the mode a new report gets: the old file's, or the umask's."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _replace_with(descriptor: int, temporary: Path, path: Path, text: str) -> None:
    """Write `text` through `descriptor`, then rename `temporary` over `path`."""
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _cache_dir() -> Path:
    """Return the parse cache folder (`RUNART_LINT_CACHE_DIR` or the user's)."""
    from runart_lint.loaders.cache import cache_root

    return cache_root()


def _subcommand(args: list[str]) -> int:
    """Run `rules`, `explain` or `init`."""
    from runart_lint.rules import rule_by_id

    if args[0] == "init":
        return _init(args[1:])
    if args[0] == "rules":
        if len(args) > 1:
            raise UsageError(
                f"rules takes no arguments, not `{args[1]}`",
                "run `runart-lint rules`, or `runart-lint explain RULE` for one rule",
            )
        sys.stdout.write(_rules_table())
        return EXIT_CLEAN

    if len(args) != 2:
        raise UsageError("explain takes one rule id", "run `runart-lint rules` for ids")
    found = rule_by_id(args[1])
    if found is None:
        raise UsageError(f"no rule `{args[1]}`", "run `runart-lint rules` for ids")
    sys.stdout.write(f"# {found.id}\n\n{found.meta.summary}\n\n{found.doc}\n")
    return EXIT_CLEAN


def _rules_table() -> str:
    """Return every rule's id, severity, inputs, live need and summary as a table."""
    from runart_lint.rules import RULES

    rows = [("RULE", "SEVERITY", "INPUTS", "LIVE API", "SUMMARY")]
    rows += [
        (
            rule.id,
            rule.meta.severity.label,
            ",".join(rule.meta.inputs),
            "needed" if rule.meta.needs_live else "no",
            rule.meta.summary,
        )
        for rule in RULES
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + f"  {row[4]}"
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def _init(argv: list[str]) -> int:
    """Write a starting rule pack for the repository, never over a file unasked."""
    from runart_lint.starter import DEFAULT_OUTPUT, infer

    args = _init_parser(DEFAULT_OUTPUT).parse_args(argv)
    _configure_logging(args.verbose, debug=False)
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(
            f"no such folder: {args.path}", "pass the path of a repository checkout"
        )
    output = args.output or str(root / DEFAULT_OUTPUT)
    if output != "-" and Path(output).exists() and not args.force:
        raise UsageError(
            f"{output} already exists",
            "pass --force to replace it, or choose another file with -o",
        )

    starter = infer(root)
    if output == "-":
        sys.stdout.write(starter.text)
        return EXIT_CLEAN
    write_atomic(Path(output), starter.text)
    stages = ", ".join(starter.stages) or "none"
    sys.stderr.write(
        f"wrote {output} with stages: {stages}\n"
        f"help: review it, then run `runart-lint --pack {output}`\n"
    )
    return EXIT_CLEAN


def _init_parser(default_output: str) -> argparse.ArgumentParser:
    """Return the parser of `runart-lint init`."""
    parser = _Parser(
        prog="runart-lint init",
        description="Write a starting rule pack from the stages, projects, secrets "
        "and bindings the repository's workflows and wrangler configs use today.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        help="repository to read (default: the current folder)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the pack (default: "
        f"PATH/{default_output}; `-` for standard output)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the output file if it exists"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to standard error"
    )
    return parser


def _rule_ids() -> frozenset[str]:
    """Return the registered rule ids (importing every rule module)."""
    from runart_lint.rules import RULES

    return frozenset(rule.id for rule in RULES)


def _ids(text: str, flag: str) -> frozenset[str]:
    """Return the rule ids of a comma-separated list, refusing unknown ones."""
    from runart_lint.rules import rule_by_id

    ids = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(i for i in ids if rule_by_id(i) is None)
    if unknown:
        raise UsageError(
            f"unknown rule id in {flag}: {', '.join(unknown)}",
            "run `runart-lint rules` for ids",
        )
    return ids


def _configure_logging(verbose: bool, debug: bool) -> None:
    """Send log records to standard error at the level the flags ask for."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s: %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _error(message: str, help_text: str) -> None:
    """Print an error and its help line to standard error, credentials masked.

    With standard error closed there is nowhere to say it; the exit code
    still tells.
    """
    if sys.stderr is None:
        return
    sys.stderr.write(redact(f"error: {message}\n"))
    if help_text:
        sys.stderr.write(redact(f"help: {help_text}\n"))
