"""Render an audit as the report a person reads in a terminal."""

from __future__ import annotations

import io
import itertools
import unicodedata

from runart_lint.findings import AuditResult, Finding, Location, Severity
from runart_lint.loaders.tree import Span
from runart_lint.redact import mask_secret_values, redact

# One piece of a report line: its text and a rich style ("" for none).
Segment = tuple[str, str]
Line = list[Segment]

TAB_SIZE = 4
MIN_SOURCE_WIDTH = 20
ELLIPSIS = "…"
# Longer than any credential format masked: a token cut this far from the
# shown part of a line cannot reach the screen.
TOKEN_MARGIN = 256
SEVERITY_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.NOTE: "bold cyan",
}
# Characters a terminal would act on or hide: controls, format characters
# (bidirectional overrides, zero-width spaces) and line separators.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def render_text(result: AuditResult, *, color: bool, width: int = 100) -> str:
    """Return the findings grouped by file, a summary and the checks not run.

    Secret values the findings point at are masked in the excerpts; one that
    a finding no longer in `result` points at (hidden by the baseline) must
    have been masked before it left (`redact.mask_secret_values`).
    """
    lines = _report_lines(mask_secret_values(result), width)
    if not color:
        # Without colour the segments are the output; rich would only copy
        # them, at the cost of importing it on every pre-commit run.
        return "".join("".join(piece for piece, _ in line) + "\n" for line in lines)

    from rich.console import Console
    from rich.text import Text

    text = Text()
    for line in lines:
        for piece, style in line:
            text.append(piece, style=style if color and style else None)
        text.append("\n")

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        legacy_windows=False,
    )
    console.print(text, end="", soft_wrap=True)
    return buffer.getvalue()


def _report_lines(result: AuditResult, width: int) -> list[Line]:
    """Return every line of the report: finding blocks, summary, checks not run."""
    shown = sorted(
        (finding for finding in result.findings if finding.suppressed is None),
        key=Finding.sort_key,
    )

    lines: list[Line] = []
    for path, group in itertools.groupby(shown, key=lambda f: f.location.path):
        lines.extend(_file_lines(list(group), result.sources.get(path), width))

    lines.append([(_summary(result), "")])
    lines.extend(
        [(f"not run: {_visible(n.check)}: {_visible(n.reason)}", "")]
        for n in result.not_run
    )
    return lines


def _file_lines(findings: list[Finding], source: str | None, width: int) -> list[Line]:
    """Return the blocks of one file's findings, each followed by a blank line."""
    source_lines = _split_lines(source) if source is not None else None
    spans = [f.location.span for f in findings if f.location.span is not None]
    gutter_width = max((len(str(span.line)) for span in spans), default=1)

    lines: list[Line] = []
    for finding in findings:
        lines.extend(_finding_lines(finding, source_lines, width, gutter_width))
        lines.append([])
    return lines


def _finding_lines(
    finding: Finding, source: list[str] | None, width: int, gutter_width: int
) -> list[Line]:
    """Return a finding's headline, source excerpt, related notes and help."""
    style = SEVERITY_STYLES[finding.severity]
    headline: Line = [
        (f"{_visible(finding.location.describe())}: ", ""),
        (finding.severity.label, style),
        (f"[{_visible(finding.rule_id)}]", "dim"),
        (f" {_visible(finding.message)}", ""),
    ]

    lines = [headline]
    span = finding.location.span
    if span is not None and source is not None:
        lines.extend(_excerpt(span, source, width, gutter_width, style))
    lines.extend(_note(location, text) for location, text in finding.related)
    if finding.help:
        lines.append([("help", "bold"), (f": {_visible(finding.help)}", "")])
    return lines


def _note(location: Location, text: str) -> Line:
    """Return the line pointing at a related location."""
    return [
        ("note", "bold"),
        (f": {_visible(location.describe())}: {_visible(text)}", ""),
    ]


def _excerpt(
    span: Span, source: list[str], width: int, gutter_width: int, style: str
) -> list[Line]:
    """Return the span's first source line and an underline beneath the span."""
    if not 1 <= span.line <= len(source):
        return []
    raw = source[span.line - 1]
    start, end = _char_range(span, len(raw))
    raw, start, end = _clip(raw, start, end, width)

    gutter = f" {span.line:>{gutter_width}} | "
    available = max(width - len(gutter), MIN_SOURCE_WIDTH)
    shown, pad, marks = _window(_pieces(raw), start, end, available)

    blank_gutter = " " * (len(gutter) - 2) + "| "
    return [
        [(gutter if shown else gutter.rstrip(), "dim"), (shown, "")],
        [(blank_gutter, "dim"), (" " * pad, ""), ("^" + "~" * (marks - 1), style)],
    ]


def _clip(raw: str, start: int, end: int, width: int) -> tuple[str, int, int]:
    """Return the part of a line around the span, credentials masked.

    Only about a screen's width around the span can be shown, so a long line
    (minified JSON, a 2 MB value) is cut first. Masking runs on a wider cut
    and loses its margins, so a token cut in two never shows its half.
    """
    low, high = max(0, start - 2 * width), min(len(raw), start + 2 * width)
    outer_low = max(0, low - TOKEN_MARGIN)
    outer_high = min(len(raw), high + TOKEN_MARGIN)
    masked = redact(raw[outer_low:outer_high])[low - outer_low : high - outer_low]

    lead = ELLIPSIS if low > 0 else ""
    tail = ELLIPSIS if high < len(raw) else ""
    shift = low - len(lead)
    return lead + masked + tail, start - shift, min(end, high) - shift


def _char_range(span: Span, length: int) -> tuple[int, int]:
    """Return the 0-based characters the span covers on its first line."""
    start = max(span.col, 1) - 1
    end = length if span.end_line > span.line else span.end_col - 1
    return start, max(end, start + 1)


def _pieces(raw: str) -> list[str]:
    """Return what each character of a line shows as: tabs expanded, controls named."""
    if raw.isascii() and raw.isprintable():  # no tab, no control: as it is
        return list(raw)

    pieces: list[str] = []
    column = 0
    for char in raw:
        piece = " " * (TAB_SIZE - column % TAB_SIZE) if char == "\t" else _visible(char)
        pieces.append(piece)
        column += _cells(piece)
    return pieces


def _window(
    pieces: list[str], start: int, end: int, available: int
) -> tuple[str, int, int]:
    """Return the shown part of a line, the caret's indent and how many cells it marks.

    A line wider than `available` (minified JSON, say) is cut around the span
    with an ellipsis at each cut end.
    """
    joined = "".join(pieces)
    if len(joined) == len(pieces) and joined.isascii():  # a cell per character
        offsets = list(range(len(pieces) + 1))
    else:
        offsets = list(itertools.accumulate((_cells(p) for p in pieces), initial=0))
    first, last = _position(offsets, start), _position(offsets, end)
    if offsets[-1] <= available:
        return "".join(pieces), first, max(last - first, 1)

    context = first - available // 4
    begin = next((i for i, cell in enumerate(offsets) if cell >= context), len(pieces))
    stop = begin
    while stop < len(pieces) and offsets[stop + 1] - offsets[begin] <= available - 2:
        stop += 1

    lead = ELLIPSIS if begin > 0 else ""
    shown = (
        lead + "".join(pieces[begin:stop]) + (ELLIPSIS if stop < len(pieces) else "")
    )
    pad = first - offsets[begin] + len(lead)
    right = offsets[stop] - offsets[begin] + len(lead)
    return shown, pad, max(min(last - first, right - pad), 1)


def _position(offsets: list[int], index: int) -> int:
    """Return the display cell where character `index` starts, past the end too."""
    if index < len(offsets):
        return offsets[index]
    return offsets[-1] + index - (len(offsets) - 1)


def _summary(result: AuditResult) -> str:
    """Return the counts line: `1 error, 2 warnings in 3 files; 1 suppressed`."""
    counts = result.counts()
    found = [
        _plural(counts[severity], severity.label)
        for severity in sorted(Severity, reverse=True)
        if counts[severity]
    ]
    files = _plural(result.files_audited, "file")

    parts = [f"{', '.join(found)} in {files}" if found else f"no findings in {files}"]
    if result.suppressed_count:
        parts.append(f"{result.suppressed_count} suppressed")
    if result.baselined:
        parts.append(f"{result.baselined} in the baseline")
    if result.not_run:
        parts.append(f"{_plural(len(result.not_run), 'check')} not run")
    return "; ".join(parts)


def _plural(count: int, noun: str) -> str:
    """Return `1 error`, `2 errors`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _split_lines(source: str) -> list[str]:
    """Return the file's lines the way the loaders number them."""
    return [
        line.removesuffix("\r") for line in source.removeprefix("\ufeff").split("\n")
    ]


def _visible(text: str) -> str:
    """Return `text` with characters a terminal would act on shown as `<U+001B>`."""
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    """Return a character, or its code point when it is invisible or a control."""
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return f"<U+{ord(char):04X}>"
    return char


def _cells(text: str) -> int:
    """Return how many terminal cells `text` takes."""
    return sum(_char_cells(char) for char in text)


def _char_cells(char: str) -> int:
    """Return how many terminal cells one character takes."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
