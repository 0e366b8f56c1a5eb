"""Report secrets expanded straight into the text of a `run:` script.

## What it does
Finds every `${{ ... }}` inside a `run:` script (of a workflow step or of a
local composite action), or inside the `preCommands:`/`postCommands:` that
`cloudflare/wrangler-action` runs in a shell, that reads `secrets.X` or
`github.token`. Each secret is reported once per step, at its first
expansion, and the message counts the further expansions in that step.
Expressions that only compare a secret (`secrets.X != ''`) are skipped: they
expand to `true` or `false`.

## Why is this bad?
GitHub pastes the value into the script before the shell sees it. A quote,
`$`, backtick or newline in the secret breaks the script or runs as a
command, and the value becomes part of the script file the runner writes,
where tracing (`set -x`), error messages and core dumps can print it
without GitHub's log masking catching every form. Passed through `env:`, the
value stays data: the shell reads `"$X"` and never parses it.

## Example
```yaml .github/workflows/smoke.yml
on: push
jobs:
  smoke:
    runs-on: ubuntu-latest
    steps:
      - name: Auth smoke
        run: |
          ACCESS_CLIENT_ID="${{ secrets.ACCESS_CLIENT_ID }}" make smoke
```

Use instead:
```yaml .github/workflows/smoke.yml
on: push
jobs:
  smoke:
    runs-on: ubuntu-latest
    steps:
      - name: Auth smoke
        env:
          ACCESS_CLIENT_ID: ${{ secrets.ACCESS_CLIENT_ID }}
        run: |
          ACCESS_CLIENT_ID="$ACCESS_CLIENT_ID" make smoke
```

## Known problems
Secrets that reach the script through `inputs.*` of a composite action or a
reusable workflow, or through step outputs, are not traced.

## References
- [GitHub: security hardening, using an intermediate environment variable](https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-an-intermediate-environment-variable)
- [GitHub: using secrets in GitHub Actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import WRANGLER_ACTION
from runart_lint.graph.expressions import Expression, expressions
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Scalar
from runart_lint.loaders.workflow import Step
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="secret-in-run",
    summary="a secret is expanded into the text of a `run:` script",
    severity=Severity.WARNING,
    inputs=("workflows",),
    security=True,
)

COMPARISON = re.compile(r"==|!=")
# wrangler-action runs these inputs through a shell, line by line.
WRANGLER_ACTION_SCRIPTS = ("preCommands", "postCommands")


@record
class Site:
    """A step with a `run:` script, and the file and job that hold it."""

    path: str
    owner: str
    step: Step
    script: Scalar
    field: str


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one warning per step and secret, at the secret's first expansion."""
    for sites in _steps(audit):
        first: dict[str, tuple[Site, Expression]] = {}
        count: Counter[str] = Counter()
        for site in sites:
            for expression in expressions(site.script.text()):
                secret = _secret(expression)
                if secret is not None:
                    first.setdefault(secret, (site, expression))
                    count[secret] += 1
        for secret, (site, expression) in first.items():
            yield _finding(audit, site, expression, secret, count[secret] - 1)


def _steps(audit: Audit) -> Iterator[list[Site]]:
    """Yield the script sites of each step together (`run:`, or pre/post commands)."""
    grouped: dict[tuple[str, str, int], list[Site]] = {}
    for site in _sites(audit):
        grouped.setdefault((site.path, site.owner, site.step.index), []).append(site)
    return iter(grouped.values())


def _sites(audit: Audit) -> Iterator[Site]:
    """Yield every shell script of every step, in workflows and composite actions."""
    steps = [
        (workflow.path, job.id, step)
        for workflow in audit.workflows
        for job in workflow.jobs
        for step in job.steps
    ]
    steps += [
        (action.path, "action", step)
        for action in audit.actions.values()
        for step in action.steps
    ]
    for path, owner, step in steps:
        if step.run is not None:
            yield Site(path, owner, step, step.run, "run")
        uses = step.uses.text() if step.uses is not None else ""
        if WRANGLER_ACTION.match(uses) and step.with_ is not None:
            for field in WRANGLER_ACTION_SCRIPTS:
                script = step.with_.scalar(field)
                if script is not None:
                    yield Site(path, owner, step, script, field)


def _secret(expression: Expression) -> str | None:
    """Return the first secret the expression expands, if any."""
    # Secrets that arrive through `inputs.*` or step outputs are not traced.
    if COMPARISON.search(expression.body):
        return None
    for ref in expression.refs():
        if ref.startswith("secrets.") or ref == "github.token":
            return ref
    return None


def _finding(
    audit: Audit, site: Site, expression: Expression, secret: str, further: int
) -> Finding:
    """Return the warning for a secret's first expansion in a step."""
    variable = _variable(secret)
    lines = audit.lines(site.path)
    span = locate(site.script, lines, expression.start, expression.end)
    again = ""
    if further:
        again = f" ({further} more time{'s' if further > 1 else ''} in this step)"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"`{secret}` is pasted into the `{site.field}:` script of "
            f"{site.step.label()}{again}"
        ),
        help=(
            f"pass it through `env:` (`{variable}: ${{{{ {secret} }}}}`) and read "
            f'`"${variable}"` in the script'
        ),
        location=Location(site.path, span),
        key=f"{site.owner}/{_step_key(site.step)}/{secret}",
    )


def _step_key(step: Step) -> str:
    """Return a line-independent name for a step."""
    return step.id or step.name or f"step-{step.index + 1}"


def _variable(secret: str) -> str:
    """Return the environment variable name to carry a secret."""
    if secret == "github.token":
        return "GITHUB_TOKEN"
    name = secret.removeprefix("secrets.")
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "SECRET"
