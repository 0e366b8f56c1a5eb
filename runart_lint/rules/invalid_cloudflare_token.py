"""Report a Cloudflare API token that is invalid, expired, or not of the account.

## What it does
With `--live`, verifies the token in `CLOUDFLARE_API_TOKEN` with Cloudflare:
as an account-owned token of `CLOUDFLARE_ACCOUNT_ID` first, then as a
user token. It reports a token Cloudflare does not accept, one that is
disabled or expired (or expires before the audit ends), one not valid
yet, and a user token that may not read the configured account. The
finding is placed at the first `secrets.CLOUDFLARE_API_TOKEN` (the plan's
name for the credential) a workflow reads.

## Why is this bad?
Every deploy of every stage authenticates with this token. An expired or
revoked token fails them all at once, typically on the day of a release;
a token of another account fails with "Authentication error [code:
10000]", which reads like a permission problem.

## Example
```yaml .github/workflows/pages-prod.yml
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
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# What Cloudflare says of the token
[cloudflare.token]
status = "expired"
expires_on = "2025-01-31T00:00:00Z"
```

Use instead:
```yaml .github/workflows/pages-prod.yml
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
          command: pages deploy site --project-name runart-foundry --branch main
```

```toml account.toml
# What Cloudflare says of the token
[cloudflare.token]
status = "active"
expires_on = "2031-01-31T00:00:00Z"
```

## Options
The token checked is the one in the environment of the audit; in a
scheduled workflow that passes `secrets.CLOUDFLARE_API_TOKEN`, that is the
deploy token itself. See [live audits](../live.md).

## Known problems
When the audit runs with another token than the deploys (on a laptop, say),
the finding is about that token, not the secret's. A workflow that reads
the token under another name is reported by `credentials-not-unified`.

## References
- [Cloudflare API: verify a user token](https://developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/)
- [Cloudflare API: verify an account token](https://developers.cloudflare.com/api/resources/accounts/subresources/tokens/methods/verify/)
- [cloudflare/pages-action#112: Authentication error 10000](https://github.com/cloudflare/pages-action/issues/112)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING

from runart_lint.findings import CheckUnavailable, Confidence, Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

if TYPE_CHECKING:
    from runart_lint.live.snapshot import TokenCheck


# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="invalid-cloudflare-token",
    summary="the Cloudflare API token is invalid, expired, or not of the account",
    severity=Severity.ERROR,
    inputs=("workflows", "cloudflare"),
    needs_live=True,
    security=True,
)

VARIABLE = "CLOUDFLARE_API_TOKEN"


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding when Cloudflare does not accept the token for the account."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import credential_location

    cloudflare = audit.live.cloudflare
    token = cloudflare.token.get()
    problem = _problem(token, cloudflare.account_id)
    if problem is None:
        return

    location = credential_location(audit, VARIABLE)
    if location is None:
        raise CheckUnavailable(
            f"the Cloudflare API token {problem}, and no workflow reads it to report at"
        )
    yield Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"the Cloudflare API token in `{VARIABLE}` {problem}",
        help=f"create a new API token and store it in the `{VARIABLE}` secret "
        "and wherever the audit reads it",
        location=location,
        key=f"{VARIABLE}/{token.status}",
        confidence=Confidence.MEDIUM,
    )


def _problem(token: TokenCheck, account: str | None) -> str | None:
    """Return what is wrong with the token, or None when it is usable."""
    now = datetime.datetime.now(datetime.UTC)
    expires, starts = _moment(token.expires_on), _moment(token.not_before)
    if token.status == "invalid":
        return (
            f"is not accepted ({token.detail})" if token.detail else "is not accepted"
        )
    if token.status == "expired" or (expires is not None and expires <= now):
        return f"expired on {token.expires_on[:10]}" if token.expires_on else "expired"
    if token.status == "disabled":
        return "is disabled"
    if token.status == "no-account-access":
        return f"may not read account `{account}` ({token.detail})"
    if starts is not None and starts > now:
        return f"is not valid before {token.not_before}"
    if token.status != "active":
        return f"has the status `{token.status}`"
    return None


def _moment(text: str | None) -> datetime.datetime | None:
    """Return an ISO 8601 timestamp as an aware datetime, or None."""
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
