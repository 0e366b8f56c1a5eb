"""Report files the audit could not read or parse as GitHub or wrangler would.

## What it does
Reports syntax errors, duplicate keys, unresolved merge-conflict markers,
YAML anchor names GitHub rejects, YAML merge keys (`<<`) and second YAML
documents, which GitHub does not accept in a workflow, files that are not
UTF-8, files too large to read, and links that point elsewhere, each at the
exact line and column. A merge key is still applied, so the rest of the file
is audited as its author meant it.

## Why is this bad?
GitHub refuses a workflow it cannot parse and wrangler refuses such a config,
so the deploy that file describes does not happen. The rest of the repository
is still audited, but nothing in this file is.

## Example
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo one
    steps:
      - run: echo two
```

Use instead:
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo one
      - run: echo two
```

## Known problems
Only the first syntax error of a file is reported; fix it and run again to see
the next one.
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="invalid-file",
    summary="a config or workflow cannot be read or parsed",
    severity=Severity.ERROR,
    inputs=("wrangler", "workflows"),
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per loader diagnostic."""
    for path, diagnostic in audit.diagnostics():
        yield Finding(
            rule_id=META.id,
            severity=META.severity,
            message=diagnostic.message,
            help=diagnostic.help,
            location=Location(path, diagnostic.span),
            key=f"{diagnostic.code}:{diagnostic.message}",
        )
