"""Report KV namespace ids in wrangler configs that the Cloudflare account lacks.

## What it does
With `--live`, lists every KV namespace of the account in
`CLOUDFLARE_ACCOUNT_ID` (all pages) and checks each well-formed `id` and
`preview_id` of every KV binding in every wrangler config, in every
environment block. Malformed ids are left to `invalid-kv-id`.

## Why is this bad?
A deploy whose KV id is not a namespace of the account fails at the API
("KV namespace '…' is not valid [code: 10042]"), and only when the deploy
job runs. An id copied from another account, or of a namespace deleted
since, looks exactly like a good one.

## Example
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[kv_namespaces]]
binding = "DECISIONES"
id = "6418ac6ace59487c97bda9c3a50ab10e"
```

```toml account.toml
# The KV namespaces of the Cloudflare account: id = title
[cloudflare.kv]
05a286b6941b4e1fb94727201d2bfa06 = "runart-foundry-preview2-decisiones"
```

Use instead:
```toml apps/briefing/wrangler.toml
name = "runart-foundry"
pages_build_output_dir = "site"

[[kv_namespaces]]
binding = "DECISIONES"
id = "6418ac6ace59487c97bda9c3a50ab10e"
```

```toml account.toml
# The KV namespaces of the Cloudflare account: id = title
[cloudflare.kv]
05a286b6941b4e1fb94727201d2bfa06 = "runart-foundry-preview2-decisiones"
6418ac6ace59487c97bda9c3a50ab10e = "runart-foundry-decisiones"
```

## Options
Needs a Cloudflare token with the account permission Workers KV Storage:
Read. See [live audits](../live.md).

## Known problems
A config whose top-level `account_id` names another account than
`CLOUDFLARE_ACCOUNT_ID` is not checked: its namespaces live elsewhere.

## References
- [Cloudflare API: list KV namespaces](https://developers.cloudflare.com/api/resources/kv/subresources/namespaces/methods/list/)
- [cloudflare/workers-sdk#14249](https://github.com/cloudflare/workers-sdk/issues/14249)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.anchors import KvId


# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="unknown-kv-namespace",
    summary="a KV namespace id in a wrangler config does not exist in the account",
    severity=Severity.ERROR,
    inputs=("wrangler", "cloudflare"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per KV id the account does not have."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import kv_ids

    cloudflare = audit.live.cloudflare
    namespaces = cloudflare.kv_namespaces.get()

    for kv in kv_ids(audit):
        account = kv.config.root.text("account_id")
        if account not in (None, cloudflare.account_id):
            continue
        if kv.scalar.text() not in namespaces:
            yield _finding(kv, cloudflare.account_id)


def _finding(kv: KvId, account: str | None) -> Finding:
    """Return the finding for one unknown namespace id."""
    binding = kv.binding.name or f"#{kv.binding.index + 1}"
    where = f"{kv.block.prefix}kv_namespaces"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"`{kv.field}` of binding `{binding}` in `{where}` is no KV namespace "
        f"of Cloudflare account `{account}`",
        help=f"create the namespace with `wrangler kv namespace create {binding}` and "
        "write its id here, or correct the id",
        location=Location(kv.config.path, kv.scalar.span),
        key=f"{where}/{binding}/{kv.field}/unknown",
    )
