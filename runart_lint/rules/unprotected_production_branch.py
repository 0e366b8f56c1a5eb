"""Report a production branch that anyone with write access can push to.

## What it does
With `--live`, reads the classic branch protection and the active ruleset
rules of the branch production deploys from (the `branch` of the last
stage of the promotion order, else the pack's `production_branch`). The
branch counts as protected when classic protection is on, or when a
ruleset requires a pull request, status checks or a deployment. The
finding is placed at that branch in the production workflow's `push`
trigger.

## Why is this bad?
Production deploys on every push to this branch. Unprotected, a direct
push (or a force push over reviewed history) ships to production without
a pull request, a review or the earlier stages' checks: the promotion
order of the plan exists only on paper.

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
# How the repository protects its branches
[github.branches.main]
protected = false
rules = []
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
# How the repository protects its branches
[github.branches.main]
protected = false
rules = ["pull_request", "non_fast_forward"]
```

## Options
Rulesets are read with Metadata: read; classic protection needs
Administration: read (fine-grained) or admin rights (classic `repo`). When
rulesets already protect the branch, classic protection is not needed.
See [live audits](../live.md).

## Known problems
Any classic protection counts, even one that requires no review.

## References
- [GitHub: about protected branches](https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches)
- [GitHub REST: get rules for a branch](https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch)
"""

from __future__ import annotations

from collections.abc import Iterator

from runart_lint.findings import CheckUnavailable, Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

# runart_lint.live is imported inside the functions, after the offline
# return: an offline audit never loads it (about 10 ms of every run).
META = RuleMeta(
    id="unprotected-production-branch",
    summary="the branch production deploys from has no protection or ruleset",
    severity=Severity.WARNING,
    inputs=("workflows", "pack", "github"),
    needs_live=True,
    security=True,
)

PROTECTING_RULES = frozenset(
    {"pull_request", "required_status_checks", "required_deployments"}
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one finding when the production branch is not protected."""
    if audit.live is None:
        return

    from runart_lint.live.plan import production_branch

    github = audit.live.github
    branch = production_branch(audit)
    rules = github.rules
    if rules.ok and PROTECTING_RULES & set(rules.value):
        return
    if github.protected.get():
        return
    if rules.error is not None:
        raise CheckUnavailable(rules.error)

    location = _location(audit, branch)
    if location is None:
        raise CheckUnavailable(
            f"branch `{branch}` is not protected, and no workflow "
            "of the repository names it"
        )
    yield Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"branch `{branch}`, which production deploys from, has no branch "
        "protection and no ruleset requiring a pull request or status checks",
        help=f"protect `{branch}` with a ruleset that requires a pull request before "
        "merging",
        location=location,
        key=f"{branch}/protection",
    )


def _location(audit: Audit, branch: str) -> Location | None:
    """Return the branch in the production workflow's push trigger, else the stage."""
    from runart_lint.live.anchors import branch_location, stage_location
    from runart_lint.live.plan import production_stage

    stage = production_stage(audit)
    workflow = audit.workflow(stage.workflow) if stage and stage.workflow else None
    if workflow is not None:
        return branch_location(workflow, branch)
    for candidate in audit.active_workflows():
        push = candidate.trigger("push")
        if push is not None and branch in push.branches:
            return branch_location(candidate, branch)
    return stage_location(audit, stage) if stage is not None else None
