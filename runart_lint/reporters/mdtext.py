"""Put text from the audited repository into Markdown without it taking over."""

from __future__ import annotations

import re
import unicodedata

# Controls, format characters (bidirectional overrides, zero-width spaces) and
# line separators: a branch name or a message must stay on its line.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
_BACKTICKS = re.compile(r"`+")


def inline(text: str) -> str:
    """Return text on one line, invisible characters as spaces, HTML as text.

    Code spans (between backticks) are left as they are; elsewhere `<` and `>`
    become entities so that a repository cannot inject markup.
    """
    pieces = _flat(text).split("`")
    if len(pieces) % 2 == 0:
        unmatched = pieces.pop()
        pieces[-1] += "\\`" + unmatched
    return "`".join(
        piece if index % 2 else piece.replace("<", "&lt;").replace(">", "&gt;")
        for index, piece in enumerate(pieces)
    )


def cell(text: str) -> str:
    """Return text for one table cell: on one line, pipes escaped."""
    return inline(text).replace("|", "\\|")


def code(text: str) -> str:
    """Return text as a code span, with a fence longer than any backticks in it."""
    flat = _flat(text)
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if longest else ""
    return f"{fence}{padding}{flat}{padding}{fence}"


def _flat(text: str) -> str:
    """Return text on one line with invisible characters turned into spaces."""
    visible = "".join(
        " " if unicodedata.category(char) in _INVISIBLE else char for char in text
    )
    return re.sub(r"\s+", " ", visible).strip()
