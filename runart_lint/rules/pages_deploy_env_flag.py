"""Report `--env` on `pages deploy`, and Pages branches only known at run time.

## What it does
Checks every `wrangler pages deploy` (and `pages publish`) a workflow runs:

- `--env X`, or the `environment:` input of `cloudflare/wrangler-action`
  (which appends `--env X` to its commands), is an error: it does not choose
  between Pages production and preview.
- The same flag run from a build-output folder (`--cwd dist`, a
  `workingDirectory` inside `pages_build_output_dir`), where a framework
  writes a generated, redirected config, is a warning with low confidence:
  such configs may not contain environments at all.
- `--config`/`-c` on `pages deploy` is an error: wrangler stops with "Pages
  does not support custom paths for the Wrangler configuration file"; the
  config must be the `wrangler.toml` (or `.json`/`.jsonc`) of the folder the
  command runs in.
- A `--branch` (or `branch:` input) known only at run time, such as
  `${{ github.ref_name }}`, gets a note: the deploy is production exactly when
  that value equals the project's production branch, which the linter
  assumes is the plan's.
- A literal `--branch` equal to the production branch (the plan's for the
  project, else `main` or `master`) in a step that runs on `pull_request` or
  `pull_request_target`, with no `if:` that keeps pull requests out (a guard
  that only turns away forks does not), is a warning: every pull request
  build is published as production.

## Why is this bad?
A Pages deployment is production only when its branch equals the project's
production branch; every other branch is a preview. Older wrangler rejects
`--env` on `pages deploy` with "Unknown argument: env"; where it is accepted,
the build still lands on whatever `--branch` says, so a step named "deploy to
production" can quietly publish a preview, or the other way round.

## Example
```toml wrangler.toml
name = "site"
pages_build_output_dir = "dist"
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy dist --project-name site --env production
```

Use instead:
```toml wrangler.toml
name = "site"
pages_build_output_dir = "dist"
```

```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy dist --project-name site --branch main
```

## Known problems
The project's real production branch is read from the rule pack (the stage
of that project, or `pack.production_branch`), not from Cloudflare, so a
project whose production branch was changed in the dashboard is judged
against the wrong name. A build tool's redirect file
(`.wrangler/deploy/config.json`) is produced at build time and is not seen;
only folders named like build output, or inside `pages_build_output_dir`,
count as redirected. A pull-request workflow that deploys only after the
merge (`types: [closed]` with a `merged` test) is warned about all the same.

## References
- [Pages: branch deployment controls](https://developers.cloudflare.com/pages/configuration/branch-build-controls/)
- [Pages: wrangler configuration, environments](https://developers.cloudflare.com/pages/functions/wrangler-configuration/#environment-specific-overrides)
- [workers-sdk #1050: `pages publish --env` is an unknown argument](https://github.com/cloudflare/workers-sdk/issues/1050)
- [workers-sdk #8701: `--env` with a redirected configuration](https://github.com/cloudflare/workers-sdk/issues/8701)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy
from runart_lint.graph.expressions import Value
from runart_lint.graph.jobs import blocked_for_all, step_blocked_for_all
from runart_lint.graph.model import Audit
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="pages-deploy-env-flag",
    summary="`--env` on `pages deploy` does not choose production or preview",
    severity=Severity.ERROR,
    inputs=("wrangler", "workflows"),
)

PAGES_DEPLOY_VERBS = ("pages deploy", "pages publish")
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# What a Pages project not in the plan most likely uses as production branch.
USUAL_PRODUCTION_BRANCHES = ("main", "master")
# Folders frameworks write their build, and often a generated wrangler config,
# into (Nitro `.output`, OpenNext `.open-next`, Vite and Astro `dist`...).
BUILD_OUTPUT_DIRS = frozenset(
    {
        "dist",
        "build",
        "out",
        ".output",
        ".open-next",
        ".svelte-kit",
        ".vercel",
        ".next",
        ".wrangler",
    }
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield the `--env` errors and dynamic-branch notes of every Pages deploy."""
    for deploy in audit.deploys:
        if deploy.verb not in PAGES_DEPLOY_VERBS or deploy.disabled:
            continue
        selected = _env_selection(deploy)
        if selected is not None:
            yield _env_finding(deploy, selected)
        if deploy.config_flag is not None:
            yield _config_finding(deploy, deploy.config_flag)
        if deploy.branch is not None and deploy.branch.text is None:
            yield _branch_note(audit, deploy, deploy.branch)
        elif deploy.branch is not None:
            yield from _production_on_pull_request(audit, deploy, deploy.branch)


def _env_selection(deploy: Deploy) -> tuple[Value, str] | None:
    """Return the environment the command passes to wrangler, and how."""
    if deploy.env is not None:
        return deploy.env, f"--env {deploy.env.raw}"
    environment = deploy.action_environment
    if environment is not None and environment.raw.strip() and environment.text != "":
        return environment, f"environment: {environment.raw}"
    return None


def _env_finding(deploy: Deploy, selected: tuple[Value, str]) -> Finding:
    """Return the error, or the low-confidence warning for build output."""
    value, written = selected
    output = _build_output(deploy)
    if output is not None:
        message = (
            f"`{written}` on `{deploy.verb}` run from build output `{output}`, "
            "whose generated config cannot carry environments"
        )
        severity, confidence = Severity.WARNING, Confidence.LOW
    else:
        message = (
            f"`{written}` on `{deploy.verb}` does not choose between Pages "
            "production and preview"
        )
        severity = Severity.ERROR
        confidence = Confidence.HIGH if value.known else Confidence.MEDIUM
    return Finding(
        rule_id=META.id,
        severity=severity,
        message=message,
        help="remove the environment and choose production or preview with "
        "`--branch`: the production branch deploys production, any other a preview",
        location=Location(deploy.path, value.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/env",
        confidence=confidence,
    )


def _config_finding(deploy: Deploy, flag: Value) -> Finding:
    """Return the error for a custom config path, which `pages deploy` refuses."""
    # Cloudflare docs, "Pages Functions: Wrangler configuration": Pages reads
    # only the config file of the project root; `--config` is rejected.
    return Finding(
        rule_id=META.id,
        severity=Severity.ERROR,
        message=f"`pages deploy` does not accept a custom config path (`{flag.raw}`)",
        help="run the command in a folder whose `wrangler.toml` is this config, "
        "for example by copying it there before the deploy",
        location=Location(deploy.path, flag.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/config",
    )


def _build_output(deploy: Deploy) -> str | None:
    """Return the build-output folder the command runs from, if it does."""
    # A redirect file (`.wrangler/deploy/config.json`) exists only after the
    # build, so only folder names and `pages_build_output_dir` are judged.
    cwd = deploy.cwd
    if not cwd:
        return None
    config = deploy.config
    if config is not None:
        output = config.root.text("pages_build_output_dir")
        if output:
            folder = posixpath.normpath(posixpath.join(config.directory, output))
            if cwd == folder or cwd.startswith(folder + "/"):
                return cwd
    if BUILD_OUTPUT_DIRS.intersection(cwd.split("/")):
        return cwd
    return None


def _branch_note(audit: Audit, deploy: Deploy, branch: Value) -> Finding:
    """Return the note that production depends on a run-time branch name."""
    production = _production_branch(audit, deploy)
    return Finding(
        rule_id=META.id,
        severity=Severity.NOTE,
        message=(
            f"this Pages deploy is production only when `{branch.raw}` equals the "
            f"project's production branch, assumed to be `{production}`"
        ),
        help=(
            f"check that the project's production branch is `{production}` and "
            "that only the production workflow can resolve the branch to it"
        ),
        location=Location(deploy.path, branch.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/branch",
        confidence=Confidence.MEDIUM,
    )


def _production_on_pull_request(
    audit: Audit, deploy: Deploy, branch: Value
) -> Iterator[Finding]:
    """Yield the warning for a production branch deployed by pull request builds."""
    event = _pull_request_event(audit, deploy)
    production, planned = _production_branches(audit, deploy)
    if event is None or branch.text not in production:
        return

    project = _project(deploy)
    named = f" of Pages project `{project}`" if project else ""
    yield Finding(
        rule_id=META.id,
        severity=Severity.WARNING,
        message=(
            f"step runs on `{event}` and deploys branch `{branch.text}`, the "
            f"production branch{named}, so every pull request build goes to "
            "production"
        ),
        help=(
            "deploy pull requests under their own branch (`github.head_ref` "
            "through `env:`), or keep this step off pull requests with `if:`"
        ),
        location=Location(deploy.path, branch.span),
        key=f"{deploy.job.id}/{_step_key(deploy)}/pull-request-production",
        confidence=_pull_request_confidence(planned, project),
    )


def _pull_request_event(audit: Audit, deploy: Deploy) -> str | None:
    """Return the pull-request event the deploy's step runs on, if any."""
    # An `if:` on `github.event.pull_request.merged` is not understood, so a
    # deploy that runs only once the pull request is merged is still reported.
    for event in PULL_REQUEST_EVENTS:
        if deploy.workflow.trigger(event) is None:
            continue
        if blocked_for_all(audit, deploy.workflow, deploy.job, event):
            continue
        if not step_blocked_for_all(deploy.step, event):
            return event
    return None


def _production_branches(audit: Audit, deploy: Deploy) -> tuple[tuple[str, ...], bool]:
    """Return the project's production branch names, and whether the plan knows it."""
    project = _project(deploy)
    stages = audit.pack.pack.stages
    if any(s.kind == "pages" and s.project == project for s in stages):
        return (_production_branch(audit, deploy),), True
    return USUAL_PRODUCTION_BRANCHES, False


def _pull_request_confidence(planned: bool, project: str | None) -> Confidence:
    """Return how sure the warning is: the plan's branch, a usual name, or less."""
    if planned:
        return Confidence.HIGH
    return Confidence.MEDIUM if project else Confidence.LOW


def _project(deploy: Deploy) -> str | None:
    """Return the Pages project deployed: the flag or input, else the config's."""
    if deploy.project is not None:
        return deploy.project.text
    return deploy.config.name if deploy.config is not None else None


def _production_branch(audit: Audit, deploy: Deploy) -> str:
    """Return the production branch the plan gives the deploy's project."""
    # The branch comes from the plan, not from Cloudflare: a project whose
    # production branch was changed in the dashboard is judged by the old name.
    plan = audit.pack.pack
    project = _project(deploy)
    for stage in plan.stages:
        branch = stage.branch or "*"
        if stage.kind == "pages" and stage.project == project and "*" not in branch:
            return branch
    return plan.pack.production_branch


def _step_key(deploy: Deploy) -> str:
    """Return a line-independent name for the deploy's step."""
    step = deploy.step
    return step.id or step.name or f"step-{step.index + 1}"
