"""The configuration file: `.runart-lint.toml` or `[tool.runart-lint]`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
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
from runart_lint.records import (
    dataclass_mirror,
    field,
    fields,
    from_mirror,
    record,
    replace,
)

logger = logging.getLogger(__name__)

# The registered rule ids, or a function that returns them when needed.
RuleIds = frozenset[str] | Callable[[], frozenset[str]]

CONFIG_FILE = ".runart-lint.toml"
PYPROJECT = "pyproject.toml"
SECTION = ("tool", "runart-lint")
SCHEMA_FILE = "config.schema.json"
SCHEMA_ID = (
    "https://raw.githubusercontent.com/runart-lint/runart-lint/main/runart_lint/"
    "config.schema.json"
)
FAIL_ON = ("error", "warning", "note", "never")
DEFAULT_FAIL_ON = "warning"
_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_DEADLINE = 3600


def _kebab(name: str) -> str:
    """Return the key a field is written under in the file: `fail_on` as `fail-on`."""
    return name.replace("_", "-")


# The models are plain records so that a run whose configuration validated
# before never imports pydantic (about 0.1 s of a hook's run); pydantic
# validates their dataclass mirrors on a cache miss and writes the JSON schema.
_STRICT: dict[str, Any] = {
    "extra": "forbid",
    "alias_generator": _kebab,
    "use_attribute_docstrings": True,
}


@record
class LiveConfig:
    """Settings of live audits; tokens are read from the environment only."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    repository: str | None = None
    """The GitHub repository as `owner/name` (else `GITHUB_REPOSITORY`)."""
    account_id: str | None = None
    """The Cloudflare account id (else `CLOUDFLARE_ACCOUNT_ID`)."""
    github_api_url: str | None = None
    """The GitHub API base URL (else `GITHUB_API_URL`)."""
    cloudflare_api_url: str | None = None
    """The Cloudflare API base URL (else `CLOUDFLARE_API_BASE_URL`)."""
    deadline: float | None = None
    """The time the whole live audit may take, in seconds (default: 60)."""


@record
class Config:
    """runart-lint's configuration, as written in the file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    pack: str | None = None
    """A built-in pack name, or a pack file relative to this file's folder."""
    include: tuple[str, ...] = ()
    """Audit only files under these folders or matching these globs."""
    exclude: tuple[str, ...] = ()
    """Skip files under these folders or matching these globs."""
    select: tuple[str, ...] = ()
    """Run only these rules (default: every rule)."""
    ignore: tuple[str, ...] = ()
    """Skip these rules."""
    severity: dict[str, Literal["error", "warning", "note"]] = field(
        default_factory=dict
    )
    """Severity overrides: rule id to `error`, `warning` or `note`."""
    fail_on: Literal["error", "warning", "note", "never"] | None = None
    """Exit 1 when a finding is this severe or worse (default: `warning`)."""
    baseline: str | None = None
    """A baseline file, relative to this file's folder: its findings are not shown."""
    log: str | None = None
    """The deployment log, relative to the repository (overrides the pack's)."""
    live: LiveConfig = field(default_factory=LiveConfig)
    """Settings of live audits."""


@record
class LoadedConfig:
    """A validated configuration and the file it came from."""

    config: Config
    path: Path
    shown: str

    @property
    def folder(self) -> Path:
        """Return the folder relative paths in the file are resolved from."""
        return self.path.parent

    def resolve(self, value: str) -> str:
        """Return a path written in the file as a path usable from here."""
        path = Path(value)
        return str(path if path.is_absolute() else self.folder / path)


class ConfigError(Exception):
    """A configuration that cannot be used: the file, the key, what is allowed."""

    def __init__(
        self, path: str, message: str, span: Span | None = None, help_text: str = ""
    ) -> None:
        where = f"{path}:{span.line}:{span.col}" if span else path
        super().__init__(f"{message} ({where})")
        self.path = path
        self.span = span
        self.help_text = help_text or f"fix the configuration in {path}"


def find_config(root: Path, cache: ParseCache | None = None) -> Path | None:
    """Return the configuration file of the repository at `root`, if any.

    `.runart-lint.toml` comes first; `pyproject.toml` counts only when it has a
    `[tool.runart-lint]` table.
    """
    dedicated = root / CONFIG_FILE
    pyproject = root / PYPROJECT
    has_section = pyproject.is_file() and _mentions_section(pyproject, cache)
    if dedicated.is_file():
        if has_section:
            logger.warning(
                "%s takes precedence over [tool.runart-lint] in %s",
                CONFIG_FILE,
                PYPROJECT,
            )
        return dedicated
    return pyproject if has_section else None


def load_config(
    path: Path, known_rules: RuleIds, cache: ParseCache | None = None
) -> LoadedConfig:
    """Read, parse and validate a configuration file.

    `known_rules` may be a function returning the registered rule ids: it is
    called only for a configuration that names rules, since finding them
    means importing every rule module.
    """
    shown = _shown(path)
    text = _read(path, shown)
    section = _section(path, shown, text, cache)
    data = to_python(section)

    config = _from_cache(text, data, cache)
    if config is None:
        config = _validate(shown, section, data)
        _check_values(shown, section, config, known_rules)
        if cache is not None and _rebuilds(data, config):
            cache.remember_valid("config", text)
    else:
        # Cheap, and a marker written before a check was added must not skip it.
        _check_values(shown, section, config, known_rules)
    return LoadedConfig(config, path, shown)


def config_schema(rule_ids: frozenset[str]) -> dict[str, Any]:
    """Return the JSON schema of the configuration (of the `.runart-lint.toml` file).

    `rule_ids` are the registered rules: the only keys `[severity]` accepts.
    """
    from pydantic import TypeAdapter

    schema = TypeAdapter(dataclass_mirror(Config)).json_schema(by_alias=True)
    _add_patterns(schema, rule_ids)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "runart-lint configuration",
    }


def render_schema(rule_ids: frozenset[str]) -> str:
    """Return the JSON schema as the text shipped in the package."""
    import json

    return json.dumps(config_schema(rule_ids), indent=2, sort_keys=True) + "\n"


def _add_patterns(schema: dict[str, Any], rule_ids: frozenset[str]) -> None:
    """Add to the schema the checks `_check_values` makes beyond types."""
    rule_id = {"pattern": _RULE_ID.pattern}
    properties = schema["properties"]
    for key in ("select", "ignore"):
        properties[key]["items"].update(rule_id)
    properties["severity"]["propertyNames"] = {"enum": sorted(rule_ids)}

    live = schema["$defs"]["LiveConfig"]["properties"]
    live["repository"]["anyOf"][0]["pattern"] = _REPOSITORY.pattern
    live["account-id"]["anyOf"][0]["pattern"] = _ACCOUNT_ID.pattern
    live["deadline"]["anyOf"][0].update(exclusiveMinimum=0, maximum=MAX_DEADLINE)


def _shown(path: Path) -> str:
    """Return the path as messages show it: relative to here when below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _read(path: Path, shown: str) -> str:
    """Return the file's text, or raise a ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            shown,
            f"cannot read configuration: {error.strerror}",
            help_text="make the file readable",
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            shown,
            "configuration is not valid UTF-8",
            help_text="save the file as UTF-8",
        ) from None


def _mentions_section(pyproject: Path, cache: ParseCache | None) -> bool:
    """Return whether `pyproject.toml` has a `[tool.runart-lint]` table."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "runart-lint" not in text:
        return False
    parsed = parse_toml(PYPROJECT, text, cache)
    if parsed.diagnostics or not isinstance(parsed.root, Mapping):
        return True  # load_config reports the syntax error
    tool = parsed.root.mapping("tool")
    return tool is not None and "runart-lint" in tool


def _section(path: Path, shown: str, text: str, cache: ParseCache | None) -> Mapping:
    """Return the table holding the configuration, refusing syntax errors."""
    parsed = parse_toml(shown, text, cache)
    if parsed.diagnostics:
        first = parsed.diagnostics[0]
        raise ConfigError(
            shown, f"invalid configuration: {first.message}", first.span, first.help
        )
    root = parsed.root
    assert isinstance(root, Mapping)  # a TOML document is always a table
    if path.name != PYPROJECT:
        return root

    tool = root.mapping("tool")
    section = tool.get("runart-lint") if tool is not None else None
    if not isinstance(section, Mapping):
        span = tool.key_span("runart-lint") if tool is not None else root.span
        raise ConfigError(
            shown,
            "invalid configuration: `tool.runart-lint` must be a table",
            span,
            "write the settings under [tool.runart-lint]",
        )
    return section


def _validate(shown: str, section: Mapping, data: object) -> Config:
    """Validate the data with pydantic, raising the first problem as a ConfigError."""
    from pydantic import TypeAdapter, ValidationError

    try:
        config: Config = from_mirror(
            TypeAdapter(dataclass_mirror(Config)).validate_python(data)
        )
    except ValidationError as error:
        raise _error_from(shown, section, error.errors()[0]) from None
    return config


def _error_from(shown: str, section: Mapping, error: Any) -> ConfigError:
    """Return a pydantic error as a ConfigError naming the key and what is allowed."""
    location = tuple(error["loc"])
    key = _key_path(location)
    span = _span_at(section, location)
    if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        return _unknown_key(shown, location, span)

    allowed = _allowed(error)
    got = _shown_value(error.get("input"))
    return ConfigError(
        shown,
        f"invalid configuration: `{key}` must be {allowed}, not {got}",
        span,
        f"set `{key}` to {allowed}",
    )


def _unknown_key(shown: str, location: tuple[object, ...], span: Span) -> ConfigError:
    """Return the error for a key the configuration does not have."""
    model: type = LiveConfig if location[:1] == ("live",) else Config
    names = sorted(_kebab(f.name) for f in fields(model))
    table = ".".join(SECTION) if shown.endswith(PYPROJECT) else ""
    if model is LiveConfig:
        table = f"{table}.live" if table else "live"
    where = f"[{table}]" if table else "the configuration"
    name = str(location[-1])
    hint = _close_match(name, names)
    help_text = f"did you mean `{hint[0]}`? " if hint else ""
    if model is LiveConfig and "token" in name.lower():
        help_text = "tokens are read from the environment only; "
    return ConfigError(
        shown,
        f"invalid configuration: unknown key `{name}` in {where}",
        span,
        f"{help_text}allowed keys: {', '.join(names)}",
    )


def _allowed(error: Any) -> str:
    """Return what the value should have been, in the words of the file."""
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "literal_error":
        return f"one of {context.get('expected', '')}".replace(" or ", ", ")
    words = {
        "tuple_type": "a list of strings",
        "list_type": "a list of strings",
        "string_type": "a string",
        "float_type": "a number",
        "float_parsing": "a number",
        "dict_type": "a table",
        "dataclass_type": "a table",
    }
    return words.get(kind, re.sub(r"^Input should be ", "", error["msg"]))


def _shown_value(value: object) -> str:
    """Return a value for a message: TOML-like and short."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return f"`{text}`" if len(text) <= 40 else f"`{text[:37]}...`"


def _check_values(
    shown: str, section: Mapping, config: Config, known_rules: RuleIds
) -> None:
    """Check what types cannot: rule ids, names and numbers."""
    for key in ("select", "ignore"):
        for index, rule_id in enumerate(getattr(config, key)):
            _check_rule(shown, section, (key, index), rule_id, known_rules)
    for rule_id in config.severity:
        _check_rule(shown, section, ("severity", rule_id), rule_id, known_rules)

    live = config.live
    checks = (
        ("repository", live.repository, _REPOSITORY, "`owner/name`"),
        ("account-id", live.account_id, _ACCOUNT_ID, "32 lowercase hex digits"),
    )
    for key, value, pattern, expected in checks:
        if value is not None and not pattern.match(value):
            _raise_value(shown, section, ("live", key), expected, value)
    for key, value in (
        ("github-api-url", live.github_api_url),
        ("cloudflare-api-url", live.cloudflare_api_url),
    ):
        if value is not None and (problem := _url_problem(value)) is not None:
            _raise_value(shown, section, ("live", key), problem, value)
    if live.deadline is not None and not 0 < live.deadline <= MAX_DEADLINE:
        _raise_value(
            shown,
            section,
            ("live", "deadline"),
            f"a number of seconds above 0 and at most {MAX_DEADLINE}",
            live.deadline,
        )


def _url_problem(value: str) -> str | None:
    """Return what an API base URL should be when it cannot be used, else None.

    The same rules as the live settings apply, so a bad URL fails when the file
    loads rather than only under `--live`.
    """
    import urllib.parse  # only a configuration with API URLs pays for it

    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:  # an unclosed `[` of an IPv6 address, a bad port
        return "an http(s) URL"
    if parts.scheme not in ("http", "https") or not host:
        return "an http(s) URL"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "a URL without credentials, a query or a fragment"
    if parts.scheme == "http" and not _loopback(host):
        return "an https:// URL (plain http only to this machine)"
    return None


def _loopback(host: str) -> bool:
    """Return whether `host` names this machine."""
    import ipaddress  # only a configuration with API URLs pays for it

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_rule(
    shown: str,
    section: Mapping,
    location: tuple[object, ...],
    rule_id: str,
    known_rules: RuleIds,
) -> None:
    """Refuse a rule id that no rule has."""
    if callable(known_rules):
        known_rules = known_rules()
    if rule_id in known_rules:
        return
    key = _key_path(location)
    hint = _close_match(rule_id, sorted(known_rules))
    help_text = f"did you mean `{hint[0]}`? " if hint else ""
    raise ConfigError(
        shown,
        f"invalid configuration: `{key}`: unknown rule id `{rule_id}`",
        _span_at(section, location),
        f"{help_text}run `runart-lint rules` to list the rule ids",
    )


def _raise_value(
    shown: str,
    section: Mapping,
    location: tuple[object, ...],
    expected: str,
    value: object,
) -> None:
    """Raise the error for a value of the right type but the wrong shape."""
    key = _key_path(location)
    raise ConfigError(
        shown,
        f"invalid configuration: `{key}` must be {expected}, not {_shown_value(value)}",
        _span_at(section, location),
        f"set `{key}` to {expected}",
    )


def _close_match(name: str, names: list[str]) -> list[str]:
    """Return the allowed name `name` is most likely a typo of, if any."""
    import difflib

    return difflib.get_close_matches(name, names, n=1)


def _key_path(location: tuple[object, ...]) -> str:
    """Return an error location as `select[2]` or `live.timeout`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _span_at(section: Mapping, location: tuple[object, ...]) -> Span:
    """Return where the deepest existing key or item of `location` is written."""
    node: Node = section
    span = section.span
    for part in location:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node:
            entry = node.entry(part)
            assert entry is not None
            span, node = entry.key_span, entry.value
        elif isinstance(node, Sequence) and isinstance(part, int) and part < len(node):
            node = node.items[part]
            span = node.span
        else:
            break
    return span


def _from_cache(text: str, data: object, cache: ParseCache | None) -> Config | None:
    """Return the configuration without pydantic when this code validated it before.

    Rule ids are checked on every load, so the marker does not depend on them.
    """
    if cache is None or not cache.validated("config", text):
        return None
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        logger.debug("ignoring a configuration cache entry that does not fit")
        return None


def _rebuilds(data: object, config: Config) -> bool:
    """Return whether the raw data alone gives the configuration pydantic gave.

    pydantic converts some values (`deadline = "5"` becomes 5.0); a text whose
    data needs converting is not remembered, so every run validates it and no
    run reads the unconverted value. Compared by `repr`, since `1 == True`
    and `1 == 1.0` would hide a conversion.
    """
    try:
        return repr(_build(data)) == repr(config)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _build(data: Any) -> Config:
    """Build the records from data that validated before."""
    values = {key.replace("-", "_"): value for key, value in data.items()}
    live = values.pop("live", {})
    for key in ("include", "exclude", "select", "ignore"):
        if key in values:
            values[key] = tuple(values[key])
    live_values = {key.replace("-", "_"): value for key, value in live.items()}
    return Config(**values, live=LiveConfig(**live_values))


@record
class Settings:
    """What one run uses: the configuration with the command line's flags applied."""

    pack: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = DEFAULT_FAIL_ON
    baseline: str | None = None
    log: str | None = None
    live: LiveConfig = field(default_factory=LiveConfig)
    source: str | None = None


def settings_for(loaded: LoadedConfig | None, flags: dict[str, Any]) -> Settings:
    """Return the settings of a run: a flag given on the command line wins.

    `flags` maps setting names to the command line's values, None when the
    flag was not given. Paths from the file are made relative to here.
    """
    base = _file_settings(loaded) if loaded is not None else Settings()
    given = {key: value for key, value in flags.items() if value is not None}
    for key in ("select", "ignore"):
        if key in given:
            given[key] = frozenset(given[key])
    for key in ("include", "exclude"):
        if key in given:
            given[key] = tuple(given[key])
    return replace(base, **given)


def _file_settings(loaded: LoadedConfig) -> Settings:
    """Return the settings the configuration file alone asks for."""
    config = loaded.config
    pack = config.pack
    if pack is not None and ("/" in pack or pack.endswith(".toml")):
        pack = loaded.resolve(pack)
    return Settings(
        pack=pack,
        include=config.include,
        exclude=config.exclude,
        select=frozenset(config.select),
        ignore=frozenset(config.ignore),
        severity=dict(config.severity),
        fail_on=config.fail_on or DEFAULT_FAIL_ON,
        baseline=loaded.resolve(config.baseline) if config.baseline else None,
        log=config.log,
        live=config.live,
        source=loaded.shown,
    )
