"""Report Pages bindings and variables that differ between the dashboard and the config.

## What it does
With `--live`, reads the deployment configuration of each Pages project of
the plan (`deployment_configs.production` and `.preview`) and compares it
with the wrangler config the stage deploys: the block wrangler reads for
that environment (`[env.production]`, `[env.preview]`, else the top
level). It reports, at the line in the config:

- a KV binding bound to another namespace in the dashboard, or missing there;
- a KV binding the dashboard has and the config does not declare;
- a plain-text variable with another value in the dashboard, or missing there;
- a plain-text variable the dashboard has and the config does not set.

Secrets (`secret_text`) are only compared by name, never by value.

## Why is this bad?
Once a Pages project deploys from a wrangler config, the config is the
source of truth and the dashboard shows what the last deploy applied. When
the two differ, the running site is not what the repository says: a
deploy from another branch or an edit in the dashboard has changed it, and
the next deploy will silently change it back, or the site reads another
namespace's data today.

## Example
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[env.production.kv_namespaces]]
binding = "DECISIONES"
id = "6418ac6ace59487c97bda9c3a50ab10e"
```

```toml account.toml
# The production configuration of the Pages project
[cloudflare.projects.runart-foundry.production]
kv = { DECISIONES = "05a286b6941b4e1fb94727201d2bfa06" }
```

Use instead:
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[env.production.kv_namespaces]]
binding = "DECISIONES"
id = "6418ac6ace59487c97bda9c3a50ab10e"
```

```toml account.toml
# The production configuration of the Pages project
[cloudflare.projects.runart-foundry.production]
kv = { DECISIONES = "6418ac6ace59487c97bda9c3a50ab10e" }
```

## Options
Needs a Cloudflare token with the account permission Cloudflare Pages:
Read. See [live audits](../live.md).

## Known problems
Only KV bindings and variables are compared; D1, R2, Durable Object and
service bindings are not yet. A stage without a `config` in the rule pack
is not compared.

## References
- [Cloudflare Pages: configuration with wrangler](https://developers.cloudflare.com/pages/functions/wrangler-configuration/)
- [Cloudflare API: Pages project `deployment_configs`](https://developers.cloudflare.com/api/resources/pages/subresources/projects/methods/get/)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Scalar, Span
from runart_lint.loaders.wrangler import EnvBlock, WranglerConfig
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.snapshot import DeploymentConfig, Gaps

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="pages-config-drift",
    summary="a Pages project's dashboard bindings or variables differ from its config",
    severity=Severity.WARNING,
    inputs=("wrangler", "pack", "cloudflare"),
    needs_live=True,
)


@record
class Side:
    """One environment of one project, and the config block it deploys."""

    project: str
    environment: str
    config: WranglerConfig
    block: EnvBlock
    dashboard: DeploymentConfig

    @property
    def where(self) -> str:
        """Return how messages name the project and environment."""
        return f"the Pages project `{self.project}` ({self.environment})"


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per binding or variable that differs."""
    if audit.live is None:
        return

    from runart_lint.live.snapshot import Gaps

    gaps = Gaps()

    for side in _sides(audit, gaps):
        yield from _kv(side)
        yield from _vars(side)
    gaps.close()


def _sides(audit: Audit, gaps: Gaps) -> Iterator[Side]:
    """Yield each (project, environment) of the plan with its config block."""
    from runart_lint.live.anchors import deploy_block
    from runart_lint.live.plan import pages_environment, pages_stages

    assert audit.live is not None
    seen: set[tuple[str, str, str]] = set()
    for stage in pages_stages(audit):
        config = audit.config(stage.config) if stage.config else None
        project = audit.live.cloudflare.project(stage.project or "")
        if config is None or gaps.missing(project) or project.value is None:
            continue
        environment = pages_environment(audit, stage)
        key = (project.value.name, environment, config.path)
        if key not in seen:
            seen.add(key)
            dashboard = project.value.configs[environment]
            block = deploy_block(config, environment)
            yield Side(project.value.name, environment, config, block, dashboard)


def _kv(side: Side) -> Iterator[Finding]:
    """Yield the KV bindings that differ, both ways."""
    declared = {b.name: b for b in side.block.bindings_of("kv_namespaces") if b.name}
    for name, binding in declared.items():
        field = binding.field("id")
        bound = side.dashboard.kv.get(name)
        if bound is None:
            yield _finding(
                side,
                binding.span,
                f"kv/{name}",
                f"{side.where} has no KV binding `{name}`, which this config declares",
                "deploy this config again, or remove "
                "the binding from the config if it is not used",
            )
        elif field is not None and field.text() != bound:
            yield _finding(
                side,
                field.span,
                f"kv/{name}/id",
                f"{side.where} binds `{name}` to namespace `{bound}`, not to this id",
                "deploy this config again, or write the "
                "namespace the site really uses here",
            )
    extra = sorted(set(side.dashboard.kv) - set(declared))
    if extra:
        yield _undeclared(side, "kv_namespaces", "binds KV", extra)


def _vars(side: Side) -> Iterator[Finding]:
    """Yield the plain-text variables that differ, both ways."""
    table = side.block.node.mapping("vars")
    declared = (
        {k: v for k, v in table.items() if isinstance(v, Scalar)} if table else {}
    )
    for name, scalar in declared.items():
        if name not in side.dashboard.vars:
            yield _finding(
                side,
                scalar.span,
                f"vars/{name}",
                f"{side.where} has no variable `{name}`, which this config sets",
                "deploy this config again",
            )
            continue
        value = side.dashboard.vars[name]
        if value is not None and value != scalar.text():
            yield _finding(
                side,
                scalar.span,
                f"vars/{name}/value",
                f"{side.where} sets `{name}` to `{value}`, not to this value",
                "deploy this config again, or write the value "
                "the site really uses here",
            )
    plain = {name for name, value in side.dashboard.vars.items() if value is not None}
    extra = sorted(plain - set(declared))
    if extra:
        yield _undeclared(side, "vars", "sets", extra)


def _undeclared(side: Side, key: str, verb: str, names: list[str]) -> Finding:
    """Return one finding for the bindings or variables the config lacks."""
    shown = ", ".join(f"`{name}`" for name in names)
    label = side.block.label
    return _finding(
        side,
        _key_span(side.block, key),
        f"{key}/undeclared",
        f"{side.where} {verb} {shown}, which `{label}` of this config does not",
        f"add {shown} to `{label}`, or deploy this config again to drop them",
    )


def _key_span(block: EnvBlock, key: str) -> Span:
    """Return where `key` is written in the block, else where the block starts."""
    return block.node.key_span(key) if key in block.node else block.span


def _finding(side: Side, span: Span, key: str, message: str, help_text: str) -> Finding:
    """Return one drift finding at a span of the config."""
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=message,
        help=help_text,
        location=Location(side.config.path, span),
        key=f"{side.project}/{side.environment}/{key}",
    )
