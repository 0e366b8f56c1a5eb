"""Report one KV namespace id bound by two different stages or Workers.

## What it does
Works out which stage each block of each wrangler config is deployed as, from
the rule pack (a stage's `config` and `config_env`; the top level when
`config_env` is unset) and from the workflows (the config a deploy really
loads, the env it selects, the stage it reaches). Then reports every KV
namespace `id` that two different stages bind. A `preview_id` is only used by
`wrangler dev` on a laptop and is not a stage. Blocks that no stage claims
count as the Worker or Pages environment they would deploy as.

## Why is this bad?
Two stages that share a namespace share its data: a preview or staging build
writes into the namespace another stage reads, and a test run can overwrite or
delete what users see. The plan gives each deployed stage its own namespaces.

## Example
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "shop"

[[stages]]
name = "staging"
kind = "worker"
config = "wrangler.toml"
config_env = "staging"

[[stages]]
name = "production"
kind = "worker"
config = "wrangler.toml"
config_env = "production"

[rollback]
required = false
```

```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[env.staging]
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]

[env.production]
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]
```

Use instead:
```toml pack.toml
promotion = ["staging", "production"]

[pack]
name = "shop"

[[stages]]
name = "staging"
kind = "worker"
config = "wrangler.toml"
config_env = "staging"

[[stages]]
name = "production"
kind = "worker"
config = "wrangler.toml"
config_env = "production"

[rollback]
required = false
```

```toml wrangler.toml
name = "shop"
main = "src/index.ts"

[env.staging]
kv_namespaces = [{ binding = "CART", id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }]

[env.production]
kv_namespaces = [{ binding = "CART", id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }]
```

## Known problems
Sharing between two plan stages is an error. Sharing where one side is not a
stage of the plan (for example a helper Worker reading the site's namespace)
is a note when both use the same binding name, since that is usually
deliberate, and a warning otherwise. Only KV is checked; a D1 database or R2
bucket shared between stages is not reported by this rule.

## References
- https://developers.cloudflare.com/kv/reference/environments/
- https://developers.cloudflare.com/workers/wrangler/environments/
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.model import Audit
from runart_lint.graph.stages import env_tier, stage_block
from runart_lint.loaders.tree import Scalar
from runart_lint.loaders.wrangler import (
    PAGES_ENVIRONMENTS,
    Binding,
    EnvBlock,
    WranglerConfig,
)
from runart_lint.records import field, record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="shared-kv-namespace",
    summary="the same KV namespace id is bound by two different stages",
    severity=Severity.ERROR,
    inputs=("pack", "wrangler", "workflows"),
)

BlockKey = tuple[str, str | None]


@record(order=True)
class Owner:
    """Who deploys a block: a plan stage, or the Worker or Pages env it becomes."""

    order: int
    label: str
    staged: bool
    tier: int | None = field(compare=False)


@record
class Use:
    """One KV binding `id`, in one block, on behalf of one owner."""

    owner: Owner
    config: WranglerConfig
    block: EnvBlock
    binding: Binding
    id: Scalar


def check(audit: Audit) -> Iterator[Finding]:
    """Yield a finding for every extra owner of a namespace id."""
    owners = _owners(audit)
    uses: dict[str, list[Use]] = defaultdict(list)
    for config in audit.configs:
        for block in config.blocks():
            for owner in owners.get((config.path, block.name), ()):
                for use in _kv_uses(owner, config, block):
                    uses[use.id.text()].append(use)

    for namespace, found in uses.items():
        yield from _shared(namespace, found)


def _owners(audit: Audit) -> dict[BlockKey, set[Owner]]:
    """Return the owners of every block: the plan's, the deploys', or a default."""
    owners: dict[BlockKey, set[Owner]] = defaultdict(set)
    promotion = audit.pack.pack.promotion
    for index, stage in enumerate(audit.pack.pack.deployed_stages()):
        config = audit.config(stage.config) if stage.config else None
        block = stage_block(config, stage) if config is not None else None
        if config is not None and block is not None:
            order = promotion.index(stage.name) if stage.name in promotion else index
            owners[(config.path, block.name)].add(_stage(stage.name, order))

    for deploy in audit.real_deploys():
        found = _deploy_owner(audit, deploy)
        if found is not None:
            owners[found[0]].add(found[1])

    for config in audit.configs:
        for block in config.blocks():
            key = (config.path, block.name)
            if key not in owners and (default := _default_owner(config, block)):
                owners[key].add(default)
    return owners


def _stage(name: str, order: int) -> Owner:
    """Return the owner that is a stage of the plan."""
    return Owner(order, f"stage `{name}`", True, env_tier(name))


def _deploy_owner(audit: Audit, deploy: Deploy) -> tuple[BlockKey, Owner] | None:
    """Return the block a deploy loads and who it deploys it as."""
    config = deploy.config
    if config is None or deploy.is_pages != config.is_pages:
        return None
    match = audit.stage_of(deploy)
    env = _pages_env(audit, deploy) if deploy.is_pages else deploy.env_name
    block = config.envs.get(env) if env else config.top
    if block is None and deploy.is_pages:
        block = config.top
    if block is None:
        return None

    if match.stage is not None:
        promotion = audit.pack.pack.promotion
        order = (
            promotion.index(match.stage.name) if match.stage.name in promotion else 0
        )
        return (config.path, block.name), _stage(match.stage.name, order)
    return (config.path, block.name), _target(config, env)


def _pages_env(audit: Audit, deploy: Deploy) -> str:
    """Return the Pages environment a deploy gets: production on its branch."""
    production = audit.pack.pack.pack.production_branch
    stage = audit.stage_of(deploy).stage
    branch = deploy.branch.text if deploy.branch is not None else None
    if branch == production or (stage is not None and stage.branch == production):
        return "production"
    return "preview"


def _default_owner(config: WranglerConfig, block: EnvBlock) -> Owner | None:
    """Return what an unclaimed block deploys as, or None if it is never deployed."""
    if not config.is_pages:
        return _target(config, block.name)
    if block.name is None and all(env in config.envs for env in PAGES_ENVIRONMENTS):
        return None
    return _target(config, block.name or "preview")


def _target(config: WranglerConfig, env: str | None) -> Owner:
    """Return an owner that is not a plan stage: a Worker or a Pages env."""
    tier = env_tier(env)
    if config.is_pages:
        return Owner(1000, f"Pages project `{config.name}` ({env})", False, tier)
    return Owner(1000, f"Worker `{config.worker_name(env)}`", False, tier)


def _kv_uses(owner: Owner, config: WranglerConfig, block: EnvBlock) -> Iterator[Use]:
    """Yield the KV bindings of a block that name a namespace `id`."""
    # Only KV is compared; a D1 database or R2 bucket shared between stages is
    # not reported by this rule.
    for binding in block.bindings_of("kv_namespaces"):
        scalar = binding.field("id")
        if scalar is not None and scalar.text().strip():
            yield Use(owner, config, block, binding, scalar)


def _shared(namespace: str, uses: list[Use]) -> Iterator[Finding]:
    """Yield a finding at every owner but the one closest to production.

    The stage nearest production keeps the namespace: it is the one whose data
    matters, so the earlier stages are the ones to move.
    """
    first_use: dict[Owner, Use] = {}
    for use in sorted(uses, key=lambda u: (u.config.path, u.id.span)):
        first_use.setdefault(use.owner, use)
    if len(first_use) < 2:
        return

    reference = max(first_use.values(), key=lambda u: _closeness(u.owner))
    for use in sorted(first_use.values(), key=lambda u: u.owner):
        severity = _severity(use, reference) if use is not reference else None
        if severity is not None:
            yield _finding(namespace, use, reference, severity)


def _closeness(owner: Owner) -> tuple[int, int, str]:
    """Return how close to production an owner is: its tier, then plan order."""
    tier = owner.tier if owner.tier is not None else -1
    return (tier, owner.order if owner.staged else -1, owner.label)


def _severity(use: Use, reference: Use) -> Severity | None:
    """Return how bad one sharing is, or None when it is plainly deliberate.

    Two plan stages must not share; two tiers (staging and production) should
    not; two services of the same tier sharing under one binding name is a
    design choice, and under two names worth a note.
    """
    if use.owner.staged and reference.owner.staged:
        return Severity.ERROR
    tiers = (use.owner.tier, reference.owner.tier)
    if None not in tiers and tiers[0] != tiers[1]:
        return Severity.WARNING
    if use.binding.name != reference.binding.name:
        return Severity.NOTE
    return None


def _finding(namespace: str, use: Use, reference: Use, severity: Severity) -> Finding:
    """Return the finding for `use` sharing the namespace `reference` binds."""
    where = f"{reference.block.label} of `{reference.config.path}`"
    if reference.id is use.id:
        where = "through the same block"
    return Finding(
        rule_id=META.id,
        severity=severity,
        message=(
            f"KV namespace `{namespace}` is bound as `{use.binding.name}` for "
            f"{use.owner.label} and as `{reference.binding.name}` for "
            f"{reference.owner.label} ({where})"
        ),
        help=(
            "create a separate KV namespace for this stage and put its id here"
            if severity is not Severity.NOTE
            else "keep this only if both are meant to share the same data"
        ),
        location=Location(use.config.path, use.id.span),
        key=f"{use.block.prefix}kv_namespaces/{use.binding.name}/{namespace}",
        related=(
            (
                Location(reference.config.path, reference.id.span),
                f"also bound for {reference.owner.label} here",
            ),
        ),
    )
