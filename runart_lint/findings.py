"""The finding model every rule produces and every reporter reads."""

from __future__ import annotations

import enum

from runart_lint.loaders.tree import Span
from runart_lint.records import field, record


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `max()` gives the worst."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Return the lowercase name users see."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Return the severity named by `text` (note, warning, error)."""
        return cls[text.strip().upper()]


class Confidence(enum.IntEnum):
    """How sure the rule is that the finding is real."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        """Return the lowercase name users see."""
        return self.name.lower()


@record(order=True)
class Location:
    """A repository-relative POSIX path and, when known, a span in it."""

    path: str
    span: Span | None = None

    def describe(self) -> str:
        """Return `path:line:col`, or the bare path when there is no span."""
        if self.span is None:
            return self.path
        return f"{self.path}:{self.span.line}:{self.span.col}"


@record
class Finding:
    """One problem at one place, with what to do about it."""

    rule_id: str
    severity: Severity
    message: str
    help: str
    location: Location
    key: str
    confidence: Confidence = Confidence.HIGH
    related: tuple[tuple[Location, str], ...] = ()
    suppressed: str | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """Return an id that survives edits elsewhere in the file.

        It is built from the rule, the file and the rule's logical key (for
        example `env.production/kv_namespaces/CART`), never from line numbers.
        """
        import hashlib

        text = "\0".join((self.rule_id, self.location.path, self.key))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Return the order findings are reported in: by file, then position."""
        span = self.location.span
        line = span.line if span is not None else 0
        col = span.col if span is not None else 0
        return (self.location.path, line, col, self.rule_id, self.message)


@record
class NotRun:
    """A check that could not run, and why; never reported as passed."""

    check: str
    reason: str


class CheckUnavailable(Exception):
    """Raised by a check whose input could not be read; reported as not run."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@record
class AuditResult:
    """Everything one audit produced, ready for the reporters."""

    findings: tuple[Finding, ...]
    not_run: tuple[NotRun, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    files_audited: int = 0
    live: bool = False
    baselined: int = 0

    def counts(self) -> dict[Severity, int]:
        """Return how many unsuppressed findings there are of each severity."""
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            if finding.suppressed is None:
                counts[finding.severity] += 1
        return counts

    @property
    def suppressed_count(self) -> int:
        """Return how many findings were suppressed."""
        return sum(1 for finding in self.findings if finding.suppressed is not None)
