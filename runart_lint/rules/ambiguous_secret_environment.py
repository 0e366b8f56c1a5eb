"""Report secret and version commands that name no environment in a multi-env repo.

## What it does
Finds `wrangler secret put`, `secret bulk`, `secret delete`,
`versions deploy` and `rollback` commands that select no environment (no
`--env`, no wrangler-action `environment:` input, no `CLOUDFLARE_ENV`, no
`--name`) while the config
wrangler loads defines named environments. `--env=""` and `--env=` select
the top level on purpose and are accepted.

## Why is this bad?
Without an environment these commands act on the top-level Worker. In a
repository with `[env.staging]` and `[env.production]` that is rarely what
the step means: a production secret lands on the bare Worker, or a rollback
restores a Worker nobody serves from. Wrangler 4 only warns about it, and a
later default could send the command elsewhere.

## Example
```toml wrangler.toml
name = "proxy"

[env.staging]
name = "proxy-staging"
```

```yaml .github/workflows/secrets.yml
on: workflow_dispatch
jobs:
  secrets:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN
```

Use instead:
```toml wrangler.toml
name = "proxy"

[env.staging]
name = "proxy-staging"
```

```yaml .github/workflows/secrets.yml
on: workflow_dispatch
jobs:
  secrets:
    runs-on: ubuntu-latest
    steps:
      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN --env=
      - run: echo "$TOKEN" | npx wrangler secret put ADMIN_TOKEN --env staging
```

## Known problems
The `secrets:` input of wrangler-action is not judged: the action has no way
to name the top level explicitly, so a warning there could not be fixed.
`CLOUDFLARE_ENV` written to `$GITHUB_ENV` by an earlier step is not seen, so
such a command is reported although it does name an environment.

## References
- [Wrangler: `secret put`](https://developers.cloudflare.com/workers/wrangler/commands/#secret-put)
- [Wrangler environments](https://developers.cloudflare.com/workers/wrangler/environments/)
- [brevityA/Core-Builds PR #744: pin `--env=` and `--env staging`](https://github.com/brevityA/Core-Builds/pull/744)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="ambiguous-secret-environment",
    summary="a secret or version command names no environment in a multi-env repo",
    severity=Severity.WARNING,
    inputs=("wrangler", "workflows"),
    security=True,
)

TARGETED_VERBS = (
    "secret put",
    "secret bulk",
    "secret delete",
    "secret:bulk",
    "versions deploy",
    "rollback",
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one warning per command that leaves the environment to chance."""
    seen: Counter[str] = Counter()
    for deploy in audit.deploys:
        config = deploy.config
        if config is None or config.is_pages or not config.envs or deploy.disabled:
            continue
        if deploy.verb in TARGETED_VERBS and not _names_environment(deploy):
            key = f"{deploy.job.id}/{_step_key(deploy)}/{deploy.verb}"
            seen[key] += 1
            yield _finding(deploy, config, f"{key}#{seen[key]}")


def _names_environment(deploy: Deploy) -> bool:
    """Return whether the command selects an environment or a Worker itself."""
    if deploy.env is not None or deploy.project is not None:
        return True
    environment = deploy.action_environment
    if environment is not None and environment.raw.strip():
        return True
    # A `CLOUDFLARE_ENV` an earlier step writes to `$GITHUB_ENV` is not seen.
    layers = (deploy.step.env, deploy.job.env, deploy.workflow.env)
    return any(layer is not None and "CLOUDFLARE_ENV" in layer for layer in layers)


def _finding(deploy: Deploy, config: WranglerConfig, key: str) -> Finding:
    """Return the warning for one command without an environment."""
    known = ", ".join(f"`{env}`" for env in config.envs)
    worker = f" `{config.name}`" if config.name else ""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"`{deploy.verb}` names no environment although `{config.path}` defines "
            f"{known}, so it targets the top-level Worker{worker}"
        ),
        help="add `--env <name>`, or `--env=` to target the top-level Worker "
        "on purpose",
        location=Location(deploy.path, deploy.span),
        key=key,
        confidence=Confidence.HIGH,
        related=(
            (
                Location(config.path, config.root.key_span("env")),
                "the environments defined",
            ),
        ),
    )


def _step_key(deploy: Deploy) -> str:
    """Return a line-independent name for the deploy's step."""
    step = deploy.step
    return step.id or step.name or f"step-{step.index + 1}"
