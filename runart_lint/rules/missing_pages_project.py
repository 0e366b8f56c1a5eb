"""Report Pages projects of the plan that do not exist in the Cloudflare account.

## What it does
With `--live`, reads each Pages project a stage of the rule pack names
from the account in `CLOUDFLARE_ACCOUNT_ID`, and reports those Cloudflare
does not know (error 8000007, "Project not found"). The finding is placed
where a deploy names the project (`--project-name`, `projectName:`), else
at the `name` of the Pages config, else at the stage in the rule pack when
the pack is part of the repository.

## Why is this bad?
`wrangler pages deploy` to a project that does not exist stops with
"Project not found"; older wrangler versions offer to create it, which a
CI job cannot answer. A stage of the plan whose project was never created
(or was renamed in the dashboard) has never been deployed at all.

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
          command: pages deploy site --project-name runart-foundry-preview2
```

```toml account.toml
# The Pages projects of the Cloudflare account
[cloudflare.projects.runart-foundry]
production_branch = "main"
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
          command: pages deploy site --project-name runart-foundry-preview2
```

```toml account.toml
# The Pages projects of the Cloudflare account
[cloudflare.projects.runart-foundry]
production_branch = "main"

[cloudflare.projects.runart-foundry-preview2]
production_branch = "main"
```

## Options
Needs a Cloudflare token with the account permission Cloudflare Pages:
Read. See [live audits](../live.md).

## Known problems
A project that no file of the repository names (neither a deploy, nor a
config, nor an in-repository rule pack) cannot be placed and is reported
as not run instead.

## References
- [Cloudflare API: get a Pages project](https://developers.cloudflare.com/api/resources/pages/subresources/projects/methods/get/)
- [wrangler pages project create](https://developers.cloudflare.com/workers/wrangler/commands/#project-create)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import Finding, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="missing-pages-project",
    summary="a Pages project of the plan does not exist in the Cloudflare account",
    severity=Severity.ERROR,
    inputs=("pack", "workflows", "cloudflare"),
    needs_live=True,
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding per plan project the account does not have."""
    if audit.live is None:
        return

    from runart_lint.live.anchors import stage_project_location
    from runart_lint.live.plan import pages_stages
    from runart_lint.live.snapshot import Gaps

    cloudflare = audit.live.cloudflare
    gaps = Gaps()

    reported: set[str] = set()
    for stage in pages_stages(audit):
        assert stage.project is not None
        project = cloudflare.project(stage.project)
        if stage.project in reported or gaps.missing(project) or project.value:
            continue
        reported.add(stage.project)
        location = stage_project_location(audit, stage)
        if location is None:
            gaps.note(
                f"Pages project `{stage.project}` does not exist, and no file "
                "of the repository names it"
            )
            continue
        yield Finding(
            rule_id=META.id,
            severity=META.severity,
            message=f"the Pages project `{stage.project}` (stage `{stage.name}`) "
            f"does not exist in Cloudflare account `{cloudflare.account_id}`",
            help=f"create it with `wrangler pages project create {stage.project}`, "
            "or name a project that exists",
            location=location,
            key=f"{stage.project}/missing",
        )
    gaps.close()
