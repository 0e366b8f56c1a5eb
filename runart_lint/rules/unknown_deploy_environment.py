"""Report a wrangler command whose `--env` names no environment of its config.

## What it does
Follows every wrangler command of a workflow to the config file wrangler
really loads (its folder, `--cwd`, `--config`) and checks that the environment
it selects exists there. The environment can come from `--env X`, `--env=X`,
`-e X`, the `environment:` input of `cloudflare/wrangler-action`, or a
`CLOUDFLARE_ENV` variable of the step, job or workflow. `--env=""` and
`--env=` select the top level on purpose and are accepted. Values known only
at run time are skipped, and so are Pages commands
(`pages-deploy-env-flag` covers those).

## Why is this bad?
When the config has other environments, wrangler stops with "no environment
found" and the deploy fails. When it has none, wrangler only warns and
deploys the top-level settings as a brand-new Worker `<name>-<env>`: no
routes of the environment you meant, no bindings of it, and a Worker nobody
planned for.

## Example
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[env.staging]
name = "api-staging"
```

```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --env production
```

Use instead:
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[env.staging]
name = "api-staging"

[env.production]
name = "api-production"
```

```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy --env production
```

## Known problems
A config written or rewritten by the job itself (`cat > wrangler.toml`, a
framework build that redirects wrangler) is not seen; the check then reads
the committed file or, when there is none, says nothing. `CLOUDFLARE_ENV`
written to `$GITHUB_ENV` by an earlier step is not followed.

## References
- [Wrangler environments](https://developers.cloudflare.com/workers/wrangler/environments/)
- [workers-sdk PR #668: error on unknown `--env`](https://github.com/cloudflare/workers-sdk/pull/668)
- [wrangler-action: `environment` input](https://github.com/cloudflare/wrangler-action#deploy-to-an-environment)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import Scope, Value, resolve
from runart_lint.graph.model import Audit
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="unknown-deploy-environment",
    summary="a workflow selects a wrangler environment its config does not define",
    severity=Severity.ERROR,
    inputs=("wrangler", "workflows"),
)


@record
class Selection:
    """An environment a command selects, and how it is written."""

    value: Value
    written: str


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per selected environment the loaded config lacks."""
    for deploy in audit.deploys:
        # A config the job writes itself is not seen: the committed file, if
        # any, is judged instead, and without one the command is skipped.
        config = deploy.config
        if deploy.is_pages or deploy.disabled or config is None or config.is_pages:
            continue
        for selection in _selections(deploy):
            name = selection.value.text
            if name and name not in config.envs:
                yield _finding(deploy, config, selection, name)


def _selections(deploy: Deploy) -> list[Selection]:
    """Return the environments a command selects that are known offline.

    wrangler-action appends `--env <environment>` to a command that has no
    `--env` of its own, and always uploads `secrets:` with it.
    """
    found: list[Selection] = []
    if deploy.env is not None:
        found.append(Selection(deploy.env, f"--env {deploy.env.raw}"))
    environment = deploy.action_environment
    uploads = deploy.secrets_input is not None and deploy.secrets_input.text().strip()
    if environment is not None and (deploy.env is None or uploads):
        found.append(Selection(environment, f"environment: {environment.raw}"))
    if not found:
        variable = _cloudflare_env(deploy)
        if variable is not None:
            found.append(Selection(variable, f"CLOUDFLARE_ENV={variable.raw}"))
    return [s for s in found if s.value.text is not None]


def _cloudflare_env(deploy: Deploy) -> Value | None:
    """Return `CLOUDFLARE_ENV` from the step, job or workflow `env:`."""
    # A `CLOUDFLARE_ENV` an earlier step writes to `$GITHUB_ENV` is not followed.
    layers = (deploy.step.env, deploy.job.env, deploy.workflow.env)
    if deploy.action is not None:
        layers = (deploy.step.env, None, None)
    scope = Scope(tuple(layer for layer in layers if layer is not None))
    scalar = scope.env("CLOUDFLARE_ENV")
    return resolve(scalar, scope) if scalar is not None else None


def _finding(
    deploy: Deploy, config: WranglerConfig, selection: Selection, name: str
) -> Finding:
    """Return the error (other envs exist) or warning (none exist)."""
    written = f"`{selection.written}`"
    if config.envs:
        known = ", ".join(f"`{env}`" for env in config.envs)
        severity = Severity.ERROR
        message = (
            f"{written} names no environment of `{config.path}`, which defines {known}"
        )
        help_ = f"add `env.{name}` to `{config.path}`, or select one of {known}"
    else:
        severity = Severity.WARNING
        message = (
            f"{written} names no environment of `{config.path}`, so wrangler "
            f"uses its top-level settings{_new_worker(deploy, config, name)}"
        )
        help_ = (
            f"add `env.{name}` to `{config.path}`, or drop the environment to "
            "target the top-level Worker"
        )

    env_span = config.root.key_span("env" if config.envs else "name")
    return Finding(
        rule_id=META.id,
        severity=severity,
        message=message,
        help=help_,
        location=Location(deploy.path, selection.value.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/{deploy.verb}/env={name}",
        confidence=Confidence.HIGH,
        related=((Location(config.path, env_span), "the config wrangler loads"),),
    )


def _new_worker(deploy: Deploy, config: WranglerConfig, name: str) -> str:
    """Return `for a new Worker `<name>-<env>``, when `--name` does not decide it."""
    if deploy.project is not None or not config.name:
        return ""
    return f" for a new Worker `{config.name}-{name}`"


def _step_key(deploy: Deploy) -> str:
    """Return a line-independent name for the deploy's step."""
    step = deploy.step
    return step.id or step.name or f"step-{step.index + 1}"
