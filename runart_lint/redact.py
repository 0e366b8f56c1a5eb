"""Mask credentials in everything the tool writes: reports, errors and logs."""

from __future__ import annotations

import logging
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from runart_lint.records import replace

if TYPE_CHECKING:
    from runart_lint.findings import AuditResult, Finding, Location
    from runart_lint.loaders.tree import Span

MASK = "*"
# The environment variables that hold the credentials of a live audit; their
# values are masked wherever they appear, whatever their format.
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "CLOUDFLARE_API_TOKEN")
MIN_VARIABLE_LENGTH = 8
# Rules whose span is a secret value, masked in every source excerpt. A
# random-looking value that no rule reports and no format matches is shown.
SECRET_RULES = frozenset({"secret-literal"})
VISIBLE_SECRET_CHARS = 4

# One pass finds every credential: each alternative but the last keeps its
# `keepN` group (a format prefix or header name) and masks the rest.
TOKEN = re.compile(
    "|".join(
        (
            # GitHub: https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/
            r"(?P<keep0>gh[pousr]_)[A-Za-z0-9]{20,}",
            r"(?P<keep1>github_pat_)[A-Za-z0-9_]{20,}",
            # Cloudflare: https://developers.cloudflare.com/fundamentals/api/get-started/token-formats/
            r"(?P<keep2>cf(?:k|ut|at)_)[A-Za-z0-9_-]{40,}",
            r"(?i:(?P<keep3>\bauthorization[\"']?\s*[:=]\s*[\"']?"
            r"(?:(?:bearer|token|basic)\s+)?)[^\s\"',;]{4,})",
            r"(?i:(?P<keep4>\bbearer\s+)(?=\S*\d)[A-Za-z0-9._~+/=-]{8,})",
            r"(?i:(?P<keep5>\bx-auth-key[\"']?\s*[:=]\s*[\"']?)[0-9a-f]{37}\b)",
            # Cloudflare's older API tokens carry no prefix: 40 characters of
            # `[A-Za-z0-9_-]` with all three letter and digit classes.
            r"(?P<bare>(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40}(?![A-Za-z0-9_-]))",
        )
    )
)
MIN_TOKEN_ENTROPY = 4.0

_registered: set[str] = set()


def register(secret: str) -> None:
    """Mask `secret`, and its URL-encoded form, wherever the tool writes from now on."""
    if len(secret) >= MIN_VARIABLE_LENGTH:
        from urllib.parse import quote

        _registered.update({secret, quote(secret, safe="")})


def redact(text: str) -> str:
    """Return `text` with every credential masked, keeping its length."""
    return _redact(text, _variable_values())


def redact_result(result: AuditResult) -> AuditResult:
    """Return the audit with credentials masked in every text a reporter shows.

    Source text is left whole, its paths masked like the findings' paths: the
    text reporter masks each line it shows, which costs far less than masking
    every file. Secret values in sources are masked by `mask_secret_values`.
    """
    values = _variable_values()
    masked: dict[str, str] = {}

    def mask(text: str) -> str:
        if text not in masked:
            masked[text] = _redact(text, values)
        return masked[text]

    return replace(
        result,
        findings=tuple(_redact_finding(finding, mask) for finding in result.findings),
        not_run=tuple(
            replace(item, check=mask(item.check), reason=mask(item.reason))
            for item in result.not_run
        ),
        sources={mask(path): text for path, text in result.sources.items()},
    )


def mask_secret_values(result: AuditResult) -> AuditResult:
    """Return the result with the secret values its findings point at masked.

    Applied before the baseline hides any finding: a hidden or suppressed
    finding's value must stay masked in the excerpt of another finding on the
    same line.
    """
    spans: dict[str, list[Span]] = {}
    for finding in result.findings:
        span = finding.location.span
        if finding.rule_id in SECRET_RULES and span is not None:
            spans.setdefault(finding.location.path, []).append(span)
    if not spans:
        return result

    sources = dict(result.sources)
    for path, found in spans.items():
        if path in sources:
            sources[path] = mask_spans(sources[path], found)
    return replace(result, sources=sources)


def mask_spans(source: str, spans: Iterable[Span]) -> str:
    """Return `source` with the values under `spans` masked, lines kept in place.

    The first characters of each value stay visible, as in the findings that
    point at it; quotes and whitespace stay too, so columns do not move.
    """
    lines = source.removeprefix("\ufeff").split("\n")
    for span in spans:
        _mask_span(lines, span)
    return "\n".join(lines)


class RedactingFormatter(logging.Formatter):
    """A log formatter whose output, tracebacks included, has credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the formatted record with every credential masked."""
        return redact(super().format(record))


def _redact(text: str, values: list[str]) -> str:
    """Return `text` with token formats and the given values masked."""
    text = TOKEN.sub(_mask_match, text)
    for value in values:
        if value in text:
            text = text.replace(value, MASK * len(value))
    return text


def _mask_match(match: re.Match[str]) -> str:
    """Return a credential masked after its kept prefix; other text unchanged."""
    name = match.lastgroup or ""
    value = match.group()
    if name == "bare":
        return MASK * len(value) if looks_like_token(value) else value
    keep = match.group(name)
    return keep + MASK * (len(value) - len(keep))


def looks_like_token(value: str) -> bool:
    """Return whether a 40-character value has the shape of a Cloudflare token."""
    classes = (r"[a-z]", r"[A-Z]", r"[0-9]")
    if not all(re.search(c, value) for c in classes):
        return False
    return _entropy(value) >= MIN_TOKEN_ENTROPY


def _entropy(value: str) -> float:
    """Return the Shannon entropy of the value, in bits per character."""
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _variable_values() -> list[str]:
    """Return the token variables' and registered values, longest first."""
    values = {os.environ.get(name, "") for name in TOKEN_VARIABLES} | _registered
    return sorted(
        (value for value in values if len(value) >= MIN_VARIABLE_LENGTH),
        key=len,
        reverse=True,
    )


def _redact_finding(finding: Finding, mask: Callable[[str], str]) -> Finding:
    """Return a finding with its message, help, notes and path masked."""
    message, help_text = mask(finding.message), mask(finding.help)
    location = _redact_location(finding.location, mask)
    related = tuple(
        (_redact_location(where, mask), mask(text)) for where, text in finding.related
    )
    suppressed = None if finding.suppressed is None else mask(finding.suppressed)
    changed = (message, help_text, location, related, suppressed) != (
        finding.message,
        finding.help,
        finding.location,
        finding.related,
        finding.suppressed,
    )
    if not changed:
        return finding
    return replace(
        finding,
        message=message,
        help=help_text,
        location=location,
        related=related,
        suppressed=suppressed,
    )


def _redact_location(location: Location, mask: Callable[[str], str]) -> Location:
    """Return a location whose path is masked (a file may be named after a token)."""
    path = mask(location.path)
    return location if path == location.path else replace(location, path=path)


def _mask_span(lines: list[str], span: Span) -> None:
    """Mask the characters of one span in `lines`, in place."""
    last = min(span.end_line, len(lines))
    visible = VISIBLE_SECRET_CHARS
    for number in range(max(span.line, 1), last + 1):
        line = lines[number - 1]
        start = span.col - 1 if number == span.line else 0
        end = span.end_col - 1 if number == span.end_line else len(line)
        chars = list(line)
        for index in range(max(start, 0), min(end, len(chars))):
            if chars[index].isspace() or chars[index] in "\"'":
                continue
            if visible > 0:
                visible -= 1
                continue
            chars[index] = MASK
        lines[number - 1] = "".join(chars)
