"""Reuse the result of an earlier audit whose every input is unchanged.

A CI job on a pull request that touches only application code, a hook run
again after an unrelated change, or an editor that lints on save audits the
same files again. The key of a stored result covers everything the audit
reads: the tool's code and version, the rule pack, the options that change
findings, the repository's folder, the list of discovered and skipped files
and every file's text. The few paths a rule asks about without reading them
(does `wrangler.staging.toml` exist?) are stored with the result and checked
again before it is reused. A reused result is what a new audit would report;
`--no-cache` turns this off along with the parse cache.

Only the offline audit is reused: a live audit reads services that change on
their own. Entries are checksummed and written by rename, like the parse
cache's; a damaged entry is ignored. A checksum is no signature: whoever can
write to the cache folder can plant a result, so the folder must stay private
to whoever runs the audit.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
from pathlib import Path
from typing import Any

from runart_lint import __version__
from runart_lint.findings import (
    AuditResult,
    Confidence,
    Finding,
    Location,
    NotRun,
    Severity,
)
from runart_lint.inputs import Inputs, Options
from runart_lint.loaders.cache import (
    code_stamp,
    parser_stamp,
    read_payload,
    write_payload,
)
from runart_lint.loaders.tree import Span
from runart_lint.pack import LoadedPack

logger = logging.getLogger(__name__)

MAGIC = b"RLR1"

_span = functools.partial(tuple.__new__, Span)


class ResultCache:
    """Audit results stored by a digest of everything they depend on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "results"

    def key(
        self, root: Path, pack: LoadedPack, options: Options, inputs: Inputs
    ) -> str:
        """Return the digest of every input of an offline audit of `root`."""
        digest = hashlib.sha256()
        for part in _key_parts(root, pack, options, inputs):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        return digest.hexdigest()

    def load(self, key: str, root: Path, inputs: Inputs) -> AuditResult | None:
        """Return the stored result for `key`, if its probed paths still match."""
        payload = read_payload(self._entry(key), MAGIC)
        if payload is None:
            return None

        try:
            findings, not_run, files_audited, probes = marshal.loads(payload)
            if not _probes_hold(root, probes):
                logger.debug("a path a rule looked for changed; auditing again")
                return None
            return AuditResult(
                findings=tuple(_finding(item) for item in findings),
                not_run=tuple(NotRun(check, reason) for check, reason in not_run),
                sources=_sources(inputs),
                files_audited=files_audited,
            )
        except (ValueError, TypeError, IndexError, KeyError, EOFError):
            logger.debug("ignoring a result entry that does not decode")
            return None

    def store(self, key: str, result: AuditResult, probes: dict[str, bool]) -> None:
        """Store a result; a cache that cannot be written is simply not used.

        A result with a check that did not run is not stored: what stopped
        the check (a folder it could not search, say) may be gone next time.
        """
        if result.not_run:
            return
        payload = marshal.dumps(
            (
                [_encode_finding(finding) for finding in result.findings],
                [(item.check, item.reason) for item in result.not_run],
                result.files_audited,
                sorted(probes.items()),
            )
        )
        write_payload(self._entry(key), MAGIC, payload)

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key


def _probes_hold(root: Path, probes: list[tuple[str, bool]]) -> bool:
    """Return whether every probed path is still there, or still absent."""
    try:
        return all((root / path).is_file() == found for path, found in probes)
    except OSError:  # a folder that cannot be searched any more
        return False


def _key_parts(
    root: Path, pack: LoadedPack, options: Options, inputs: Inputs
) -> list[str]:
    """Return, as text, every input the key covers, in a fixed order."""
    parts = [
        __version__,
        code_stamp(),
        parser_stamp(),
        str(root.resolve()),
        "builtin" if pack.builtin else str(Path(pack.path).resolve()),
        pack.text,
        repr(pack.pack.pack.log),
        repr(sorted(options.select)),
        repr(sorted(options.ignore)),
        repr(sorted((k, int(v)) for k, v in options.severity.items())),
        repr(options.exclude),
        repr(options.include),
    ]
    for skipped in inputs.discovery.skipped:
        parts += ["skipped", skipped.path, skipped.reason]
    for item in inputs.files:
        source = item.source
        parts += [source.path, source.kind.value, repr(source.inert)]
        if item.text is None:
            problem = item.problem
            parts.append(repr(problem) if problem else "none")
        else:
            parts.append(hashlib.sha256(item.text.encode("utf-8")).hexdigest())
    return parts


def _sources(inputs: Inputs) -> dict[str, str]:
    """Return the text of every file that was read, by path."""
    return {
        item.source.path: item.text for item in inputs.files if item.text is not None
    }


def _encode_location(location: Location) -> Any:
    span = tuple(location.span) if location.span is not None else None
    return (location.path, span)


def _location(data: Any) -> Location:
    path, span = data
    return Location(path, _span(span) if span is not None else None)


def _encode_finding(finding: Finding) -> Any:
    return (
        finding.rule_id,
        int(finding.severity),
        finding.message,
        finding.help,
        _encode_location(finding.location),
        finding.key,
        int(finding.confidence),
        [(_encode_location(where), text) for where, text in finding.related],
        finding.suppressed,
    )


def _finding(data: Any) -> Finding:
    rule_id, severity, message, help_text, where, key, confidence, related, hidden = (
        data
    )
    return Finding(
        rule_id=rule_id,
        severity=Severity(severity),
        message=message,
        help=help_text,
        location=_location(where),
        key=key,
        confidence=Confidence(confidence),
        related=tuple((_location(place), text) for place, text in related),
        suppressed=hidden,
    )
