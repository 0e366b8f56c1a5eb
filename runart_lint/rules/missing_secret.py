"""Report secrets a workflow reads that GitHub does not hold where the job runs.

## What it does
With `--live`, reads the names of the repository's Actions secrets, of the
organization secrets the repository may use, and of each environment's
secrets, then checks every `secrets.X` a job reads: `X` must be set for the
repository, for its organization, or in the environment the job names
(`environment:`). `GITHUB_TOKEN` is always there. Secret values are never
read: GitHub returns names only.

## Why is this bad?
A secret that does not exist reads as an empty string: the deploy step
fails at its first API call with "Input required and not supplied" or an
authentication error, and only when the workflow runs. A secret stored in
one environment is invisible to a job that runs in another, or in none.

## Example
```yaml .github/workflows/pages-preview2.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: preview2
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CF_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name runart-foundry-preview2
```

```toml account.toml
# What the GitHub repository holds
[github]
secrets = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]

[github.environments.preview2]
secrets = []
```

Use instead:
```yaml .github/workflows/pages-preview2.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: preview2
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}
          command: pages deploy site --project-name runart-foundry-preview2
```

```toml account.toml
# What the GitHub repository holds
[github]
secrets = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]

[github.environments.preview2]
secrets = []
```

## Options
Needs a GitHub token that can read secrets (fine-grained: Secrets: read and
Environments: read; classic: `repo`). See [live audits](../live.md).

## Known problems
A job whose `environment:` is an expression is not judged. Workflows that
run only when another workflow calls them (`workflow_call`) read their
caller's secrets and are left out. Dependabot secrets, which only
Dependabot-triggered runs read, are not read.

## References
- [GitHub: using secrets in GitHub Actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions)
- [GitHub REST: list repository secrets](https://docs.github.com/en/rest/actions/secrets#list-repository-secrets)
- [GitHub REST: list environment secrets](https://docs.github.com/en/rest/actions/secrets#list-environment-secrets)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="missing-secret",
    summary="a job reads a secret GitHub does not hold for it",
    severity=Severity.ERROR,
    inputs=("workflows", "github"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield, once per file, each `secrets.X` read that neither the repository nor
    the job's environment holds."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import unset_finding, unset_references
    from runart_lint.live.snapshot import Gaps

    github = audit.live.github
    shared = github.secrets.get()
    gaps = Gaps()

    for unset in unset_references(audit, "secrets", shared, github.secrets_of, gaps):
        yield unset_finding(unset, META.id, META.severity, "secret")
    gaps.close()
