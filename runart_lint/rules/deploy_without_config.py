"""Report deploys that never read the wrangler config they are meant to apply.

## What it does
For each deploy, finds the config it is supposed to apply: the `config` of the
stage it reaches in the rule pack, or else the one config in the repository
whose `name` is the deployed project or Worker. Reports the deploy when wrangler
loads no config at all from the folder the step runs in, or loads another
file, for example because the step has no `workingDirectory` and the config
lives in a subfolder. A Pages deploy ignores a config without
`pages_build_output_dir` and cannot be pointed at a file with another name than
`wrangler.toml`, `wrangler.json` or `wrangler.jsonc`. A deploy whose folder
holds a config that cannot be parsed is left to `invalid-file`.

## Why is this bad?
When the config is not read, the deployed bindings, vars and compatibility
settings come from the Cloudflare dashboard or from wrangler's defaults, not
from the reviewed file in the repository. Every change to the file looks
deployed and is not; KV bindings the file declares are missing at run time.

## Example
```toml apps/site/wrangler.toml
name = "site"
pages_build_output_dir = "dist"
compatibility_date = "2024-01-01"
```

```yaml .github/workflows/deploy.yml
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
          command: pages deploy apps/site/dist --project-name site
```

Use instead:
```toml apps/site/wrangler.toml
name = "site"
pages_build_output_dir = "dist"
compatibility_date = "2024-01-01"
```

```yaml .github/workflows/deploy.yml
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
          workingDirectory: apps/site
          command: pages deploy dist --project-name site
```

## Known problems
A step whose folder is only known at run time is skipped. A committed
config that an earlier `run:` step of the job copies into place with `cp` or
`mv` is followed; a config a step generates (a heredoc, `envsubst`, a script)
is not seen, so such a deploy may be reported although it does read a config.

## References
- https://developers.cloudflare.com/pages/functions/wrangler-configuration/
- https://github.com/cloudflare/wrangler-action#working-directory
- https://developers.cloudflare.com/workers/wrangler/configuration/
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from runart_lint.findings import Confidence, Finding, Location, Severity
from runart_lint.graph.deploys import CONFIG_NAMES, Deploy
from runart_lint.graph.model import Audit
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.rules.base import RuleMeta

META = RuleMeta(
    id="deploy-without-config",
    summary="a deploy never loads the wrangler config it is supposed to apply",
    severity=Severity.ERROR,
    inputs=("pack", "wrangler", "workflows"),
)


def check(audit: Audit) -> Iterator[Finding]:
    """Yield a finding for each deploy that reads no config or the wrong one."""
    for deploy in audit.real_deploys():
        # A config an earlier step generates is not seen, so such a deploy is
        # reported although it does read a config; `cp`/`mv` copies are.
        if deploy.cwd is None:
            continue
        expected, from_plan = _expected(audit, deploy)
        loaded = _loaded(deploy)
        if loaded is None and _unreadable_config(audit, deploy):
            continue  # it reads a config that cannot be parsed: `invalid-file`
        if expected is not None and (loaded is None or loaded.path != expected.path):
            yield _finding(deploy, expected, loaded, from_plan)


def _unreadable_config(audit: Audit, deploy: Deploy) -> bool:
    """Return whether the deploy's folder holds a config that was not loaded."""
    folder = deploy.cwd or ""
    names = [posixpath.join(folder, name) if folder else name for name in CONFIG_NAMES]
    if deploy.config_flag is not None and deploy.config_flag.text:
        names = [posixpath.normpath(posixpath.join(folder, deploy.config_flag.text))]
    return any(audit.config(n) is None and audit.present(n) for n in names)


def _expected(audit: Audit, deploy: Deploy) -> tuple[WranglerConfig | None, bool]:
    """Return the config the deploy should apply, and whether the plan names it."""
    stage = audit.stage_of(deploy).stage
    if stage is not None and stage.config is not None:
        config = audit.config(stage.config)
        if config is not None and config.is_pages == deploy.is_pages:
            return config, True

    project = deploy.project.text if deploy.project is not None else None
    if project is None:
        return None, False
    named = [
        c for c in audit.configs if c.is_pages == deploy.is_pages and c.name == project
    ]
    return (named[0] if len(named) == 1 else None), False


def _loaded(deploy: Deploy) -> WranglerConfig | None:
    """Return the config wrangler really applies (Pages ignores Workers configs)."""
    config = deploy.config
    if config is not None and deploy.is_pages and not config.is_pages:
        return None
    return config


def _finding(
    deploy: Deploy,
    expected: WranglerConfig,
    loaded: WranglerConfig | None,
    from_plan: bool,
) -> Finding:
    """Return the finding for one deploy that misses its config."""
    folder = f"`{deploy.cwd}`" if deploy.cwd else "the repository root"
    read = f"reads `{loaded.path}`" if loaded is not None else "reads no config"
    return Finding(
        rule_id=META.id,
        severity=Severity.ERROR if from_plan else Severity.WARNING,
        message=(
            f"{deploy.describe()} runs in {folder} and {read}, so `{expected.path}` "
            "is never applied"
        ),
        help=_help(deploy, expected),
        location=Location(deploy.path, deploy.span),
        key=f"{deploy.job.id}/{deploy.step.index}/{expected.path}",
        confidence=Confidence.HIGH if from_plan else Confidence.MEDIUM,
    )


def _help(deploy: Deploy, expected: WranglerConfig) -> str:
    """Return how to make this kind of step read the config."""
    folder = expected.directory or "."
    if deploy.is_pages and expected.file_name not in CONFIG_NAMES:
        return (
            f"move `{expected.path}` into a folder of its own as `wrangler.toml` "
            "and deploy from there (Pages reads no other file name)"
        )
    if deploy.tool in ("wrangler-action", "pages-action"):
        return (
            f"set `workingDirectory: {folder}` on the step and make its paths "
            "relative to that folder"
        )
    if not deploy.is_pages and expected.file_name not in CONFIG_NAMES:
        relative = posixpath.relpath(expected.path, deploy.cwd or ".")
        return f"pass `--config {relative}` to the command"
    return (
        f"set `working-directory: {folder}` on the step and make its paths "
        "relative to that folder"
    )
