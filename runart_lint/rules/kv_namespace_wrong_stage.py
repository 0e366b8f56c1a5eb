"""Report KV namespaces bound by one stage whose title names another stage.

## What it does
With `--live`, reads the titles of the account's KV namespaces and, for
each KV `id` in a config block a stage of the rule pack deploys with
(`config` and `config_env` of the stage), checks that the title does not
name another stage of the plan while not naming this one. Titles are split
into words at every character that is not a letter or digit; `prod`
counts as `production`.

## Why is this bad?
Namespaces are usually created per stage and titled after it
(`runart-foundry-preview-log-events`). A production block that binds the
preview namespace makes production read and write preview data: test
records show up on the live site, and a preview clean-up deletes
production data.

## Example
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[env.production.kv_namespaces]]
binding = "LOG_EVENTS"
id = "5c809442ad5a4a5cb4bcca714c70fabf"
```

```toml account.toml
# The KV namespaces of the Cloudflare account: id = title
[cloudflare.kv]
5c809442ad5a4a5cb4bcca714c70fabf = "runart-foundry-preview-log-events"
9fbb7e6c2d6a4c1cb3ad2b3cce4040f5 = "runart-foundry-production-log-events"
```

Use instead:
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[env.production.kv_namespaces]]
binding = "LOG_EVENTS"
id = "9fbb7e6c2d6a4c1cb3ad2b3cce4040f5"
```

```toml account.toml
# The KV namespaces of the Cloudflare account: id = title
[cloudflare.kv]
5c809442ad5a4a5cb4bcca714c70fabf = "runart-foundry-preview-log-events"
9fbb7e6c2d6a4c1cb3ad2b3cce4040f5 = "runart-foundry-production-log-events"
```

## Options
Stage names come from the rule pack. Needs a Cloudflare token with the
account permission Workers KV Storage: Read. See [live audits](../live.md).

## Known problems
Only stage names (and `prod`) are recognised in titles: a namespace titled
`staging-…` in a plan whose stage is called `preview2` is not judged.

## References
- [Cloudflare: KV namespaces](https://developers.cloudflare.com/kv/concepts/kv-namespaces/)
- [Wrangler: environments](https://developers.cloudflare.com/workers/wrangler/environments/)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.anchors import KvId


# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="kv-namespace-wrong-stage",
    summary="a stage binds a KV namespace whose title names another stage",
    severity=Severity.WARNING,
    inputs=("wrangler", "pack", "cloudflare"),
    needs_live=True,
)

WORD = re.compile(r"[a-z0-9]+")
ALIASES = {"prod": "production"}


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per `id` whose title names only other stages."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import block_stages, kv_ids

    titles = audit.live.cloudflare.kv_namespaces.get()
    names = {stage.name.lower() for stage in audit.pack.pack.stages}

    for kv in kv_ids(audit):
        title = titles.get(kv.scalar.text())
        stages = {s.name.lower() for s in block_stages(audit, kv.config, kv.block)}
        if kv.field != "id" or title is None or not stages:
            continue
        named = _stages_named(title, names)
        if named and not named & stages:
            yield _finding(kv, title, sorted(named), sorted(stages))


def _stages_named(title: str, stages: set[str]) -> set[str]:
    """Return the stage names a namespace title contains as words."""
    words = {ALIASES.get(word, word) for word in WORD.findall(title.lower())}
    return words & stages


def _finding(kv: KvId, title: str, named: list[str], stages: list[str]) -> Finding:
    """Return the finding for one namespace of another stage."""
    binding = kv.binding.name or f"#{kv.binding.index + 1}"
    other = ", ".join(f"`{n}`" for n in named)
    own = ", ".join(f"`{s}`" for s in stages)
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"binding `{binding}` of `{kv.block.label}` (stage {own}) binds "
        f"namespace `{title}`, which is titled for stage {other}",
        help=f"bind the namespace of stage {own} here, or rename the namespace if it "
        "really belongs to this stage",
        location=Location(kv.config.path, kv.scalar.span),
        key=f"{kv.block.prefix}kv_namespaces/{binding}/stage",
        confidence=Confidence.MEDIUM,
    )
