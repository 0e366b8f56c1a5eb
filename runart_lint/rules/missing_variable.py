"""Report configuration variables a workflow reads that GitHub does not hold.

## What it does
With `--live`, reads the names of the repository's Actions variables, of the
organization variables the repository may use, and of each environment's
variables, then checks every `vars.X` a job reads: `X` must be set for the
repository, for its organization, or in the environment the job names.

## Why is this bad?
An unset variable reads as an empty string without any error: a deploy
that takes its project name from `vars.CF_PROJECT_NAME_STAGING` passes
`--project-name ""` and fails, or, worse, a step that builds a URL or a
branch name from it does something else than intended.

## Example
```yaml .github/workflows/pages-preview2.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name=${{ vars.CF_PROJECT_NAME_STAGING }}
```

```toml account.toml
# What the GitHub repository holds
[github.variables]
CF_PROJECT_NAME = "runart-foundry"
```

Use instead:
```yaml .github/workflows/pages-preview2.yml
on:
  push:
    branches: [develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: pages deploy site --project-name=${{ vars.CF_PROJECT_NAME_STAGING }}
```

```toml account.toml
# What the GitHub repository holds
[github.variables]
CF_PROJECT_NAME = "runart-foundry"
CF_PROJECT_NAME_STAGING = "runart-foundry-preview2"
```

## Options
Needs a GitHub token that can read variables (fine-grained: Variables: read
and Environments: read; classic: `repo`). See [live audits](../live.md).

## Known problems
A job whose `environment:` is an expression is not judged, and workflows
that run only through `workflow_call` are left out.

## References
- [GitHub: store information in variables](https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/store-information-in-variables)
- [GitHub REST: list repository variables](https://docs.github.com/en/rest/actions/variables#list-repository-variables)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="missing-variable",
    summary="a job reads a configuration variable GitHub does not hold for it",
    severity=Severity.WARNING,
    inputs=("workflows", "github"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield, once per file, each `vars.X` read that neither the repository nor
    the job's environment holds."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import unset_finding, unset_references
    from runart_lint.live.snapshot import Gaps

    github = audit.live.github
    shared = github.variables.get()
    gaps = Gaps()

    for unset in unset_references(audit, "vars", shared, github.variables_of, gaps):
        yield unset_finding(unset, META.id, META.severity, "variable")
    gaps.close()
