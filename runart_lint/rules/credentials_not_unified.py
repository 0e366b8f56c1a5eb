"""Report deploy credentials read under other secret names than the plan's.

## What it does
Takes the credentials of the rule pack (`[[secrets.credentials]]`, such as
`CLOUDFLARE_API_TOKEN` and `CLOUDFLARE_ACCOUNT_ID`) and checks every workflow
and local action against them:

- a `secrets.X` reference whose name is one of the credential's `aliases`,
  or that feeds a deploy's credential (the `apiToken`/`accountId` inputs, the
  `CLOUDFLARE_API_TOKEN`/`CLOUDFLARE_ACCOUNT_ID` variables) under another
  name, is reported once per file and name: a warning when the repository
  also reads the credential under another name, a note when it uses that
  one name throughout;
- a deploy job that gets no value at all for a credential is reported at
  its first deploy command: an error for a token, above the rule's default
  severity because every deploy command of the job then fails, and a warning
  for an account id (an `account_id` in the loaded config counts as one).

## Why is this bad?
Two secret names for one credential drift apart: one is rotated, the other
still holds the old token, and whichever workflow reads the stale one fails,
or deploys with a token of another account. The plan asks for the same names
in every workflow and in the GitHub repository so that one rotation updates
every deploy. A deploy job without a token fails at its first API call.

## Example
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name=runart-foundry
```

```yaml .github/workflows/production.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CF_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name=runart-foundry --branch=main
```

Use instead:
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name=runart-foundry
```

```yaml .github/workflows/production.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name=runart-foundry --branch=main
```

## Options
The credentials, their aliases, and the inputs and variables that carry
them come from the rule pack's `[[secrets.credentials]]` tables.

## Known problems
A credential passed through a step output (`steps.x.outputs.token`) or a
file is not traced to its secret, so a second name hidden that way is not
reported. A token exported to `$GITHUB_ENV` by an earlier step counts as
present whatever its source. Secret names in reusable workflows called
with `secrets: inherit` are compared as written in each file.

## References
- [GitHub: using secrets in GitHub Actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions)
- [wrangler-action: authentication](https://github.com/cloudflare/wrangler-action#authentication)
- [Wrangler: system environment variables](https://developers.cloudflare.com/workers/wrangler/system-environment-variables/)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import Scope, Value, expressions, resolve
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Node, Span, walk_scalars
from runart_lint.pack import CredentialSpec
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="credentials-not-unified",
    summary="a deploy credential is read under another secret name than the plan's",
    severity=Severity.WARNING,
    inputs=("workflows", "pack"),
    security=True,
)

SECRET_REF = re.compile(
    r"(?<![\w.])secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)"
    r"|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
MAX_RELATED = 3

SlotKey = tuple[str, Span]


@record
class Reference:
    """One `secrets.X` in a workflow or action, and where it is written."""

    path: str
    name: str
    span: Span
    scalar_span: Span


def check(audit: Audit) -> Iterator[Finding]:
    """Yield second-name findings, then missing-credential findings."""
    credentials = audit.pack.pack.secrets.credentials
    if not credentials:
        return
    deploys = [d for d in audit.deploys if d.is_deploy and not d.disabled]
    references = list(_references(audit))

    for spec in credentials:
        slots = _slots(deploys, spec)
        yield from _second_names(spec, references, slots)
    yield from _missing(audit, deploys, credentials)


def _references(audit: Audit) -> Iterator[Reference]:
    """Yield every `secrets.X` reference of every workflow and local action."""
    files: list[tuple[str, Node]] = [(w.path, w.root) for w in audit.workflows]
    files += [(a.path, a.root) for a in audit.actions.values()]
    for path, root in files:
        lines = audit.lines(path)
        for scalar in walk_scalars(root):
            text = scalar.text()
            if "secrets" not in text:  # most values: no expression to read
                continue
            for expression in expressions(text):
                inside = text[expression.start : expression.end]
                for match in SECRET_REF.finditer(inside):
                    start = expression.start + match.start()
                    span = locate(scalar, lines, start, expression.start + match.end())
                    name = (match.group(1) or match.group(2)).upper()
                    yield Reference(path, name, span, scalar.span)


def _slots(deploys: list[Deploy], spec: CredentialSpec) -> set[SlotKey]:
    """Return the scalars that give a deploy this credential."""
    slots: set[SlotKey] = set()
    for deploy in deploys:
        paths = {deploy.path, deploy.workflow.path}
        for value in _credential_values(deploy, spec):
            for span in (value.span, value.origin):
                if span is not None:
                    slots.update((path, span) for path in paths)
    return slots


def _credential_values(deploy: Deploy, spec: CredentialSpec) -> list[Value]:
    """Return the values a deploy gets for one credential (inputs and env)."""
    # A credential passed through a step output or a file is not traced to
    # its secret, so a second name hidden that way goes unreported.
    values = [
        deploy.credentials[k]
        for k in (*spec.inputs, *spec.env)
        if k in deploy.credentials
    ]
    if deploy.action is not None:
        return values
    layers = (deploy.step.env, deploy.job.env, deploy.workflow.env)
    scope = Scope(tuple(layer for layer in layers if layer is not None))
    for name in spec.env:
        scalar = scope.env(name)
        if name not in deploy.credentials and scalar is not None:
            values.append(resolve(scalar, scope))
    return values


def _second_names(
    spec: CredentialSpec, references: list[Reference], slots: set[SlotKey]
) -> Iterator[Finding]:
    """Yield one finding per file and per name other than the plan's."""
    names = {spec.name, *(alias.upper() for alias in spec.aliases)}
    names |= {r.name for r in references if (r.path, r.scalar_span) in slots}
    used = [r for r in references if r.name in names]
    distinct = sorted({r.name for r in used})

    groups: dict[tuple[str, str], list[Reference]] = defaultdict(list)
    for reference in used:
        if reference.name != spec.name:
            groups[(reference.path, reference.name)].append(reference)
    for (_, name), group in sorted(groups.items()):
        others = [n for n in distinct if n != name]
        yield _second_name(spec, group, others)


def _second_name(
    spec: CredentialSpec, group: list[Reference], others: list[str]
) -> Finding:
    """Return the finding for one name in one file."""
    first = group[0]
    message = f"`secrets.{first.name}` is another name for the plan's `{spec.name}`"
    if others:
        shown = ", ".join(f"`secrets.{n}`" for n in others)
        message += f", which this repository also reads as {shown}"
    message += _elsewhere(group)
    noted = group[1 : 1 + MAX_RELATED]
    related = tuple((Location(r.path, r.span), "also read here") for r in noted)
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING if others else Severity.NOTE,
        message=message,
        help=(
            f"read `secrets.{spec.name}` here and remove the `{first.name}` secret "
            "once nothing reads it"
        ),
        location=Location(first.path, first.span),
        key=f"{spec.name}/{first.name}",
        confidence=Confidence.HIGH if others else Confidence.LOW,
        related=related,
    )


def _elsewhere(group: list[Reference]) -> str:
    """Return `(also read at 3 noted places and 15 more in this file)`, or ''."""
    noted = len(group[1 : 1 + MAX_RELATED])
    more = len(group) - 1 - noted
    if not noted:
        return ""
    places = f"{noted} noted place{'s' if noted > 1 else ''}"
    rest = f" and {more} more" if more else ""
    return f" (also read at {places}{rest} in this file)"


def _missing(
    audit: Audit, deploys: list[Deploy], credentials: Iterable[CredentialSpec]
) -> Iterator[Finding]:
    """Yield one finding per deploy job and credential it never receives."""
    jobs: dict[tuple[str, str], list[Deploy]] = defaultdict(list)
    for deploy in deploys:
        jobs[(deploy.workflow.path, deploy.job.id)].append(deploy)

    for job_deploys in jobs.values():
        for spec in credentials:
            if not _received(job_deploys, spec):
                yield _missing_finding(job_deploys[0], spec)


def _received(deploys: list[Deploy], spec: CredentialSpec) -> bool:
    """Return whether the job's deploys get the credential in any way."""
    if any(_credential_values(d, spec) for d in deploys):
        return True
    if _is_account(spec) and any(_config_account(d) for d in deploys):
        return True
    return _exported(deploys[0], spec)


def _config_account(deploy: Deploy) -> bool:
    """Return whether the config wrangler loads names the account."""
    config = deploy.config
    if config is None:
        return False
    return any(block.has("account_id") for block in config.blocks())


def _exported(deploy: Deploy, spec: CredentialSpec) -> bool:
    """Return whether a step of the job writes the variable to `$GITHUB_ENV`."""
    # Any such export counts as present, whatever secret it really reads.
    for step in deploy.job.steps:
        run = step.run.text() if step.run is not None else ""
        if "GITHUB_ENV" in run and any(name in run for name in spec.env):
            return True
    return False


def _missing_finding(deploy: Deploy, spec: CredentialSpec) -> Finding:
    """Return the finding for a deploy job without one credential."""
    account = _is_account(spec)
    carriers = spec.env if deploy.tool == "run" else (*spec.inputs, *spec.env)
    names = " or ".join(f"`{name}`" for name in carriers)
    return Finding(
        rule_id=META.id,
        severity=Severity.WARNING if account else Severity.ERROR,
        message=(
            f"deploy job `{deploy.job.id}` is given no `{spec.name}`, so "
            f"{_consequence(account)}"
        ),
        help=f"pass `${{{{ secrets.{spec.name} }}}}` to the deploy step as {names}",
        location=Location(deploy.path, deploy.span),
        key=f"{deploy.job.id}/missing/{spec.name}",
        confidence=Confidence.MEDIUM,
    )


def _consequence(account: bool) -> str:
    """Return what wrangler does without the credential."""
    if account:
        return "wrangler must guess the account from the token"
    return "its deploy commands cannot authenticate"


def _is_account(spec: CredentialSpec) -> bool:
    """Return whether the credential is an account id rather than a token."""
    return "ACCOUNT" in spec.name
