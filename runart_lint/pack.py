"""The deployment plan as data: rule packs, their schema and their loading."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from runart_lint.loaders.toml_doc import load_toml
from runart_lint.loaders.tree import Mapping, Node, Sequence, Span, to_python

DEFAULT_PACK = "runart-foundry"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriggerSpec(_Model):
    """An event that should start a stage's workflow."""

    event: str
    branches: tuple[str, ...] = ()


class StageSpec(_Model):
    """One stage of the promotion path."""

    name: str = Field(pattern=_NAME)
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
    vars: dict[str, str] = Field(default_factory=dict)
    project_variable: str | None = None
    github_environment: str | None = None


class CredentialSpec(_Model):
    """A credential every deploy job needs, under one agreed name."""

    name: str = Field(pattern=r"^[A-Z_][A-Z0-9_]*$")
    description: str = ""
    aliases: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    env: tuple[str, ...] = ()


class SecretsSpec(_Model):
    """The unified secret names of the plan."""

    credentials: tuple[CredentialSpec, ...] = ()
    variables: tuple[str, ...] = ()


class RollbackSpec(_Model):
    """Whether production must be restorable by hand, and how."""

    required: bool = True
    stage: str = "production"
    workflow: str | None = None


class PackInfo(_Model):
    """What the pack is and which branch production deploys from."""

    name: str = Field(pattern=_NAME)
    description: str = ""
    production_branch: str = "main"
    log: str | None = None


class Pack(_Model):
    """A whole deployment plan."""

    pack: PackInfo
    stages: tuple[StageSpec, ...]
    promotion: tuple[str, ...] = ()
    secrets: SecretsSpec = SecretsSpec()
    rollback: RollbackSpec = RollbackSpec()

    @model_validator(mode="after")
    def _check_references(self) -> Pack:
        names = [stage.name for stage in self.stages]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"stage names must be unique, repeated: {duplicates}")
        unknown = [name for name in self.promotion if name not in names]
        if unknown:
            raise ValueError(f"promotion names stages that do not exist: {unknown}")
        if self.rollback.required and self.rollback.stage not in names:
            raise ValueError(f"rollback.stage `{self.rollback.stage}` is not a stage")
        return self

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


@dataclass(frozen=True, slots=True)
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


def load_pack(spec: str | None) -> LoadedPack:
    """Load a pack by built-in name or file path and validate it."""
    name = spec or DEFAULT_PACK
    builtin = builtin_packs()
    if name in builtin:
        return _load_file(builtin[name], f"<builtin>/{name}.toml", builtin=True)
    path = Path(name)
    if not path.is_file():
        known = ", ".join(sorted(builtin)) or "none"
        raise PackError(name, f"no rule pack at this path or by this name (built-in: {known})")
    return _load_file(path, str(path), builtin=False)


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path, shown: str, builtin: bool, mtime: float) -> LoadedPack:
    """Parse and validate one pack file; cached per file and modification time."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PackError(shown, f"cannot read rule pack: {error}") from None

    parsed = load_toml(shown, text)
    if parsed.diagnostics or not isinstance(parsed.root, Mapping):
        first = parsed.diagnostics[0] if parsed.diagnostics else None
        message = first.message if first else "rule pack is not a TOML table"
        raise PackError(shown, message, first.span if first else None)

    try:
        pack = Pack.model_validate(to_python(parsed.root))
    except ValidationError as error:
        raise _pack_error(shown, parsed.root, error) from None
    return LoadedPack(pack, shown, text, parsed.root, builtin)


def _load_file(path: Path, shown: str, *, builtin: bool) -> LoadedPack:
    """Load a pack file through the cache."""
    try:
        mtime = path.stat().st_mtime
    except OSError as error:
        raise PackError(shown, f"cannot read rule pack: {error.strerror}") from None
    return _load_cached(path, shown, builtin, mtime)


def _pack_error(path: str, root: Mapping, error: ValidationError) -> PackError:
    """Return the first validation problem as a PackError with its key path."""
    first = error.errors()[0]
    location = tuple(first["loc"])
    key_path = _key_path(location)
    span = _span_at(root, location)
    expected = first["msg"][0].lower() + first["msg"][1:]
    expected = re.sub(r"\s+", " ", expected)
    message = f"invalid rule pack: `{key_path}`: {expected}" if key_path else (
        f"invalid rule pack: {expected}"
    )
    return PackError(path, message, span)


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
    shipped = Path(str(resources.files("runart_lint"))) / "packs"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "rules"
