"""What every rule module declares: its metadata and its check function."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING

from runart_lint.findings import Confidence, Finding, Severity
from runart_lint.records import record

if TYPE_CHECKING:
    from runart_lint.graph.model import Audit

DOCS_BASE_URL = "https://github.com/runart-lint/runart-lint/blob/main/docs/rules"

Check = Callable[["Audit"], Iterator[Finding]]


@record
class RuleMeta:
    """The fixed facts about a rule, shown by `runart-lint rules` and in SARIF."""

    id: str
    summary: str
    severity: Severity
    inputs: tuple[str, ...]
    needs_live: bool = False
    security: bool = False
    confidence: Confidence = Confidence.HIGH
    tags: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        """Return the address of the rule's documentation page."""
        return f"{DOCS_BASE_URL}/{self.id}.md"


@record
class Rule:
    """A registered rule: its metadata, its documentation and its check."""

    meta: RuleMeta
    doc: str
    check: Check

    @property
    def id(self) -> str:
        """Return the rule id."""
        return self.meta.id

    def section(self, heading: str) -> str:
        """Return the text under `## heading` of the rule's documentation."""
        pattern = rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)"
        match = re.search(pattern, self.doc, flags=re.M | re.S)
        return match.group(1).strip() if match else ""


def rule_from_module(module: ModuleType) -> Rule:
    """Return the rule a module declares with `META`, its docstring and `check`."""
    meta: RuleMeta = module.META
    # Module docstrings are written flush left, so stripping is cleaning.
    doc = (module.__doc__ or "").strip()
    return Rule(meta=meta, doc=doc, check=module.check)
