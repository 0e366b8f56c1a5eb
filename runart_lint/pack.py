"""The deployment plan as data: rule packs, their schema and their loading."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

from runart_lint.loaders.cache import ParseCache, parse_toml
from runart_lint.loaders.tree import (
    Mapping,
    Node,
    Sequence,
    Span,
    to_python,
)
from runart_lint.records import dataclass_mirror, field, from_mirror, record

logger = logging.getLogger(__name__)

DEFAULT_PACK = "runart-foundry"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Models are plain records so that a run with an already validated pack never
# imports pydantic (about 0.1 s); pydantic validates their dataclass mirrors
# on a cache miss, with unknown keys refused.
_STRICT: dict[str, Any] = {"extra": "forbid"}


@record
class TriggerSpec:
    """An event that should start a stage's workflow."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    event: str
    branches: tuple[str, ...] = ()


@record
class StageSpec:
    """One stage of the promotion path."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    name: str
    description: str = ""
    deployed: bool = True
    kind: Literal["pages", "worker"] = "pages"
    project: str | None = None
    branch: str | None = None
    config: str | None = None
    config_env: str | None = None
    workflow: str | None = None
    triggers: tuple[TriggerSpec, ...] = ()
    bindings: tuple[str, ...] = ()
    vars: dict[str, str] = field(default_factory=dict)
    project_variable: str | None = None
    github_environment: str | None = None


@record
class CredentialSpec:
    """A credential every deploy job needs, under one agreed name."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    env: tuple[str, ...] = ()


@record
class SecretsSpec:
    """The unified secret names of the plan."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    credentials: tuple[CredentialSpec, ...] = ()
    variables: tuple[str, ...] = ()


@record
class RollbackSpec:
    """Whether production must be restorable by hand, and how."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    required: bool = True
    stage: str = "production"
    workflow: str | None = None


@record
class PackInfo:
    """What the pack is and which branch production deploys from."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    name: str
    description: str = ""
    production_branch: str = "main"
    log: str | None = None


@record
class Pack:
    """A whole deployment plan."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    pack: PackInfo
    stages: tuple[StageSpec, ...]
    promotion: tuple[str, ...] = ()
    secrets: SecretsSpec = SecretsSpec()
    rollback: RollbackSpec = RollbackSpec()

    def stage(self, name: str) -> StageSpec | None:
        """Return the stage called `name`."""
        return next((s for s in self.stages if s.name == name), None)

    def deployed_stages(self) -> tuple[StageSpec, ...]:
        """Return the stages a workflow deploys, in promotion order."""
        order = {name: index for index, name in enumerate(self.promotion)}
        stages = [s for s in self.stages if s.deployed]
        return tuple(sorted(stages, key=lambda s: order.get(s.name, len(order))))

    def previous_stage(self, name: str) -> StageSpec | None:
        """Return the deployed stage that must come right before `name`."""
        deployed = [s for s in self.deployed_stages() if s.name in self.promotion]
        names = [s.name for s in deployed]
        if name not in names or names.index(name) == 0:
            return None
        return deployed[names.index(name) - 1]


@record
class LoadedPack:
    """A validated pack, where it came from, and the spans of its stages."""

    pack: Pack
    path: str
    text: str
    tree: Mapping
    builtin: bool

    def stage_span(self, name: str) -> Span:
        """Return where the stage called `name` is declared in the pack file."""
        stages = self.tree.sequence("stages")
        for node in stages or ():
            if isinstance(node, Mapping) and node.text("name") == name:
                return node.key_span("name")
        return Span.point(1, 1)


class PackError(Exception):
    """A pack that cannot be used, with the file, key path and expectation."""

    def __init__(self, path: str, message: str, span: Span | None = None) -> None:
        where = f"{path}:{span.line}:{span.col}" if span else path
        super().__init__(f"{message} ({where})")
        self.path = path
        self.span = span
        self.detail = message


def builtin_packs() -> dict[str, Path]:
    """Return the packs shipped with the tool, by name."""
    return {path.stem: path for path in _packs_dir().glob("*.toml")}


def load_pack(spec: str | None, cache: ParseCache | None = None) -> LoadedPack:
    """Load a pack by built-in name or file path and validate it.

    With `cache`, the pack's TOML is parsed once and read from the cache on
    later runs, which then never import tomllib.
    """
    name = spec or DEFAULT_PACK
    builtin = builtin_packs()
    if name in builtin:
        path = builtin[name]
        return _load_file(path, f"<builtin>/{name}.toml", builtin=True, cache=cache)
    path = Path(name)
    if not path.is_file():
        known = ", ".join(sorted(builtin)) or "none"
        raise PackError(
            name, f"no rule pack at this path or by this name (built-in: {known})"
        )
    return _load_file(path, str(path), builtin=False, cache=cache)


@functools.lru_cache(maxsize=8)
def _load_cached(
    path: Path, shown: str, builtin: bool, mtime: float, cache: ParseCache | None
) -> LoadedPack:
    """Parse and validate one pack file; cached per file and modification time."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PackError(shown, f"cannot read rule pack: {error}") from None

    parsed = parse_toml(shown, text, cache)
    if parsed.diagnostics or not isinstance(parsed.root, Mapping):
        first = parsed.diagnostics[0] if parsed.diagnostics else None
        message = first.message if first else "rule pack is not a TOML table"
        raise PackError(shown, message, first.span if first else None)

    data = to_python(parsed.root)
    pack = _from_cache(text, data, cache)
    if pack is None:
        pack = _validate(shown, parsed.root, data)
        if cache is not None and _rebuilds(data, pack):
            cache.remember_valid("pack", text)
    return LoadedPack(pack, shown, text, parsed.root, builtin)


def _load_file(
    path: Path, shown: str, *, builtin: bool, cache: ParseCache | None
) -> LoadedPack:
    """Load a pack file through the cache."""
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise PackError(shown, f"cannot read rule pack: {error.strerror}") from None
    return _load_cached(path, shown, builtin, mtime, cache)


def _validate(path: str, root: Mapping, data: object) -> Pack:
    """Validate pack data with pydantic and cross-check its references."""
    from pydantic import TypeAdapter, ValidationError

    try:
        pack: Pack = from_mirror(
            TypeAdapter(dataclass_mirror(Pack)).validate_python(data)
        )
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        expected = _expectation(first["type"], first["msg"])
        raise _error_at(path, root, location, expected) from None

    _check_references(path, root, pack)
    return pack


def _expectation(kind: str, message: str) -> str:
    """Return pydantic's message the way our messages read."""
    if kind == "unexpected_keyword_argument":
        return "unknown key"
    if kind in ("missing_argument", "missing"):
        return "required key is missing"
    text = re.sub(r"\s+", " ", message)
    return text[0].lower() + text[1:]


def _check_references(path: str, root: Mapping, pack: Pack) -> None:
    """Check what types cannot: names, paths, events and references between keys."""
    problem = _first_problem(pack)
    if problem is not None:
        location, expected = problem
        raise _error_at(path, root, location, expected)


Problem = tuple[tuple[object, ...], str]


def _first_problem(pack: Pack) -> Problem | None:
    """Return the first cross-key problem of a pack, with its key path."""
    checks = (
        _name_problems,
        _promotion_problems,
        _stage_problems,
        _credential_problems,
        _rollback_problems,
    )
    for check in checks:
        for problem in check(pack):
            return problem
    return None


def _name_problems(pack: Pack) -> Iterator[Problem]:
    """Yield bad or repeated names."""
    if not _NAME.match(pack.pack.name):
        yield ("pack", "name"), _NAME_RULE
    names = [stage.name for stage in pack.stages]
    for index, name in enumerate(names):
        if not _NAME.match(name):
            yield ("stages", index, "name"), _NAME_RULE
        elif name in names[:index]:
            yield ("stages", index, "name"), f"stage name `{name}` is already used"


def _promotion_problems(pack: Pack) -> Iterator[Problem]:
    """Yield promotion entries that name no stage, or a stage twice."""
    names = {stage.name for stage in pack.stages}
    for index, name in enumerate(pack.promotion):
        if name not in names:
            yield ("promotion", index), f"`{name}` is not the name of a stage"
        elif name in pack.promotion[:index]:
            yield ("promotion", index), f"stage `{name}` appears twice in the order"
    if not pack.promotion and sum(stage.deployed for stage in pack.stages) > 1:
        yield ("promotion",), "list the stages in the order they are promoted"


def _stage_problems(pack: Pack) -> Iterator[Problem]:
    """Yield paths that leave the repository and events GitHub does not have."""
    for index, stage in enumerate(pack.stages):
        for key in ("config", "workflow"):
            value = getattr(stage, key)
            if value is not None and not _inside_repository(value):
                yield ("stages", index, key), _PATH_RULE
        for number, trigger in enumerate(stage.triggers):
            if trigger.event not in GITHUB_EVENTS:
                location = ("stages", index, "triggers", number, "event")
                yield location, f"`{trigger.event}` is not a GitHub Actions event"


def _credential_problems(pack: Pack) -> Iterator[Problem]:
    """Yield badly written credential names and aliases of themselves."""
    for index, credential in enumerate(pack.secrets.credentials):
        location = ("secrets", "credentials", index)
        if not _SECRET_NAME.match(credential.name):
            yield (*location, "name"), "use upper-case letters, digits and `_`"
        if credential.name in credential.aliases:
            yield (
                (*location, "aliases"),
                (f"`{credential.name}` cannot be an alias of itself"),
            )


def _rollback_problems(pack: Pack) -> Iterator[Problem]:
    """Yield a rollback requirement on a stage that does not exist."""
    names = {stage.name for stage in pack.stages}
    if pack.rollback.required and pack.rollback.stage not in names:
        yield (
            ("rollback", "stage"),
            (f"`{pack.rollback.stage}` is not the name of a stage"),
        )
    workflow = pack.rollback.workflow
    if workflow is not None and not _inside_repository(workflow):
        yield ("rollback", "workflow"), _PATH_RULE


def _inside_repository(path: str) -> bool:
    """Return whether a pack path is relative, POSIX and stays in the repository."""
    parts = path.split("/")
    return not path.startswith("/") and ".." not in parts and "\\" not in path


_NAME_RULE = "use letters, digits, `.`, `_` and `-`, starting with a letter or digit"
_PATH_RULE = "give a path relative to the repository root, inside it, with `/`"
# The events that can start a workflow (GitHub docs, "Events that trigger
# workflows").
GITHUB_EVENTS = frozenset(
    [
        "branch_protection_rule",
        "check_run",
        "check_suite",
        "create",
        "delete",
        "deployment",
        "deployment_status",
        "discussion",
        "discussion_comment",
        "fork",
        "gollum",
        "issue_comment",
        "issues",
        "label",
        "merge_group",
        "milestone",
        "page_build",
        "public",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "pull_request_target",
        "push",
        "registry_package",
        "release",
        "repository_dispatch",
        "schedule",
        "status",
        "watch",
        "workflow_call",
        "workflow_dispatch",
        "workflow_run",
    ]
)


def _error_at(
    path: str, root: Mapping, location: tuple[object, ...], expected: str
) -> PackError:
    """Return a PackError naming the key path and where it is written."""
    key_path = _key_path(location)
    message = (
        f"invalid rule pack: `{key_path}`: {expected}"
        if key_path
        else (f"invalid rule pack: {expected}")
    )
    return PackError(path, message, _span_at(root, location))


def _from_cache(text: str, data: object, cache: ParseCache | None) -> Pack | None:
    """Return the pack without pydantic when this code validated this text before."""
    if cache is None or not cache.validated("pack", text):
        return None
    try:
        return _build_pack(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        logger.debug("ignoring a pack cache entry that does not fit the schema")
        return None


def _rebuilds(data: object, pack: Pack) -> bool:
    """Return whether the raw data alone gives the pack pydantic gave.

    A pack whose values pydantic had to convert is validated on every run, so
    that no run reads an unconverted value from a remembered text. Compared
    by `repr`, since `1 == True` and `1 == 1.0` would hide a conversion.
    """
    try:
        return repr(_build_pack(data)) == repr(pack)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _build_pack(data: Any) -> Pack:
    """Build the records from data that validated before."""
    secrets = data.get("secrets", {})
    return Pack(
        pack=_make(PackInfo, data["pack"]),
        stages=tuple(_build_stage(stage) for stage in data["stages"]),
        promotion=tuple(data.get("promotion", ())),
        secrets=SecretsSpec(
            credentials=tuple(
                _make(CredentialSpec, c, tuples=("aliases", "inputs", "env"))
                for c in secrets.get("credentials", ())
            ),
            variables=tuple(secrets.get("variables", ())),
        ),
        rollback=_make(RollbackSpec, data.get("rollback", {})),
    )


def _build_stage(data: Any) -> StageSpec:
    """Build one stage from validated data."""
    triggers = tuple(
        _make(TriggerSpec, t, tuples=("branches",)) for t in data.get("triggers", ())
    )
    fields = {k: v for k, v in data.items() if k != "triggers"}
    stage: StageSpec = _make(
        StageSpec, {**fields, "triggers": triggers}, tuples=("bindings",)
    )
    return stage


def _make(cls: Callable[..., Any], data: Any, tuples: tuple[str, ...] = ()) -> Any:
    """Instantiate `cls` from a dict, turning the named lists into tuples."""
    values = {k: tuple(v) if k in tuples else v for k, v in data.items()}
    return cls(**values)


def _key_path(location: tuple[object, ...]) -> str:
    """Return a pydantic error location as `stages[2].project`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _span_at(root: Mapping, location: tuple[object, ...]) -> Span:
    """Return the span of the deepest node of `location` that exists."""
    node: Node = root
    span = root.span
    for part in location:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node:
            span = node.key_span(part)
            child = node.get(part)
            assert child is not None
            node = child
        elif isinstance(node, Sequence) and isinstance(part, int) and part < len(node):
            node = node.items[part]
            span = node.span
        else:
            break
    return span


def _packs_dir() -> Path:
    """Return the folder of built-in packs: in the wheel, or in a checkout."""
    shipped = Path(__file__).resolve().parent / "packs"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "rules"
