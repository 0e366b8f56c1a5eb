"""Report wrangler-action `secrets:` uploaded to another Worker than the deploy.

## What it does
Finds `cloudflare/wrangler-action` steps that upload `secrets:` while their
`command:` selects an environment with `--env X`, and whose `environment:`
input is missing or names another environment.

## Why is this bad?
The action uploads `secrets:` with `wrangler secret bulk`, adding
`--env <environment>` only from its `environment:` input; the `--env` written
in `command:` applies to the command alone. The code then deploys to the
Worker of `env.X` while the secrets go to the top-level Worker (or to the
other environment's), so the deployed Worker runs without them, and the
upload may even create a second Worker.

## Example
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: deploy --env production
          secrets: |
            API_KEY
        env:
          API_KEY: ${{ secrets.API_KEY }}
```

Use instead:
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          environment: production
          command: deploy
          secrets: |
            API_KEY
        env:
          API_KEY: ${{ secrets.API_KEY }}
```

## Known problems
When `--env` or `environment:` is only known at run time and both are given,
the step is not judged. Pages commands are left to `pages-deploy-env-flag`.

## References
- [wrangler-action #76: secrets uploaded to the wrong Worker](https://github.com/cloudflare/wrangler-action/issues/76)
- [wrangler-action #251: two Workers created](https://github.com/cloudflare/wrangler-action/issues/251)
- [wrangler-action: `environment` and `secrets` inputs](https://github.com/cloudflare/wrangler-action#deploy-to-an-environment)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import Value
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="action-secrets-wrong-environment",
    summary="wrangler-action uploads `secrets:` to another Worker than it deploys",
    severity=Severity.ERROR,
    inputs=("workflows",),
    security=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per command whose `--env` the secrets do not follow."""
    for deploy in audit.deploys:
        if not _uploads_secrets(deploy) or deploy.is_pages or deploy.disabled:
            continue
        command_env = deploy.env
        if command_env is None or command_env.text == "":
            continue
        environment = deploy.action_environment
        if environment is None or not environment.raw.strip():
            yield _missing(deploy, command_env)
        elif _differs(command_env, environment):
            yield _mismatch(deploy, command_env, environment)


def _uploads_secrets(deploy: Deploy) -> bool:
    """Return whether the step is a wrangler-action with a `secrets:` list."""
    secrets = deploy.secrets_input
    return deploy.tool == "wrangler-action" and bool(
        secrets is not None and secrets.text().strip()
    )


def _differs(command_env: Value, environment: Value) -> bool:
    """Return whether the two environments are known to be different."""
    # Two values known only at run time cannot be compared; the step passes.
    if command_env.text is not None and environment.text is not None:
        return command_env.text != environment.text
    return False


def _missing(deploy: Deploy, command_env: Value) -> Finding:
    """Return the finding for `--env X` in `command:` and no `environment:`."""
    name = command_env.shown()
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"`secrets:` are uploaded to the top-level Worker while `command:` "
            f"deploys `--env {name}`"
        ),
        help=f"add the input `environment: {name}` and drop `--env` from `command:`",
        location=Location(deploy.path, command_env.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/secrets-env={name}",
        confidence=_confidence(command_env),
        related=_related(deploy),
    )


def _mismatch(deploy: Deploy, command_env: Value, environment: Value) -> Finding:
    """Return the finding for `--env X` in `command:` and `environment: Y`."""
    name = command_env.shown()
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"`secrets:` are uploaded to environment `{environment.shown()}` while "
            f"`command:` deploys `--env {name}`"
        ),
        help=f"set the input `environment: {name}` and drop `--env` from `command:`",
        location=Location(deploy.path, command_env.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/secrets-env={name}",
        related=(
            *_related(deploy),
            (Location(deploy.path, environment.span), "the `environment:` input"),
        ),
    )


def _related(deploy: Deploy) -> tuple[tuple[Location, str], ...]:
    """Return the `secrets:` input as a related location."""
    secrets = deploy.secrets_input
    if secrets is None:
        return ()
    return ((Location(deploy.path, secrets.span), "the secrets uploaded"),)


def _confidence(value: Value) -> Confidence:
    """Return HIGH for a literal environment, MEDIUM for a run-time one."""
    return Confidence.HIGH if value.text is not None else Confidence.MEDIUM


def _step_key(deploy: Deploy) -> str:
    """Return a line-independent name for the deploy's step."""
    step = deploy.step
    return step.id or step.name or f"step-{step.index + 1}"
