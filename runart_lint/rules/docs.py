"""Rule documentation pages and their runnable examples, from rule docstrings."""

from __future__ import annotations

import re

from runart_lint.records import record
from runart_lint.rules.base import Rule

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example")
FENCE = re.compile(r"^```(\w+)[ \t]+(\S+)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


@record
class DocExample:
    """The files of a rule's example: the failing version and the fixed one."""

    bad: dict[str, str]
    good: dict[str, str]


def render_page(rule: Rule) -> str:
    """Return the Markdown page of one rule."""
    meta = rule.meta
    rows = [
        ("Default severity", meta.severity.label),
        ("Inputs", ", ".join(meta.inputs)),
        ("Needs the live API", "yes" if meta.needs_live else "no"),
        ("Security rule", "yes" if meta.security else "no"),
        ("Confidence", meta.confidence.label),
    ]
    table = "\n".join(f"| {key} | {value} |" for key, value in rows)
    return (
        f"# {meta.id}\n\n{meta.summary}\n\n| | |\n|---|---|\n{table}\n\n"
        f"{rule.doc.strip()}\n"
    )


def render_index(rules: tuple[Rule, ...]) -> str:
    """Return the Markdown index of every rule."""
    lines = ["# Rules", "", "| Rule | Severity | Live | Summary |", "|---|---|---|---|"]
    for rule in rules:
        live = "yes" if rule.meta.needs_live else "no"
        lines.append(
            f"| [{rule.id}]({rule.id}.md) | {rule.meta.severity.label} | {live} | "
            f"{rule.meta.summary} |"
        )
    return "\n".join(lines) + "\n"


def missing_sections(rule: Rule) -> list[str]:
    """Return the required sections the rule's page lacks."""
    return [name for name in REQUIRED_SECTIONS if not rule.section(name)]


def example(rule: Rule) -> DocExample:
    """Return the files of the rule's example, split at `Use instead:`."""
    section = rule.section("Example")
    bad_text, _, good_text = section.partition("Use instead:")
    return DocExample(_files(bad_text), _files(good_text))


def _files(text: str) -> dict[str, str]:
    """Return `{path: content}` for every fenced block naming a path."""
    return {match.group(2): match.group(3) for match in FENCE.finditer(text)}
