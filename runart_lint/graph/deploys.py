"""Derive what each workflow step deploys: tool, command, project, branch, env."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from runart_lint.graph.expressions import Scope, Value, resolve, resolve_text
from runart_lint.graph.positions import locate
from runart_lint.graph.shell import (
    Word,
    WranglerCommand,
    find_wrangler,
    parse_wrangler_args,
    split_commands,
)
from runart_lint.loaders.tree import Mapping, Scalar, Span
from runart_lint.loaders.workflow import Action, Job, Step, Workflow
from runart_lint.loaders.wrangler import WranglerConfig
from runart_lint.records import field, record

WRANGLER_ACTION = re.compile(r"^cloudflare/wrangler-action(?:@|$)", re.I)
PAGES_ACTION = re.compile(r"^cloudflare/pages-action(?:@|$)", re.I)
DEPLOY_VERBS = frozenset(
    {"deploy", "publish", "pages deploy", "pages publish", "versions deploy"}
)
CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")


@record
class Deploy:
    """One wrangler command a step runs, with every value resolved offline."""

    workflow: Workflow
    job: Job
    step: Step
    path: str
    tool: str
    verb: str
    span: Span
    project: Value | None = None
    branch: Value | None = None
    env: Value | None = None
    action_environment: Value | None = None
    config_flag: Value | None = None
    cwd: str | None = ""
    cwd_value: Value | None = None
    config: WranglerConfig | None = None
    dry_run: bool = False
    secrets_input: Scalar | None = None
    credentials: dict[str, Value] = field(default_factory=dict)
    action: Action | None = None

    @property
    def is_pages(self) -> bool:
        """Return whether this is a Pages deployment."""
        return self.verb.startswith("pages")

    @property
    def is_deploy(self) -> bool:
        """Return whether this puts code in front of traffic."""
        return self.verb in DEPLOY_VERBS and not self.dry_run

    @property
    def disabled(self) -> bool:
        """Return whether its job or step is switched off by a literal `if: false`."""
        return any(always_false(s) for s in (self.job.if_, self.step.if_))

    @property
    def env_name(self) -> str | None:
        """Return the wrangler environment deployed (`--env` or `environment:`)."""
        for value in (self.env, self.action_environment):
            if value is not None and value.text:
                return value.text
        return None

    def describe(self) -> str:
        """Return a short description of the command for messages."""
        return f"`{self.verb}` in {self.step.label()} of job `{self.job.id}`"


def always_false(condition: Scalar | None) -> bool:
    """Return whether an `if:` is the constant false (`false`, `${{ false }}`)."""
    if condition is None:
        return False
    text = condition.text().strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return text.lower() in ("false", "0")


@record
class StepContext:
    """Where a step runs: its workflow, job, env scope and inherited folder."""

    workflow: Workflow
    job: Job
    scope: Scope
    lines: list[str]
    path: str
    default_cwd: Scalar | None
    action: Action | None = None


ConfigFinder = Callable[[str], WranglerConfig | None]


def derive_deploys(
    workflow: Workflow,
    lines: dict[str, list[str]],
    actions: dict[str, Action],
    find_config: ConfigFinder,
) -> Iterator[Deploy]:
    """Yield every wrangler command the workflow's steps run."""
    base = Scope(envs=(workflow.env,) if workflow.env is not None else ())
    for job in workflow.jobs:
        scope = base.inner(job.env)
        default_cwd = job.working_directory or workflow.working_directory
        context = StepContext(
            workflow,
            job,
            scope,
            lines.get(workflow.path, []),
            workflow.path,
            default_cwd,
        )
        copies: dict[str, str] = {}
        in_job = _with_copies(find_config, copies)
        for step in job.steps:
            yield from _step_deploys(context, step, actions, lines, in_job)
            _record_copies(context, step, copies)


def _with_copies(find_config: ConfigFinder, copies: dict[str, str]) -> ConfigFinder:
    """Return a finder that sees configs earlier steps copied into place."""

    def find(path: str) -> WranglerConfig | None:
        return find_config(copies.get(path, path))

    return find


def _record_copies(context: StepContext, step: Step, copies: dict[str, str]) -> None:
    """Remember `cp`/`mv` of a committed wrangler config done by a `run:` step."""
    if step.run is None or "wrangler" not in step.run.text():
        return
    cwd, _ = _cwd(
        step.working_directory,
        context.default_cwd,
        context,
        context.scope.inner(step.env),
    )
    if cwd is None:
        return
    for words in split_commands(step.run.text()):
        texts = [word.text for word in words if not word.text.startswith("-")]
        if len(texts) != 3 or texts[0] not in ("cp", "mv", "install"):
            continue
        source = posixpath.normpath(posixpath.join(cwd, texts[1]))
        target = posixpath.normpath(posixpath.join(cwd, texts[2]))
        if not posixpath.basename(target).startswith("wrangler."):
            target = posixpath.join(target, posixpath.basename(source))
        copies[target] = copies.get(source, source)


def _step_deploys(
    context: StepContext,
    step: Step,
    actions: dict[str, Action],
    lines: dict[str, list[str]],
    find_config: ConfigFinder,
) -> Iterator[Deploy]:
    """Yield the deploys of one step, descending into local composite actions."""
    scope = context.scope.inner(step.env)
    uses = step.uses.text() if step.uses is not None else ""

    if WRANGLER_ACTION.match(uses):
        yield from _wrangler_action(context, step, scope, find_config)
    elif PAGES_ACTION.match(uses):
        yield _pages_action(context, step, scope, find_config)
    elif uses.startswith("./") and context.action is None:
        action = actions.get(posixpath.normpath(uses[2:]))
        if action is not None:
            inner = _action_context(context, step, scope, action, lines)
            for action_step in action.steps:
                yield from _step_deploys(
                    inner, action_step, actions, lines, find_config
                )
    elif step.run is not None:
        yield from _run_deploys(context, step, scope, find_config)


def _action_context(
    context: StepContext,
    step: Step,
    scope: Scope,
    action: Action,
    lines: dict[str, list[str]],
) -> StepContext:
    """Return the context for a composite action's steps, inputs bound."""
    inputs: list[tuple[str, Scalar]] = []
    with_ = step.with_
    if with_ is not None:
        for key, value in with_.items():
            if isinstance(value, Scalar):
                inputs.append((key, value))
    inner_scope = Scope(scope.envs, tuple(inputs))
    return StepContext(
        context.workflow,
        context.job,
        inner_scope,
        lines.get(action.path, []),
        action.path,
        None,
        action,
    )


def _wrangler_action(
    context: StepContext, step: Step, scope: Scope, find_config: ConfigFinder
) -> Iterator[Deploy]:
    """Yield one deploy per command line of a `cloudflare/wrangler-action` step."""
    with_ = step.with_ or Mapping({}, step.span)
    command = with_.scalar("command")
    cwd, cwd_value = _cwd(with_.scalar("workingDirectory"), None, context, scope)
    environment = _input(with_, "environment", scope)
    credentials = _credentials(with_, scope, ("apiToken", "accountId"))
    common: dict[str, Any] = dict(
        workflow=context.workflow,
        job=context.job,
        step=step,
        path=context.path,
        tool="wrangler-action",
        action_environment=environment,
        secrets_input=with_.scalar("secrets"),
        credentials=credentials,
        action=context.action,
        cwd_value=cwd_value,
    )

    if command is None or not command.text().strip():
        config = _find(find_config, cwd, None)
        yield Deploy(
            verb="deploy",
            span=step.uses.span if step.uses else step.span,
            cwd=cwd,
            config=config,
            **common,
        )
        return

    text = command.text()
    offset = 0
    for line in text.split("\n"):
        parsed = parse_wrangler_args(line, offset)
        offset += len(line) + 1
        if parsed is None or not parsed.subcommand:
            continue
        span = locate(command, context.lines, parsed.start, parsed.end)
        yield _from_command(
            parsed, command, span, context, scope, cwd, find_config, common
        )


def _run_deploys(
    context: StepContext, step: Step, scope: Scope, find_config: ConfigFinder
) -> Iterator[Deploy]:
    """Yield the wrangler commands written in a `run:` script."""
    run = step.run
    assert run is not None
    commands = find_wrangler(run.text())
    if not commands:
        return
    base_cwd, cwd_value = _cwd(
        step.working_directory, context.default_cwd, context, scope
    )
    credentials = _credentials(None, scope, ())
    for parsed in commands:
        cwd = base_cwd
        if parsed.cwd is not None and base_cwd is not None:
            cwd = posixpath.normpath(posixpath.join(base_cwd, parsed.cwd))
        span = locate(run, context.lines, parsed.start, parsed.end)
        common: dict[str, Any] = dict(
            workflow=context.workflow,
            job=context.job,
            step=step,
            path=context.path,
            tool="run",
            credentials=credentials,
            action=context.action,
            cwd_value=cwd_value,
            action_environment=None,
            secrets_input=None,
        )
        yield _from_command(parsed, run, span, context, scope, cwd, find_config, common)


def _from_command(
    parsed: WranglerCommand,
    scalar: Scalar,
    span: Span,
    context: StepContext,
    scope: Scope,
    cwd: str | None,
    find_config: ConfigFinder,
    common: dict[str, Any],
) -> Deploy:
    """Build the deploy record for one parsed wrangler command."""

    def value(*names: str) -> Value | None:
        word = parsed.flag(*names)
        if word is None:
            return None
        return _word_value(word, scalar, context, scope)

    if parsed.flag("--cwd") is not None and cwd is not None:
        flag_cwd = parsed.flag("--cwd")
        assert flag_cwd is not None
        cwd = posixpath.normpath(posixpath.join(cwd, flag_cwd.text))

    config_flag = value("--config", "-c")
    config = _find(find_config, cwd, config_flag.text if config_flag else None)
    if parsed.verb.startswith("pages") and config_flag is not None:
        # `pages deploy --config` stops with an error before reading anything.
        config = None
    return Deploy(
        verb=parsed.verb,
        span=span,
        project=value("--project-name") or value("--name"),
        branch=value("--branch"),
        env=value("--env", "-e"),
        config_flag=config_flag,
        cwd=cwd,
        config=config,
        dry_run=parsed.has("--dry-run", "--help", "-h", "--version", "-v"),
        **common,
    )


def _pages_action(
    context: StepContext, step: Step, scope: Scope, find_config: ConfigFinder
) -> Deploy:
    """Return the deploy of a `cloudflare/pages-action` step."""
    with_ = step.with_ or Mapping({}, step.span)
    cwd, cwd_value = _cwd(with_.scalar("workingDirectory"), None, context, scope)
    return Deploy(
        workflow=context.workflow,
        job=context.job,
        step=step,
        path=context.path,
        tool="pages-action",
        verb="pages deploy",
        span=step.uses.span if step.uses is not None else step.span,
        project=_input(with_, "projectName", scope),
        branch=_input(with_, "branch", scope),
        cwd=cwd,
        cwd_value=cwd_value,
        config=_find(find_config, cwd, None),
        credentials=_credentials(with_, scope, ("apiToken", "accountId")),
        action=context.action,
    )


def _word_value(
    word: Word, scalar: Scalar, context: StepContext, scope: Scope
) -> Value:
    """Resolve a shell word through the scope, keeping its own span."""
    span = locate(scalar, context.lines, word.start, word.end)
    return resolve_text(word.text, span, scope)


def _input(with_: Mapping, key: str, scope: Scope) -> Value | None:
    """Resolve one action input."""
    scalar = with_.scalar(key)
    return resolve(scalar, scope) if scalar is not None else None


def _credentials(
    with_: Mapping | None, scope: Scope, inputs: tuple[str, ...]
) -> dict[str, Value]:
    """Return where the Cloudflare token and account come from for a command."""
    found: dict[str, Value] = {}
    for key in inputs:
        scalar = with_.scalar(key) if with_ is not None else None
        if scalar is not None:
            found[key] = resolve(scalar, scope)
    for name in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"):
        scalar = scope.env(name)
        if scalar is not None:
            found[name] = resolve(scalar, scope)
    return found


def _cwd(
    scalar: Scalar | None,
    default: Scalar | None,
    context: StepContext,
    scope: Scope,
) -> tuple[str | None, Value | None]:
    """Return the folder a command runs in, relative to the repository root."""
    chosen = scalar if scalar is not None else default
    if chosen is None:
        return "", None
    value = resolve(chosen, scope)
    if value.text is None:
        return None, value
    text = value.text.strip()
    if text.startswith(("${{ github.workspace }}", "$GITHUB_WORKSPACE")):
        text = (
            text.split("}}", 1)[-1]
            if "}}" in text
            else text[len("$GITHUB_WORKSPACE") :]
        )
    text = text.lstrip("/") if text.startswith("/") and chosen is not scalar else text
    normal = posixpath.normpath(text) if text else ""
    return ("" if normal == "." else normal), value


def _find(
    find_config: ConfigFinder, cwd: str | None, flag: str | None
) -> WranglerConfig | None:
    """Return the config wrangler loads from `cwd`: `--config`, or a search upward."""
    if cwd is None:
        return None
    if flag is not None:
        return find_config(posixpath.normpath(posixpath.join(cwd, flag)))
    folder = cwd
    while True:
        for name in CONFIG_NAMES:
            config = find_config(posixpath.join(folder, name) if folder else name)
            if config is not None:
                return config
        if not folder or folder in (".", "/"):
            return None
        folder = posixpath.dirname(folder)
