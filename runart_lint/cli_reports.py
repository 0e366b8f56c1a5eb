"""The command line's report options: SARIF limits, CI formats, the log entry.

`runart_lint.cli` parses and runs the audit; this module adds the options of
the reports that people and CI read (`--format github|markdown`, `--sarif`,
`--summary`, `--bitacora`, `--lang`) and writes those files.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from runart_lint.cli import UsageError, write_atomic
from runart_lint.redact import redact

if TYPE_CHECKING:
    from runart_lint.findings import AuditResult
    from runart_lint.graph.model import Audit
    from runart_lint.pack import LoadedPack

logger = logging.getLogger(__name__)

EXTRA_FORMATS = ("github", "markdown")
# Kept here rather than imported so that building the parser (and so
# `--version` and `--help`) loads no reporter; a test checks they agree.
MAX_RESULTS_PER_RUN = 25_000
LANGUAGES = ("es", "en")
DEFAULT_SARIF_RESULTS = 5000
# File systems allow 255 bytes in a name; the temporary file written beside
# a report or a log adds up to 46 to its name.
MAX_NAME_BYTES = 255 - 46


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the CI reports and the deployment log."""
    parser.add_argument(
        "--sarif", metavar="FILE", help="also write SARIF 2.1.0 to FILE"
    )
    parser.add_argument(
        "--sarif-max-results",
        metavar="N",
        type=int,
        default=DEFAULT_SARIF_RESULTS,
        help="keep at most N SARIF results, the most severe "
        f"(default: {DEFAULT_SARIF_RESULTS}; at most "
        f"{MAX_RESULTS_PER_RUN})",
    )
    parser.add_argument(
        "--summary",
        metavar="FILE",
        help="also append the Markdown summary to FILE "
        "(for example $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument(
        "--bitacora",
        metavar="FILE",
        nargs="?",
        const="",
        help="append this audit's entry to the deployment log "
        "FILE (without FILE: the pack's `[pack] log`, relative "
        "to PATH; give it as --bitacora=FILE before PATH)",
    )
    parser.add_argument(
        "--bitacora-diagram",
        action="store_true",
        help="put the promotion diagram in the log entry too",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="es",
        help="language of the log entry, the Markdown summary "
        "and the diagram (default: es)",
    )


def render_extra_format(
    result: AuditResult, audit: Audit | None, args: argparse.Namespace, root: Path
) -> str | None:
    """Return the report for `--format github` or `markdown`, else None.

    `result` has its credentials masked already (`redact_result`).
    """
    if args.format == "github":
        from runart_lint.reporters.github import render_github

        return render_github(result, prefix=_workspace_prefix(root))
    if args.format == "markdown":
        return _markdown(result, _graph(audit), args)
    return None


def _graph(audit: Audit | None) -> Audit:
    """Return the audit's graph, which a run that reused a result does not have."""
    if audit is None:
        raise RuntimeError("a reused result has no graph to summarise")
    return audit


def render_sarif_report(result: AuditResult, args: argparse.Namespace) -> str:
    """Return the SARIF log, warning when results had to be left out."""
    from runart_lint.reporters.sarif import render_sarif
    from runart_lint.rules import RULES

    cap = sarif_options(args)
    if len(result.findings) > cap:
        logger.warning(
            "SARIF keeps the %d most severe of %d results (--sarif-max-results)",
            cap,
            len(result.findings),
        )
    return render_sarif(result, RULES, category=args.sarif_category, max_results=cap)


def check_destinations(
    args: argparse.Namespace,
    root: Path,
    pack: LoadedPack,
    read: list[Path],
    baseline: Path | None,
) -> None:
    """Refuse, before the audit, every output that could not be written whole.

    A folder, a missing folder, a name too long, a refused log or summary
    file, one file named by two options, invalid SARIF options, and a file
    the run reads (`read`) are refused, so that a run either writes all its
    reports or none. `--write-baseline` may name the `baseline` it replaces.
    Two streams (`/dev/stdout` twice) may share a file: both append.
    """
    if args.sarif or args.format == "sarif":
        sarif_options(args)
    outputs = _destinations(args, root, pack)
    if not outputs:
        return

    reads = {_identity(path) for path in read}
    replaced = _identity(baseline) if baseline is not None else None
    seen: dict[tuple[object, ...], tuple[str, bool]] = {}
    for option, path in outputs:
        try:
            stream = _check_destination(option, path, root)
            identity = _identity(path)
        except OSError as error:
            raise UsageError(
                f"{option} {path}: {error.strerror}", "choose another path"
            ) from None
        if identity[0] == "stream":  # a pipe, a terminal, a device
            continue
        if identity in seen and not (stream and seen[identity][1]):
            raise UsageError(
                f"{option} {path} is also the file of {seen[identity][0]}",
                "give each report a file of its own",
            )
        seen[identity] = (option, stream)
        may_replace = option == "--write-baseline" and identity == replaced
        if identity in reads and not may_replace:
            raise UsageError(
                f"{option} {path} is a file this run reads",
                "write the report to another path",
            )


def _identity(path: Path) -> tuple[object, ...]:
    """Return what names one file: its device and inode, or its real path.

    `/dev/stdout` redirected to a file is that file; a pipe or a terminal is
    a stream that no other option can overwrite.
    """
    try:
        info = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    if not stat.S_ISREG(info.st_mode):
        return ("stream", info.st_dev, info.st_ino)
    return ("file", info.st_dev, info.st_ino)


def _check_destination(option: str, path: Path, root: Path) -> bool:
    """Refuse one output path; return whether it is written in place (a stream)."""
    from runart_lint.cli import written_directly
    from runart_lint.gitinfo import read_revision
    from runart_lint.logbook import LogError, check_log

    if written_directly(path):
        if option == "--bitacora":
            raise UsageError(
                f"--bitacora {path} is not a regular file",
                "give the path of a Markdown file",
            )
        if stat.S_ISSOCK(os.stat(path).st_mode):  # a closed stream raises here
            raise UsageError(f"{option} {path} is a socket", "give a file or a pipe")
        return True
    if path.is_dir():
        raise UsageError(
            f"{option} {path} is a folder", f"give {option} the path of a file"
        )

    real = Path(os.path.realpath(path))
    if len(os.fsencode(real.name)) > MAX_NAME_BYTES:
        raise UsageError(
            f"{option} {path}: the file name is too long to write safely",
            f"use a name of at most {MAX_NAME_BYTES} bytes",
        )
    folder = real.parent
    inside = Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))
    repository = Path(os.path.realpath(root))
    escapes = not _existing(folder).is_relative_to(repository)
    if option == "--bitacora" and inside and escapes and not folder.is_dir():
        # An existing folder is checked with the log itself, below.
        raise UsageError(
            f"--bitacora {path} is under a symbolic link out of the repository "
            f"(to {real})",
            "replace the link with a folder of the repository, or pass a path "
            "outside the repository explicitly",
        )
    if not folder.is_dir() and not (option == "--bitacora" and _made(folder, root)):
        raise UsageError(
            f"{option} {path}: no folder {folder}",
            "create the folder first, or choose a path in an existing one",
        )
    if option in ("--bitacora", "--summary"):
        # The log is appended to within the repository's top, as later on.
        top = (
            read_revision(root, os.environ).top or root
            if option == "--bitacora"
            else None
        )
        try:
            check_log(path, top)
        except LogError as error:
            raise UsageError(f"{option}: {error}", error.help_text) from None
    return False


def _made(folder: Path, root: Path) -> bool:
    """Return whether the log's missing `folder` can be made inside the repository.

    Its nearest existing ancestor must be a folder of the repository.
    """
    existing = _existing(folder)
    return existing.is_dir() and existing.is_relative_to(os.path.realpath(root))


def _existing(folder: Path) -> Path:
    """Return the real path of `folder`'s nearest ancestor that exists."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return Path(os.path.realpath(folder))


def _destinations(
    args: argparse.Namespace, root: Path, pack: LoadedPack
) -> list[tuple[str, Path]]:
    """Return the files this run writes, each with the option that names it."""
    found: list[tuple[str, Path]] = []
    named = (
        ("--output", args.output),
        ("--sarif", args.sarif),
        ("--write-baseline", args.write_baseline),
        ("--summary", args.summary),
    )
    for option, value in named:
        if value and value != "-":
            found.append((option, Path(value)))
    if args.bitacora is not None:
        found.append(("--bitacora", _log_path(args.bitacora, root, pack)))
    return found


def write_side_reports(
    result: AuditResult, audit: Audit | None, args: argparse.Namespace, root: Path
) -> None:
    """Write `--sarif`, append `--summary` and the `--bitacora` entry.

    `result` has its credentials masked already (`redact_result`).
    """
    if args.sarif:
        write_atomic(Path(args.sarif), render_sarif_report(result, args), "--sarif")
    if args.summary:
        _append_summary(Path(args.summary), _markdown(result, _graph(audit), args))
    if args.bitacora is not None:
        _append_entry(result, _graph(audit), args, root)


def sarif_options(args: argparse.Namespace) -> int:
    """Check the SARIF options; return how many results to keep at most."""
    cap = _sarif_cap(args.sarif_max_results)
    if not args.sarif_category.strip("/ "):
        raise UsageError(
            "--sarif-category is empty", "name the analysis, for example `runart-lint`"
        )
    return cap


def _sarif_cap(requested: int) -> int:
    """Return the SARIF result cap, refusing negatives and lowering it to 25,000."""
    if requested < 0:
        raise UsageError(
            f"--sarif-max-results must be 0 or more, not {requested}",
            f"pass a number from 0 to {MAX_RESULTS_PER_RUN}",
        )
    if requested > MAX_RESULTS_PER_RUN:
        logger.warning(
            "code scanning rejects runs of more than %d results; keeping %d",
            MAX_RESULTS_PER_RUN,
            MAX_RESULTS_PER_RUN,
        )
        return MAX_RESULTS_PER_RUN
    return requested


def _markdown(result: AuditResult, audit: Audit, args: argparse.Namespace) -> str:
    """Return the Markdown summary of the audit."""
    from runart_lint.reporters.markdown import render_markdown
    from runart_lint.reporters.promotion import build_promotion

    promotion = build_promotion(result, audit)
    return render_markdown(
        result, promotion, pack=audit.pack.pack.pack.name, lang=args.lang
    )


def _workspace_prefix(root: Path) -> str:
    """Return the audited folder relative to the workspace, as annotations need."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
    try:
        relative = root.resolve().relative_to(base).as_posix()
    except ValueError:
        return ""
    return "" if relative == "." else f"{relative}/"


def _append_entry(
    result: AuditResult, audit: Audit, args: argparse.Namespace, root: Path
) -> None:
    """Append the audit's entry to the deployment log, once per audit and commit."""
    from runart_lint.gitinfo import read_revision
    from runart_lint.reporters.bitacora import (
        EntryContext,
        audit_id,
        logged_ids,
        render_entry,
        render_title,
    )
    from runart_lint.reporters.promotion import build_promotion

    revision = read_revision(root, os.environ)
    top = revision.top if revision.top is not None else root
    path = _log_path(args.bitacora, root, audit.pack)
    pack = audit.pack.pack.pack.name
    context = EntryContext(
        timestamp=datetime.now(UTC),
        commit=revision.commit,
        branch=revision.branch,
        pack=pack,
        sarif=_sarif_shown(args, top),
        diagram=args.bitacora_diagram,
    )
    promotion = build_promotion(result, audit)
    # The branch name comes from the checkout, not from the redacted findings.
    entry = redact(render_entry(result, promotion, context, lang=args.lang))
    identifier = audit_id(result, commit=revision.commit, pack=pack)

    if _append(
        "--bitacora",
        path,
        entry,
        top,
        render_title(args.lang),
        lambda text: identifier in logged_ids(text),
    ):
        logger.info("appended audit %s to %s", identifier, path)


def _log_path(flag: str, root: Path, pack: LoadedPack) -> Path:
    """Return the log named by `--bitacora FILE`, or by the pack's `[pack] log`."""
    if flag:
        return Path(flag)
    info = pack.pack.pack
    if not info.log:
        raise UsageError(
            f"rule pack `{info.name}` names no log for --bitacora",
            "pass --bitacora=FILE or set `log` under `[pack]` in the pack",
        )
    relative = PurePosixPath(info.log)
    if relative.is_absolute() or ".." in relative.parts:
        raise UsageError(
            f"the log path must stay inside the repository: {info.log}",
            "write the log's path relative to the repository root",
        )
    return root / relative


def _sarif_shown(args: argparse.Namespace, top: Path) -> str | None:
    """Return the SARIF file this run wrote, relative to the repository if inside."""
    written = args.sarif or (args.output if args.format == "sarif" else None)
    if not written:
        return None
    from runart_lint.loaders.discover import printable

    path = Path(written).resolve()
    try:
        return printable(path.relative_to(top.resolve()).as_posix())
    except ValueError:
        return printable(str(path))


def _append_summary(path: Path, text: str) -> None:
    """Append the Markdown summary; `-`, a pipe, a terminal or a device directly."""
    from runart_lint.cli import written_directly

    if str(path) == "-" or written_directly(path):
        write_atomic(path, text, "--summary")  # which appends to a stream
        return
    _append("--summary", path, text, None)


def _append(
    option: str,
    path: Path,
    text: str,
    boundary: Path | None,
    title: str = "",
    already_there: Callable[[str], bool] | None = None,
) -> bool:
    """Append through the locked log writer, turning its refusals into errors."""
    from runart_lint.logbook import LogError, append_entry

    try:
        return append_entry(
            path, text, boundary=boundary, title=title, already_there=already_there
        )
    except LogError as error:
        raise UsageError(f"{option}: {error}", error.help_text) from None
