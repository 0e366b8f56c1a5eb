"""Report secret-looking literals committed in wrangler `vars` or workflow values.

## What it does
Reads every value of wrangler `vars` (top level and each `[env.X.vars]`) and
every literal under a workflow's or composite action's `env:`, `with:` and
reusable-workflow `secrets:`, and reports values that look like credentials:

- Cloudflare API tokens (the prefixed `cfut_`, `cfat_` and `cfk_` formats,
  and older ones: 40 characters of `[A-Za-z0-9_-]`, mixed case and digits)
  and global API keys (37 hex digits);
- GitHub tokens (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`),
  AWS access key ids (`AKIA…`, `ASIA…`), Stripe secret keys, Slack tokens,
  private keys (`-----BEGIN … PRIVATE KEY-----`), JSON Web Tokens and URLs
  with a password in them;
- under a name such as `*_TOKEN`, `*_SECRET`, `*_PASSWORD` or `*_KEY`: a long
  literal with mixed characters and high entropy.

Expressions (`${{ secrets.X }}`), URLs, booleans, numbers, short values,
placeholders (`<your-token>`, `changeme`) and names such as `*_PUBLIC_KEY` or
`*_SITE_KEY` are left alone, as are ids under id-like names (KV namespace
ids, account ids). The finding shows only the first four characters of the
value.

## Why is this bad?
A value in `vars` or in a workflow file is plain text in every clone, fork,
pull request and CI log, and in the Cloudflare dashboard; git history keeps
it after it is deleted. Anyone who reads the repository can use the
credential until it is rotated.

## Example
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[vars]
UPSTREAM_API_TOKEN = "Q9vX2mT7kLp4Rz8NwB3cYh6JdF1sGa5EuK0oVi_x"
```

Use instead:
```toml wrangler.toml
name = "api"
main = "src/index.ts"

[vars]
UPSTREAM_URL = "https://api.example.com"
```

## Known problems
Public values that look like secrets (a Supabase anon key is a JSON Web
Token) are reported too; suppress the finding with a reason. Secrets
written inside `run:` scripts, `.env` files or `[define]` are not read.

## References
- [Cloudflare Workers: secrets](https://developers.cloudflare.com/workers/configuration/secrets/)
- [Cloudflare Workers: environment variables](https://developers.cloudflare.com/workers/configuration/environment-variables/)
- [GitHub: using secrets in GitHub Actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from runart_lint.findings import Finding, Location, Severity
from runart_lint.graph.model import Audit
from runart_lint.loaders.tree import Mapping, Scalar, walk_scalars
from runart_lint.loaders.workflow import Step
from runart_lint.records import record
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="secret-literal",
    summary="a secret-looking literal is committed in wrangler `vars` or a workflow",
    severity=Severity.ERROR,
    inputs=("wrangler", "workflows"),
    security=True,
)

# Formats that are credentials wherever they appear.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
        "a private key",
    ),
    (re.compile(r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), "a GitHub token"),
    (re.compile(r"\bcf(?:k|ut|at)_[A-Za-z0-9_-]{40,}"), "a Cloudflare API token"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}"), "a Stripe secret key"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        "a JSON Web Token",
    ),
    (re.compile(r"://[^/\s:@]+:[^/\s@]{3,}@"), "a URL with a password"),
)
CLOUDFLARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{40}")
CLOUDFLARE_GLOBAL_KEY = re.compile(r"[0-9a-f]{37}")
SECRET_NAME = re.compile(
    r"(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?|APIKEY)$|_KEY$"
    r"|^(?:API_KEY|PRIVATE_KEY|AUTH)$"
)
PUBLIC_NAME = re.compile(r"PUBLIC|PUBLISHABLE|SITE_KEY|_ID$|CACHE_KEY|_KEY_ID$")
PLACEHOLDER = re.compile(
    r"your|example|placeholder|changeme|change_me|replace|dummy|xxxx|[<>{}$%*]|\.\.\.",
    re.I,
)
MIN_NAMED_LENGTH = 16
MIN_ENTROPY = 3.3
MASK_LENGTH = 4


@record
class Candidate:
    """A literal value and the name and key path it is written under."""

    path: str
    label: str
    name: str
    scalar: Scalar
    wrangler: bool


def check(audit: Audit) -> Iterator[Finding]:
    """Yield one error per literal that looks like a credential."""
    for candidate in (*_wrangler_values(audit), *_workflow_values(audit)):
        value = candidate.scalar.value
        if not isinstance(value, str):
            continue
        kind = _classify(candidate.name, value.strip())
        if kind is not None:
            yield _finding(candidate, value.strip(), kind)


def _wrangler_values(audit: Audit) -> Iterator[Candidate]:
    """Yield every value of every `vars` table of every config."""
    for config in audit.configs:
        for block in config.blocks():
            variables = block.node.mapping("vars")
            if variables is None:
                continue
            for name, node in variables.items():
                label = f"{block.prefix}vars.{name}"
                for scalar in walk_scalars(node):
                    yield Candidate(config.path, label, name, scalar, True)


def _workflow_values(audit: Audit) -> Iterator[Candidate]:
    """Yield every value under `env:`, `with:` and `secrets:` of workflows."""
    for workflow in audit.workflows:
        yield from _mapping_values(workflow.path, "env", workflow.env)
        for job in workflow.jobs:
            prefix = f"jobs.{job.id}"
            yield from _mapping_values(workflow.path, f"{prefix}.env", job.env)
            yield from _mapping_values(workflow.path, f"{prefix}.with", job.with_)
            secrets = job.node.mapping("secrets")
            yield from _mapping_values(workflow.path, f"{prefix}.secrets", secrets)
            for step in job.steps:
                yield from _step_values(workflow.path, f"{prefix}.steps", step)
    for action in audit.actions.values():
        for step in action.steps:
            yield from _step_values(action.path, "runs.steps", step)


def _step_values(path: str, prefix: str, step: Step) -> Iterator[Candidate]:
    """Yield the values of one step's `env:` and `with:`."""
    key = step.id or step.name or str(step.index)
    yield from _mapping_values(path, f"{prefix}[{key}].env", step.env)
    yield from _mapping_values(path, f"{prefix}[{key}].with", step.with_)


def _mapping_values(path: str, label: str, node: Mapping | None) -> Iterator[Candidate]:
    """Yield the scalars under each key of a mapping."""
    if node is None:
        return
    for name, value in node.items():
        for scalar in walk_scalars(value):
            yield Candidate(path, f"{label}.{name}", name, scalar, False)


def _classify(name: str, value: str) -> str | None:
    """Return what credential the value looks like, or None."""
    # Public values shaped like secrets (a Supabase anon key is a JSON Web
    # Token) are reported too; `run:` scripts and `[define]` are not read.
    if "${{" in value or len(value) < 8:
        return None
    for pattern, kind in PATTERNS:
        if pattern.search(value):
            return kind
    if _cloudflare_token(value):
        return "a Cloudflare API token"
    if CLOUDFLARE_GLOBAL_KEY.fullmatch(value):
        return "a Cloudflare global API key"
    if _secret_name(name) and _random_looking(value):
        return "a secret"
    return None


def _cloudflare_token(value: str) -> bool:
    """Return whether the value has the shape of a Cloudflare API token."""
    if not CLOUDFLARE_TOKEN.fullmatch(value):
        return False
    classes = (r"[a-z]", r"[A-Z]", r"[0-9]")
    return all(re.search(c, value) for c in classes) and _entropy(value) >= 4.0


def _secret_name(name: str) -> bool:
    """Return whether a variable name says it holds a secret."""
    snake = _snake(name)
    return bool(SECRET_NAME.search(snake)) and not PUBLIC_NAME.search(snake)


def _snake(name: str) -> str:
    """Return a name as UPPER_SNAKE_CASE (`apiToken` -> `API_TOKEN`)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper().replace("-", "_")


def _random_looking(value: str) -> bool:
    """Return whether a literal is long, unpredictable and not a placeholder."""
    if len(value) < MIN_NAMED_LENGTH or re.search(r"\s|://", value):
        return False
    if PLACEHOLDER.search(value) or value.lower() in ("true", "false", "null"):
        return False
    classes = sum(bool(re.search(c, value)) for c in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 2 and _entropy(value) >= MIN_ENTROPY


def _entropy(value: str) -> float:
    """Return the Shannon entropy of the value, in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _finding(candidate: Candidate, value: str, kind: str) -> Finding:
    """Return the error, showing only the start of the value."""
    masked = mask(value)
    if candidate.wrangler:
        store = f"`wrangler secret put {candidate.name}`"
    else:
        secret = _snake(candidate.name)
        store = f"a GitHub secret read as `${{{{ secrets.{secret} }}}}`"
    return Finding(
        rule_id=META.id,
        severity=META.severity,
        message=(
            f"`{candidate.label}` holds a literal that looks like {kind} (`{masked}`)"
        ),
        help=f"delete `{masked}` from the file, rotate it, and store it with {store}",
        location=Location(candidate.path, candidate.scalar.span),
        key=candidate.label,
    )


def mask(value: str) -> str:
    """Return the first characters of a value and an ellipsis, never all of it."""
    return value[:MASK_LENGTH] + "…"
