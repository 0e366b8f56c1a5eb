"""Report workflows GitHub refuses to run: no trigger, no job, or the wrong shape.

## What it does
Checks the shape GitHub requires of every workflow file that parses as YAML:
a mapping at the top, an `on:` key, a `jobs:` mapping with at least one job,
and jobs that are mappings with `runs-on:` (or `uses:` for a reusable
workflow). A workflow that is empty or all comments, or whose `on:` names no
event, is a note: that is a common way to switch a workflow off, but GitHub
never runs it. Syntax errors, and files holding more than one YAML document,
are `invalid-file`'s.

## Why is this bad?
GitHub shows such a file as an invalid workflow and runs none of it: the
deploy it describes never happens, and each push that should start it only
adds a failed run with no jobs. Linters that read one file at a time often
skip it, since the YAML itself is fine.

## Example
```yaml .github/workflows/deploy.yml
on: push
jobs:
  - deploy:
      runs-on: ubuntu-latest
      steps:
        - run: npx wrangler deploy
```

Use instead:
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: npx wrangler deploy
```

## Known problems
Only the shape of the workflow, its triggers and its jobs is checked; the
keys inside a job and inside its steps are not checked against GitHub's
schema.

## References
- GitHub, "Workflow syntax for GitHub Actions":
  https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.discover import FileKind, classify
from runart_lint.loaders.tree import Mapping, Node, Scalar, Sequence, Span
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="invalid-workflow",
    summary="a workflow has no trigger, no job, or a shape GitHub refuses",
    severity=Severity.ERROR,
    inputs=("workflows",),
)

START = Span.point(1, 1)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one error per problem of shape in each parsed workflow file."""
    for parsed in audit.parsed:
        if classify(parsed.path) is not FileKind.WORKFLOW:
            continue
        # A file that could not be read or parsed is `invalid-file`'s.
        if parsed.root is None and parsed.diagnostics:
            continue
        for problem in _problems(parsed.root):
            yield Finding(
                rule_id=META.id,
                severity=problem.severity,
                message=problem.message,
                help=problem.help,
                location=Location(parsed.path, problem.span),
                key=problem.key,
                confidence=META.confidence,
            )


class Problem(NamedTuple):
    """One problem of shape, where it is, and how serious."""

    key: str
    message: str
    help: str
    span: Span
    severity: Severity = META.severity


def _problems(root: Node | None) -> Iterator[Problem]:
    """Yield each problem of shape of one workflow."""
    if root is None or (isinstance(root, Scalar) and root.value is None):
        # Emptying a workflow, or commenting it all out, is a common way to
        # switch it off: a note, not an error.
        yield Problem(
            "empty",
            "workflow file is empty, so GitHub never runs it",
            "delete the file, or disable the workflow in GitHub's Actions tab",
            START,
            Severity.NOTE,
        )
        return
    if not isinstance(root, Mapping):
        yield Problem(
            "top",
            f"top level of the workflow is {_kind(root)}, not a mapping",
            "write the workflow as keys at the top level: `on:`, `jobs:`",
            root.span,
        )
        return

    yield from _trigger_problems(root)
    yield from _job_problems(root)


def _trigger_problems(root: Mapping) -> Iterator[Problem]:
    """Yield a problem when `on:` is missing or names no event."""
    entry = root.entry("on")
    if entry is None:
        yield Problem(
            "on",
            "workflow has no `on:`, so no event starts it",
            "add `on:` with the events that start it, for example `on: push`",
            Span.point(root.span.line, root.span.col),
        )
    elif _is_empty(entry.value):
        # `on: {}` is how some repositories switch a workflow off: a note.
        yield Problem(
            "on",
            "`on:` names no event, so GitHub never starts this workflow",
            "list the events that start it, or disable the workflow in GitHub's "
            "Actions tab",
            entry.key_span,
            Severity.NOTE,
        )


def _job_problems(root: Mapping) -> Iterator[Problem]:
    """Yield problems of `jobs:` and of each job in it."""
    entry = root.entry("jobs")
    if entry is None:
        yield Problem(
            "jobs",
            "workflow has no `jobs:`",
            "add `jobs:` with at least one job",
            Span.point(root.span.line, root.span.col),
        )
        return
    jobs = entry.value
    if _is_empty(jobs):
        yield Problem("jobs", "`jobs:` has no job", "add a job", entry.key_span)
        return
    if not isinstance(jobs, Mapping):
        yield Problem(
            "jobs",
            f"`jobs:` is {_kind(jobs)}; GitHub expects job ids mapped to jobs",
            "write each job as `<job-id>:` under `jobs:`, without a leading `- `",
            jobs.span,
        )
        return

    for job_id, job in jobs.entries.items():
        yield from _one_job(job_id, job.key_span, job.value)


def _one_job(job_id: str, key_span: Span, job: Node) -> Iterator[Problem]:
    """Yield a problem when a job is not a mapping, or has nowhere to run."""
    if not isinstance(job, Mapping):
        yield Problem(
            f"jobs.{job_id}",
            f"job `{job_id}` is {_kind(job)}, not a mapping",
            "give the job its keys (`runs-on:`, `steps:`) under its id",
            key_span,
        )
    elif "runs-on" not in job and "uses" not in job:
        yield Problem(
            f"jobs.{job_id}",
            f"job `{job_id}` has neither `runs-on:` nor `uses:`, so it cannot run",
            "add `runs-on: ubuntu-latest`, or `uses:` to call a reusable workflow",
            key_span,
        )


def _is_empty(node: Node) -> bool:
    """Return whether a value is null, an empty string or an empty collection."""
    if isinstance(node, Scalar):
        return node.value is None or node.value == ""
    if isinstance(node, Sequence):
        return not node.items
    return not node.entries


def _kind(node: Node) -> str:
    """Return how a value is written, for a message: `a list`, `a string`..."""
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Mapping):
        return "a mapping"
    return "a single value"
