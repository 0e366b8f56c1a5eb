"""GitHub's filter-pattern syntax for branches, tags and paths."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    """Return the regular expression for one GitHub filter pattern.

    GitHub documents `*` as any run of characters except `/`, `**` as any run
    including `/`, and `?`, `+`, `[]` with their usual glob meaning.
    """
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append(".?")
        elif ch == "+":
            out.append("+")
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(ch))
            else:
                out.append(pattern[i : end + 1])
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error:
        return re.compile(re.escape(pattern) + r"\Z")


def branch_matches(pattern: str, branch: str) -> bool:
    """Return whether `branch` matches a GitHub branch filter `pattern`."""
    if pattern.startswith("!"):
        return False
    return _compile(pattern).match(branch) is not None


def branches_match(patterns: tuple[str, ...], branch: str) -> bool:
    """Return whether a filter list with `!` negations lets `branch` through."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _compile(pattern[1:]).match(branch):
                matched = False
        elif _compile(pattern).match(branch):
            matched = True
    return matched
