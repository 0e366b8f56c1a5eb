"""Run an audit: discover, load, build the graph, check every rule."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from runart_lint.findings import (
    AuditResult,
    CheckUnavailable,
    Finding,
    NotRun,
    Severity,
)
from runart_lint.graph.builder import build_audit
from runart_lint.graph.model import Audit
from runart_lint.inputs import Inputs, Options, ReadFile, read_inputs, read_text
from runart_lint.loaders.cache import ParseCache
from runart_lint.loaders.discover import FileKind, SourceFile, is_inert_workflow
from runart_lint.loaders.tree import Diagnostic, ParsedFile, Span
from runart_lint.loaders.workflow import Action, Workflow, build_action, build_workflow
from runart_lint.loaders.wrangler import WranglerConfig, build_config
from runart_lint.pack import LoadedPack
from runart_lint.records import record, replace
from runart_lint.rules.base import Rule

if TYPE_CHECKING:
    from runart_lint.live.snapshot import LiveSnapshot

    LiveSource = Callable[[Audit], LiveSnapshot]

logger = logging.getLogger(__name__)


@record
class Loaded:
    """The repository as read from disk, before any rule runs."""

    configs: tuple[WranglerConfig, ...]
    workflows: tuple[Workflow, ...]
    actions: tuple[Action, ...]
    sources: dict[str, str]
    parsed: tuple[ParsedFile, ...]


def audit_repository(
    root: Path,
    pack: LoadedPack,
    rules: Sequence[Rule],
    options: Options,
    live: LiveSource | None = None,
    inputs: Inputs | None = None,
) -> tuple[AuditResult, Audit]:
    """Audit the repository at `root` against `pack` with `rules`.

    With `live`, the services are read once the repository is, and the live
    rules check what was read. `inputs` are the files already read, if they
    were.
    """
    inputs = read_inputs(root, options) if inputs is None else inputs
    discovery = inputs.discovery
    cache = ParseCache(options.cache_dir) if options.cache_dir else None
    loaded = load_files(root, discovery.files, cache, inputs.files)
    skipped = tuple(
        ParsedFile(
            s.path,
            None,
            (Diagnostic("skipped", f"not read: {s.reason}", s.help, Span.point(1, 1)),),
        )
        for s in discovery.skipped
    )

    audit = build_audit(
        root,
        pack,
        loaded.configs,
        loaded.workflows,
        loaded.actions,
        loaded.sources,
        loaded.parsed + skipped,
    )
    if live is not None:
        audit = replace(audit, live=live(audit))
    findings, not_run = run_rules(audit, rules, options)
    ran = _ran(rules, options, not_run, live=audit.live is not None)
    findings = suppress(audit, findings, ran, options)
    result = AuditResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        not_run=tuple(not_run),
        sources=loaded.sources,
        files_audited=len(discovery.files),
        live=live is not None,
    )
    return result, audit


def load_files(
    root: Path,
    files: Iterable[SourceFile],
    cache: ParseCache | None = None,
    read: Iterable[ReadFile] | None = None,
) -> Loaded:
    """Read and parse every discovered file into typed documents.

    `read` holds the files' texts when they were read already.
    """
    configs: list[WranglerConfig] = []
    workflows: list[Workflow] = []
    actions: list[Action] = []
    sources: dict[str, str] = {}
    parsed_files: list[ParsedFile] = []

    if read is None:
        read = (ReadFile(source, *read_text(root / source.path)) for source in files)
    for item in read:
        source, text, problem = item.source, item.text, item.problem
        if text is None:
            problems = (problem,) if problem is not None else ()
            parsed_files.append(ParsedFile(source.path, None, problems))
            continue
        sources[source.path] = text
        if cache is None:
            parsed = parse(source, text)
        else:
            # The suffix picks the parser: the same text in `wrangler.toml`
            # and in `wrangler.json` must not share a parse.
            kind = f"{source.kind.value}:{PurePosixPath(source.path).suffix}"
            parsed = cache.parse(source.path, kind, text, _parser_for(source))
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

    return Loaded(
        tuple(configs), tuple(workflows), tuple(actions), sources, tuple(parsed_files)
    )


def _parser_for(source: SourceFile) -> Callable[[str, str], ParsedFile]:
    """Return a `(path, text)` parser for one source, as the cache calls it."""

    def parse_source(_path: str, text: str) -> ParsedFile:
        return parse(source, text)

    return parse_source


def parse(source: SourceFile, text: str) -> ParsedFile:
    """Parse one file with the loader its name calls for."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return ParsedFile(
            source.path,
            None,
            (
                Diagnostic(
                    "nul-byte",
                    "file contains a NUL byte",
                    "remove the NUL byte",
                    Span.point(line, 1),
                ),
            ),
        )
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
    """Run each selected rule; a rule that fails is reported as not run.

    A rule whose input is partly unavailable keeps the findings it yielded
    before raising `CheckUnavailable`, and is reported as not run too.
    """
    findings: list[Finding] = []
    not_run: list[NotRun] = []
    inert = _inert_paths(audit)

    for rule in rules:
        if not _selected(rule.id, options):
            continue
        produced: list[Finding] = []
        try:
            for finding in rule.check(audit):
                produced.append(finding)
        except CheckUnavailable as missing:
            not_run.append(NotRun(rule.id, missing.reason))
        except Exception as error:  # a bug in one rule must not hide the others
            logger.debug("rule %s failed", rule.id, exc_info=True)
            not_run.append(NotRun(rule.id, f"internal error: {type(error).__name__}"))
            continue
        for finding in produced:
            findings.append(_adjust(finding, options, inert))
    return _unique(findings), not_run


def _inert_paths(audit: Audit) -> set[str]:
    """Return the workflow files GitHub never runs, parsed or not.

    Taken from the paths, not from the workflows built: a file that is no
    workflow at all (a list at the top) is just as inert.
    """
    return {p.path for p in audit.parsed if is_inert_workflow(p.path)}


def _adjust(finding: Finding, options: Options, inert: set[str]) -> Finding:
    """Apply severity overrides, and cap findings on inert files at notes."""
    severity = options.severity.get(finding.rule_id, finding.severity)
    if finding.location.path in inert:
        severity = Severity.NOTE
    if severity is finding.severity:
        return finding
    return replace(finding, severity=severity)


def suppress(
    audit: Audit, findings: list[Finding], ran: frozenset[str], options: Options
) -> list[Finding]:
    """Apply `runart-lint: ignore` comments, and report those that match nothing."""
    from runart_lint.rules import unused_suppression
    from runart_lint.suppressions import apply_suppressions

    directives = unused_suppression.directives(audit)
    if not directives:
        return findings
    outcome = apply_suppressions(findings, directives)
    if unused_suppression.META.id not in ran:
        return outcome.findings

    inert = _inert_paths(audit)
    unused = unused_suppression.unused(outcome.unused, ran)
    return outcome.findings + [_adjust(f, options, inert) for f in unused]


def _ran(
    rules: Sequence[Rule], options: Options, not_run: list[NotRun], *, live: bool
) -> frozenset[str]:
    """Return the ids of the rules that really checked something.

    Offline, a rule that needs the live API has nothing to check, so a
    suppression of it is not known to be unused.
    """
    failed = {item.check for item in not_run}
    return frozenset(
        r.id
        for r in rules
        if _selected(r.id, options)
        and r.id not in failed
        and (live or not r.meta.needs_live)
    )


def selected_rules(rules: Sequence[Rule], options: Options) -> list[Rule]:
    """Return the rules `--select` and `--ignore` let through."""
    return [rule for rule in rules if _selected(rule.id, options)]


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
