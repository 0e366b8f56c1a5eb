"""Report a production that no manually run workflow can roll back.

## What it does
Looks for a workflow that can be started by hand (`workflow_dispatch`) and
really restores an earlier deployment of what production runs, in one of
these ways:

- a call to the Pages rollback API
  (`/pages/projects/<project>/deployments/<id>/rollback`) for the production
  Pages project;
- for a Workers production only, `wrangler rollback`, or `wrangler versions
  deploy` of an earlier version (a version id given as an input or looked up
  with `versions list`), for the production Worker;
- a production redeploy of a build artifact that the production deploy job
  uploads (`actions/download-artifact` of that artifact's name, then a
  deploy);
- a production redeploy after checking out a ref chosen when the workflow
  runs (`actions/checkout` with `ref: ${{ inputs.ref }}`, or `git checkout
  "$TAG"` from an input or a job output).

When there is none, reports the production deploy step. A rollback whose
project or Worker name is only known at run time (`$PROJECT`, an expression
that does not resolve offline) is accepted, with a low-confidence note
instead of the warning.

The production deploys are those that reach the pack's `rollback.stage`. When
the built-in pack does not describe the repository at all, a deploy counts as
production when it targets the production branch of a Pages project or a
Worker's production environment.

## Why is this bad?
When a release breaks production, the fastest safe fix is to put the previous
deployment back, without waiting for a revert to pass CI. Without a prepared,
tested rollback workflow that step is improvised under pressure, by someone
who needs dashboard rights.

## Example
```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy
```

```toml wrangler.toml
name = "api"
main = "src/index.ts"
```

Use instead:
```yaml .github/workflows/deploy.yml
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler deploy
```

```yaml .github/workflows/rollback.yml
on:
  workflow_dispatch:
    inputs:
      version:
        required: true
jobs:
  rollback:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npx wrangler rollback ${{ inputs.version }}
```

```toml wrangler.toml
name = "api"
main = "src/index.ts"
```

## Known problems
A rollback done by a script the workflow runs (`python rollback.py`) is not
seen. A redeploy of an earlier checkout rebuilds with today's dependencies and
settings, yet counts as a rollback. A project name set by an earlier line of
the same script (`PROJECT=site`) is not followed, so such a rollback gets the
low-confidence note.

## References
- https://developers.cloudflare.com/pages/configuration/rollbacks/
- https://developers.cloudflare.com/api/resources/pages/subresources/projects/subresources/deployments/methods/rollback/
- https://developers.cloudflare.com/workers/configuration/versions-and-deployments/rollbacks/
- https://github.com/actions/download-artifact
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import Deploy, always_false
from runart_lint.graph.expressions import (
    EXPRESSION,
    SHELL_VAR,
    Scope,
    expressions,
    resolve_text,
)
from runart_lint.graph.model import Audit
from runart_lint.graph.shell import split_commands
from runart_lint.graph.stages import PRODUCTION_TIER, env_tier
from runart_lint.loaders.tree import Scalar, Span, walk_scalars
from runart_lint.loaders.workflow import Job, Step, Workflow
from runart_lint.pack import StageSpec
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="missing-rollback",
    summary="no manually run workflow can roll production back",
    severity=Severity.WARNING,
    inputs=("pack", "workflows"),
)

SEGMENT = r"(?:\$\{\{.*?\}\}|[^/\s\"'])+"
ROLLBACK_API = re.compile(
    rf"/pages/projects/(?P<project>{SEGMENT})/deployments/{SEGMENT}/rollback"
)
VERSION_INPUT = re.compile(
    r"versions\s+deploy\s+[^\n]*\$\{\{\s*(?:github\.event\.)?inputs\."
)
VERSION_LOOKUPS = frozenset({"versions list", "deployments list", "versions view"})
PRODUCTION_BRANCHES = ("main", "master")
GIT_SWITCHES = ("checkout", "switch", "reset")
CHOSEN_CONTEXTS = ("inputs.", "github.event.inputs.", "needs.", "steps.", "env.")


@record
class Target:
    """What a deploy updates: a Pages project or a Worker, by name if known."""

    kind: str
    name: str | None

    def describe(self) -> str:
        """Return how a message names the target."""
        noun = "Pages project" if self.kind == "pages" else "Worker"
        return f"{noun} `{self.name}`" if self.name else f"its {noun}"


@record
class Restore:
    """A way a manual workflow puts an earlier deployment of a target back."""

    target: Target
    path: str
    span: Span

    def covers(self, target: Target) -> bool | None:
        """Return True if it restores `target`, None if only possibly, else False."""
        if self.target.kind != target.kind:
            return False
        if self.target.name is None or target.name is None:
            return None
        return self.target.name == target.name


@record
class Production:
    """The production deploys, and whether the plan identified them."""

    deploys: list[Deploy]
    stage: StageSpec | None
    planned: bool


def check(audit: Audit) -> Iterator[Finding]:
    """Yield a finding when production deploys and nothing can roll it back."""
    production = _production(audit)
    if not production.deploys or _named_workflow_unreadable(audit, production):
        return

    restores = list(_restores(audit, production))
    uncovered: list[Deploy] = []
    unsure: list[tuple[Deploy, Restore]] = []
    for deploy in production.deploys:
        verdicts = [(r, r.covers(_target(deploy))) for r in restores]
        if any(verdict for _, verdict in verdicts):
            continue
        maybe = next((r for r, verdict in verdicts if verdict is None), None)
        if maybe is None:
            uncovered.append(deploy)
        else:
            unsure.append((deploy, maybe))

    if uncovered:
        yield _finding(audit, uncovered, production)
    elif unsure:
        yield _unsure_finding(audit, unsure, production)


def _production(audit: Audit) -> Production:
    """Return the production deploys, and whether the pack identified them."""
    plan = audit.pack.pack
    stage = plan.stage(plan.rollback.stage)
    deploys = list(audit.real_deploys())
    matched = [d for d in deploys if stage and audit.stage_of(d).stage == stage]
    if matched or _plan_applies(audit, deploys):
        return Production(matched if plan.rollback.required else [], stage, True)
    guessed = [d for d in deploys if _looks_like_production(audit, d)]
    return Production(guessed, None, False)


def _named_workflow_unreadable(audit: Audit, production: Production) -> bool:
    """Return whether the plan's rollback workflow is there but cannot be parsed."""
    # `invalid-file` reports it; whether it rolls back cannot be known.
    named = audit.pack.pack.rollback.workflow if production.planned else None
    return named is not None and audit.workflow(named) is None and audit.present(named)


def _plan_applies(audit: Audit, deploys: list[Deploy]) -> bool:
    """Return whether the pack describes this repository at all."""
    if not audit.pack.builtin:
        return True
    if any(audit.stage_of(d).stage is not None for d in deploys):
        return True
    stages = audit.pack.pack.stages
    return any(
        (s.config and audit.config(s.config))
        or (s.workflow and audit.workflow(s.workflow))
        for s in stages
    )


def _looks_like_production(audit: Audit, deploy: Deploy) -> bool:
    """Return whether a deploy targets a production branch or environment."""
    if deploy.is_pages:
        branch = deploy.branch
        names = (audit.pack.pack.pack.production_branch, *PRODUCTION_BRANCHES)
        return branch is not None and not branch.refs and branch.text in names
    if deploy.env_name is not None:
        return env_tier(deploy.env_name) == PRODUCTION_TIER
    if deploy.env is not None or deploy.action_environment is not None:
        return False
    config = deploy.config
    return config is None or all(env_tier(n) != PRODUCTION_TIER for n in config.envs)


def _target(deploy: Deploy) -> Target:
    """Return the Pages project or Worker a deploy (or rollback) updates."""
    if deploy.project is not None:
        name = deploy.project.text
    elif deploy.config is None:
        name = None
    elif deploy.is_pages:
        name = deploy.config.name
    else:
        name = deploy.config.worker_name(deploy.env_name)
    return Target("pages" if deploy.is_pages else "worker", name)


def _restores(audit: Audit, production: Production) -> Iterator[Restore]:
    """Yield every restore that manually run workflows perform."""
    # A rollback done inside a script the workflow runs is not seen, so a
    # repository that only has such a script is still reported.
    kept = _kept_builds(production.deploys)
    for workflow in audit.active_workflows():
        if workflow.trigger("workflow_dispatch") is None:
            continue
        jobs = [job for job in workflow.jobs if not always_false(job.if_)]
        for job in jobs:
            yield from _api_rollbacks(workflow, job)
        yield from _worker_rollbacks(audit, workflow)
        yield from _redeploys(audit, workflow, jobs, kept, production)


def _api_rollbacks(workflow: Workflow, job: Job) -> Iterator[Restore]:
    """Yield the calls of the Pages rollback API in a job, with their project."""
    for step in job.steps:
        scope = _step_scope(workflow, job, step)
        for scalar in walk_scalars(step.node):
            for match in ROLLBACK_API.finditer(scalar.text()):
                name = _project_name(match.group("project"), scalar, scope)
                yield Restore(Target("pages", name), workflow.path, scalar.span)


def _project_name(written: str, scalar: Scalar, scope: Scope) -> str | None:
    """Return the project a URL segment names, None when known only at run time."""
    # A name set by an earlier line of the same script (`PROJECT=site`) is not
    # followed, so such a call only earns the low-confidence note.
    value = resolve_text(written, scalar.span, scope)
    if value.text is None or "$" in value.text:
        return None
    return value.text


def _step_scope(workflow: Workflow, job: Job, step: Step) -> Scope:
    """Return the `env:` layers a step reads, innermost first."""
    layers = (step.env, job.env, workflow.env)
    return Scope(tuple(layer for layer in layers if layer is not None))


def _worker_rollbacks(audit: Audit, workflow: Workflow) -> Iterator[Restore]:
    """Yield `wrangler rollback` and `versions deploy` of an earlier version."""
    # Both act on Workers only; a Pages production is never restored by them.
    commands = [
        d for d in audit.workflow_deploys(workflow) if not d.disabled and not d.dry_run
    ]
    verbs = {d.verb for d in commands}
    for deploy in commands:
        earlier = deploy.verb == "versions deploy" and (
            bool(verbs & VERSION_LOOKUPS) or _version_from_input(deploy)
        )
        if deploy.verb == "rollback" or earlier:
            target = Target("worker", _target(deploy).name)
            yield Restore(target, deploy.path, deploy.span)


def _version_from_input(deploy: Deploy) -> bool:
    """Return whether `versions deploy` takes its version id from an input."""
    step = deploy.step
    command = step.with_.scalar("command") if step.with_ is not None else None
    script = step.run or command
    return script is not None and bool(VERSION_INPUT.search(script.text()))


def _redeploys(
    audit: Audit,
    workflow: Workflow,
    jobs: list[Job],
    kept: set[str],
    production: Production,
) -> Iterator[Restore]:
    """Yield production deploys of a kept artifact or of an earlier checkout."""
    for deploy in audit.workflow_deploys(workflow):
        if deploy.disabled or not deploy.is_deploy or deploy.job not in jobs:
            continue
        if not _is_production(audit, deploy, production):
            continue
        earlier = _downloads_kept_build([deploy.job], kept) or _checks_out_earlier(
            deploy
        )
        if earlier:
            yield Restore(_target(deploy), deploy.path, deploy.span)


def _is_production(audit: Audit, deploy: Deploy, production: Production) -> bool:
    """Return whether a deploy of a manual workflow reaches production."""
    if production.stage is not None and production.planned:
        return audit.stage_of(deploy).stage == production.stage
    return _looks_like_production(audit, deploy)


def _checks_out_earlier(deploy: Deploy) -> bool:
    """Return whether the job checks out a ref chosen at run time before deploying."""
    # An input, a job output or a shell variable names the ref; a fixed branch
    # (`git checkout main`) is a rebuild of today's code, not a rollback.
    last = deploy.step.index if deploy.action is None else len(deploy.job.steps)
    return any(_dynamic_checkout(step) for step in deploy.job.steps[:last])


def _dynamic_checkout(step: Step) -> bool:
    """Return whether a step checks out a ref that is only known at run time."""
    uses = step.uses.text() if step.uses is not None else ""
    if uses.split("@", 1)[0].lower() == "actions/checkout":
        ref = step.with_.text("ref") if step.with_ is not None else None
        return ref is not None and _run_time(ref)
    if step.run is None or "git" not in step.run.text():
        return False
    for words in split_commands(step.run.text()):
        texts = [w.text for w in words]
        if len(texts) < 3 or texts[0] != "git" or texts[1] not in GIT_SWITCHES:
            continue
        refs = [t for t in texts[2:] if not t.startswith("-")]
        if refs and _run_time(refs[0]):
            return True
    return False


def _run_time(ref: str) -> bool:
    """Return whether a ref is chosen when the workflow runs, not today's commit.

    An input, a job or step output, an `env.X` or a shell variable counts;
    `github.sha`, `github.ref` and `$GITHUB_SHA` are the commit being run.
    """
    refs = [r for e in expressions(ref) for r in e.refs()]
    if any(r.startswith(CHOSEN_CONTEXTS) for r in refs):
        return True
    bare = EXPRESSION.sub("", ref)
    return any(
        not (m.group(1) or m.group(2)).startswith("GITHUB_")
        for m in SHELL_VAR.finditer(bare)
    )


def _kept_builds(production: list[Deploy]) -> set[str]:
    """Return the artifact names (as patterns) production deploy jobs upload."""
    jobs = {id(deploy.job): deploy.job for deploy in production}
    return {
        _pattern(name)
        for job in jobs.values()
        for name in _artifact_names(job.steps, "actions/upload-artifact")
    }


def _downloads_kept_build(jobs: list[Job], kept: set[str]) -> bool:
    """Return whether a job downloads an artifact a production deploy job uploads."""
    for job in jobs:
        for step in job.steps:
            if not _uses(step, "actions/download-artifact"):
                continue
            name = step.with_.text("name") if step.with_ is not None else None
            if name is None and step.with_ is not None and "run-id" in step.with_:
                return bool(kept)
            if name is not None and any(
                _same_artifact(_pattern(name), k) for k in kept
            ):
                return True
    return False


def _artifact_names(steps: tuple[Step, ...], action: str) -> Iterator[str]:
    """Yield the artifact names the steps upload (or download) with `action`."""
    for step in steps:
        if _uses(step, action) and step.with_ is not None:
            name = step.with_.text("name")
            yield name if name is not None else "artifact"


def _uses(step: Step, action: str) -> bool:
    """Return whether a step uses `action` at any version."""
    uses = step.uses.text() if step.uses is not None else ""
    return uses.split("@", 1)[0].lower() == action


def _pattern(name: str) -> str:
    """Return an artifact name with its expressions turned into `*`."""
    return EXPRESSION.sub("*", name)


def _same_artifact(downloaded: str, uploaded: str) -> bool:
    """Return whether two artifact name patterns can name the same artifact."""
    return fnmatch.fnmatchcase(downloaded, uploaded) or fnmatch.fnmatchcase(
        uploaded, downloaded
    )


def _preference(deploy: Deploy, preferred: str | None) -> tuple[object, ...]:
    """Return a sort key: the plan's workflow, then explicit production targets."""
    explicit = deploy.env_name is not None or deploy.branch is not None
    named = "prod" in f"{deploy.workflow.path} {deploy.job.id}".lower()
    return (
        deploy.workflow.path != preferred,
        not explicit,
        not named,
        deploy.path,
        deploy.span,
    )


def _ordered(deploys: list[Deploy], production: Production) -> list[Deploy]:
    """Return the deploys with the one the plan names first."""
    stage = production.stage if production.planned else None
    preferred = stage.workflow if stage is not None else None
    return sorted(deploys, key=lambda d: _preference(d, preferred))


def _subject(production: Production) -> str:
    """Return what the messages say is not rolled back."""
    stage = production.stage if production.planned else None
    if stage is not None:
        return f"stage `{stage.name}`"
    return "this production deploy"


def _finding(audit: Audit, uncovered: list[Deploy], production: Production) -> Finding:
    """Return the finding, at the production deploy the plan names first."""
    ordered = _ordered(uncovered, production)
    anchor = ordered[0]
    message = f"no manually run workflow rolls back {_subject(production)}"
    named = audit.pack.pack.rollback.workflow if production.planned else None
    if named and audit.workflow(named) is None:
        message += f" (the plan names `{named}`, which does not exist)"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=message,
        help=_help(_target(anchor)),
        location=Location(anchor.path, anchor.span),
        key=f"rollback/{_key_name(production)}",
        confidence=Confidence.HIGH if production.planned else Confidence.MEDIUM,
        related=tuple(
            (Location(d.path, d.span), "production is also deployed here")
            for d in ordered[1:4]
        ),
    )


def _unsure_finding(
    audit: Audit, unsure: list[tuple[Deploy, Restore]], production: Production
) -> Finding:
    """Return the note for a rollback whose target is only known at run time."""
    ordered = _ordered([deploy for deploy, _ in unsure], production)
    anchor = ordered[0]
    restore = next(r for d, r in unsure if d is anchor)
    return Finding(
        rule_id=META.id,
        severity=Severity.NOTE,
        message=(
            f"the only rollback of {_subject(production)} found names its "
            f"{_noun(restore.target)} at run time, so whether it restores "
            f"{_target(anchor).describe()} is not known"
        ),
        help=f"write the {_noun(restore.target)} name into the rollback workflow, "
        "or check that it resolves to the production one",
        location=Location(anchor.path, anchor.span),
        key=f"rollback/{_key_name(production)}/unverified",
        confidence=Confidence.LOW,
        related=((Location(restore.path, restore.span), "rollback found here"),),
    )


def _noun(target: Target) -> str:
    """Return `Pages project` or `Worker`."""
    return "Pages project" if target.kind == "pages" else "Worker"


def _key_name(production: Production) -> str:
    """Return the stable part of the finding key: the stage, or `production`."""
    stage = production.stage if production.planned else None
    return stage.name if stage is not None else "production"


def _help(target: Target) -> str:
    """Return the ways to add a rollback for this kind of production."""
    if target.kind == "pages":
        how = "calls the Pages rollback API for this project"
    else:
        how = "runs `wrangler rollback` or `wrangler versions deploy` of an earlier "
        how += "version for this Worker"
    return (
        f"add a `workflow_dispatch` workflow that {how}, or redeploys an artifact "
        "this job uploads"
    )
