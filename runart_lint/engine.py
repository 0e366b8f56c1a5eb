"""Run an audit: discover, load, build the graph, check every rule."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from runart_lint.findings import AuditResult, Finding, NotRun, Severity
from runart_lint.graph.builder import build_audit
from runart_lint.graph.model import Audit
from runart_lint.loaders.discover import FileKind, SourceFile, discover
from runart_lint.loaders.tree import Diagnostic, ParsedFile, Span
from runart_lint.loaders.workflow import Action, Workflow, build_action, build_workflow
from runart_lint.loaders.wrangler import WranglerConfig, build_config
from runart_lint.pack import LoadedPack
from runart_lint.rules.base import Rule

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Options:
    """What to check and how findings are adjusted."""

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Loaded:
    """The repository as read from disk, before any rule runs."""

    configs: tuple[WranglerConfig, ...]
    workflows: tuple[Workflow, ...]
    actions: tuple[Action, ...]
    sources: dict[str, str]
    parsed: tuple[ParsedFile, ...]


def audit_repository(
    root: Path, pack: LoadedPack, rules: Sequence[Rule], options: Options
) -> tuple[AuditResult, Audit]:
    """Audit the repository at `root` against `pack` with `rules`."""
    discovery = discover(root, options.exclude)
    loaded = load_files(root, discovery.files)
    skipped = tuple(
        ParsedFile(s.path, None, (Diagnostic("skipped", f"not read: {s.reason}",
                                             "replace the link with the file itself",
                                             Span.point(1, 1)),))
        for s in discovery.skipped
    )

    audit = build_audit(
        root, pack, loaded.configs, loaded.workflows, loaded.actions,
        loaded.sources, loaded.parsed + skipped,
    )
    findings, not_run = run_rules(audit, rules, options)
    result = AuditResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        not_run=tuple(not_run),
        sources=loaded.sources,
        files_audited=len(discovery.files),
    )
    return result, audit


def load_files(root: Path, files: Iterable[SourceFile]) -> Loaded:
    """Read and parse every discovered file into typed documents."""
    configs: list[WranglerConfig] = []
    workflows: list[Workflow] = []
    actions: list[Action] = []
    sources: dict[str, str] = {}
    parsed_files: list[ParsedFile] = []

    for source in files:
        text, problem = read_text(root / source.path)
        if text is None:
            parsed_files.append(ParsedFile(source.path, None, (problem,)))  # type: ignore[arg-type]
            continue
        sources[source.path] = text
        parsed = parse(source, text)
        parsed_files.append(parsed)
        if source.kind is FileKind.WRANGLER:
            config = build_config(source.path, parsed.root)
            configs.extend([config] if config else [])
        elif source.kind is FileKind.WORKFLOW:
            workflow = build_workflow(source.path, parsed.root, source.inert)
            workflows.extend([workflow] if workflow else [])
        else:
            action = build_action(source.path, parsed.root)
            actions.extend([action] if action else [])

    return Loaded(tuple(configs), tuple(workflows), tuple(actions), sources,
                  tuple(parsed_files))


def read_text(path: Path) -> tuple[str | None, Diagnostic | None]:
    """Read a file as UTF-8, refusing huge, unreadable or undecodable files."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Diagnostic(
                "too-large",
                f"file is {size} bytes, larger than the {MAX_FILE_BYTES} bytes read",
                "split the file or exclude it from the audit",
                Span.point(1, 1),
            )
        data = path.read_bytes()
    except OSError as error:
        return None, Diagnostic("unreadable", f"cannot read file: {error.strerror}",
                                "make the file readable", Span.point(1, 1))

    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        col = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, Diagnostic("encoding", "file is not valid UTF-8",
                                "save the file as UTF-8", Span.point(line, col))


def parse(source: SourceFile, text: str) -> ParsedFile:
    """Parse one file with the loader its name calls for."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return ParsedFile(source.path, None, (Diagnostic(
            "nul-byte", "file contains a NUL byte", "remove the NUL byte",
            Span.point(line, 1)),))
    if source.kind is not FileKind.WRANGLER:
        from runart_lint.loaders.yaml_doc import load_yaml

        return load_yaml(source.path, text)
    if source.path.endswith(".toml"):
        from runart_lint.loaders.toml_doc import load_toml

        return load_toml(source.path, text)
    from runart_lint.loaders.jsonc_doc import load_jsonc

    return load_jsonc(source.path, text)


def run_rules(
    audit: Audit, rules: Sequence[Rule], options: Options
) -> tuple[list[Finding], list[NotRun]]:
    """Run each selected rule; a rule that fails is reported as not run."""
    findings: list[Finding] = []
    not_run: list[NotRun] = []
    inert = {w.path for w in audit.workflows if w.inert}

    for rule in rules:
        if not _selected(rule.id, options):
            continue
        try:
            produced = list(rule.check(audit))
        except Exception as error:  # a bug in one rule must not hide the others
            logger.debug("rule %s failed", rule.id, exc_info=True)
            not_run.append(NotRun(rule.id, f"internal error: {type(error).__name__}"))
            continue
        for finding in produced:
            findings.append(_adjust(finding, options, inert))
    return _unique(findings), not_run


def _adjust(finding: Finding, options: Options, inert: set[str]) -> Finding:
    """Apply severity overrides, and cap findings on inert files at notes."""
    severity = options.severity.get(finding.rule_id, finding.severity)
    if finding.location.path in inert:
        severity = Severity.NOTE
    if severity is finding.severity:
        return finding
    return replace(finding, severity=severity)


def _selected(rule_id: str, options: Options) -> bool:
    """Return whether `rule_id` passes `--select` and `--ignore`."""
    if options.select and rule_id not in options.select:
        return False
    return rule_id not in options.ignore


def _unique(findings: list[Finding]) -> list[Finding]:
    """Drop exact repeats (same rule, place and message)."""
    seen: set[tuple[object, ...]] = set()
    unique = []
    for finding in findings:
        key = (finding.rule_id, finding.location, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
