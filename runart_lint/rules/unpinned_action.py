"""Report third-party actions in deploy jobs that are not pinned to a commit.

## What it does
In jobs that deploy or hold deploy credentials, finds `uses:` of actions from
outside GitHub's own `actions/` and `github/` organisations whose ref is a tag
or branch (`@v3`, `@main`) instead of a full 40-character commit SHA. Local
composite actions the job uses are followed, and so are reusable workflows a
deploy job calls. Local actions (`./...`) are not reported. A `docker://`
image is reported unless it names its content digest (`@sha256:...`): a tag
such as `alpine:3` moves like a branch. The finding points at the `@ref` or
the `:tag`.

## Why is this bad?
Tags and branches can be moved by whoever controls the action's repository,
or by someone who compromised it, as happened to `tj-actions/changed-files`
in March 2025. The next run then executes new code in the job that holds the
Cloudflare API token. A commit SHA is the only ref that cannot change.

## Example
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cloudflare/wrangler-action@v3
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: deploy
```

Use instead:
```yaml .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # cloudflare/wrangler-action v3.14.1
      - uses: cloudflare/wrangler-action@da0e0dfe58b7a431659754fdf3f186c529afbe65
        with:
          apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}
          command: deploy
```

## Known problems
A 40-character hexadecimal tag or branch name passes as a commit SHA, and
whether the SHA belongs to the action's repository is not checked offline.
Actions in jobs that neither deploy nor hold deploy credentials are not
checked.

## References
- GitHub Docs, "Using third-party actions":
  https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
- CVE-2025-30066, tj-actions/changed-files:
  https://github.com/advisories/GHSA-mrrh-fwg8-r2c3
- cloudflare/wrangler-action releases:
  https://github.com/cloudflare/wrangler-action/releases
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.jobs import deploy_jobs, local_action
from runart_lint.graph.model import Audit
from runart_lint.graph.positions import locate
from runart_lint.loaders.tree import Scalar
from runart_lint.loaders.workflow import Job, Workflow
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="unpinned-action",
    summary="a deploy job runs a third-party action by tag or branch, not commit SHA",
    severity=Severity.WARNING,
    inputs=("workflows",),
    security=True,
)

# https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
FIRST_PARTY = frozenset({"actions", "github"})
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$", re.I)
# A container image is fixed only by its content digest, never by a tag.
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$", re.I)


@record
class Use:
    """One `uses:` value in a deploy job, and the file it is written in."""

    scalar: Scalar
    path: str
    where: str


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one warning per unpinned third-party action in a deploy job."""
    # Only deploy jobs are read: an unpinned action in a build job whose output
    # a deploy job publishes is not reported.
    reported: set[tuple[str, int, int]] = set()
    for workflow, job in deploy_jobs(audit):
        seen: dict[str, int] = {}
        for use in _uses(audit, workflow, job):
            span = use.scalar.span
            if (
                _pinned(use.scalar.text())
                or (use.path, span.line, span.col) in reported
            ):
                continue
            reported.add((use.path, span.line, span.col))
            yield _finding(audit, job, use, seen)


def _uses(audit: Audit, workflow: Workflow, job: Job) -> Iterator[Use]:
    """Yield the `uses:` a job runs: its steps, local actions, called workflows."""
    if job.uses is not None:
        yield Use(job.uses, workflow.path, f"deploy job `{job.id}`")
    for step in job.steps:
        if step.uses is None:
            continue
        yield Use(step.uses, workflow.path, f"deploy job `{job.id}`")
        action = local_action(audit, step)
        if action is None:
            continue
        for inner in action.steps:
            if inner.uses is not None:
                where = (
                    f"local action `{action.directory}` used by deploy job `{job.id}`"
                )
                yield Use(inner.uses, action.path, where)


def _pinned(uses: str) -> bool:
    """Return whether a `uses:` is first-party, local, an image digest, or a SHA."""
    # A 40-hex tag or branch name passes as a SHA, and whether the SHA exists in
    # the action's repository cannot be checked offline.
    text = uses.strip()
    if text.startswith("docker://"):
        return DIGEST.search(text) is not None
    if text.startswith("./") or not text:
        return True
    if text.split("/", 1)[0].lower() in FIRST_PARTY:
        return True
    return COMMIT_SHA.match(text.rpartition("@")[2]) is not None and "@" in text


def _finding(audit: Audit, job: Job, use: Use, seen: dict[str, int]) -> Finding:
    """Build the warning for one `uses:`."""
    if use.scalar.text().strip().startswith("docker://"):
        return _image_finding(audit, job, use, seen)
    text = use.scalar.text().strip()
    name, at, ref = text.rpartition("@")
    if not at:
        name, ref = text, ""
    offset = use.scalar.text().find("@") if at else 0
    span = locate(use.scalar, audit.lines(use.path), offset, len(use.scalar.text()))
    seen[name] = seen.get(name, 0) + 1
    pinned_to = f"movable ref `{ref}`" if ref else "no ref at all"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"`{name}` in {use.where} is pinned to {pinned_to}, not a commit SHA",
        help=(
            "pin the action to a full 40-character commit SHA and keep the "
            f"version in a comment, e.g. `{name}@<sha> # {ref or 'vX'}`"
        ),
        location=Location(use.path, span),
        key=f"jobs.{job.id}/{name}#{seen[name]}",
        confidence=META.confidence,
    )


def _image_finding(audit: Audit, job: Job, use: Use, seen: dict[str, int]) -> Finding:
    """Build the warning for a `docker://` image named by tag, not by digest."""
    written = use.scalar.text()
    image = written.strip().removeprefix("docker://")
    name, tag = _image_tag(image)
    offset = written.find(image) + len(name)
    end = len(written.rstrip())
    if tag is None:
        offset = written.find(image)
    span = locate(use.scalar, audit.lines(use.path), offset, end)
    seen[name] = seen.get(name, 0) + 1
    if tag:
        state = f"is pinned to movable tag `{tag}`, not a digest"
    else:
        state = "names no tag or digest, so it runs the movable `latest`"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=f"image `{name}` in {use.where} {state}",
        help="pin the image to its content digest and keep the tag in a comment, "
        f"e.g. `docker://{name}@sha256:<digest> # {tag or 'latest'}`",
        location=Location(use.path, span),
        key=f"jobs.{job.id}/docker://{name}#{seen[name]}",
        confidence=META.confidence,
    )


def _image_tag(image: str) -> tuple[str, str | None]:
    """Split `registry/name:tag` into the name and the tag (None when absent)."""
    image = image.split("@", 1)[0]
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1 :]
    return image, None
