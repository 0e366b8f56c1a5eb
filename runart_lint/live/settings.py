"""Live-audit settings from the environment, named as GitHub Actions and wrangler do.

Tokens: `GH_TOKEN` or `GITHUB_TOKEN` (that order, as the GitHub CLI reads
them) and `CLOUDFLARE_API_TOKEN`. Account: `CLOUDFLARE_ACCOUNT_ID`.
Repository: `GITHUB_REPOSITORY`, else the `origin` remote of the checkout.
Base URLs: `GITHUB_API_URL` (GitHub Enterprise too) and
`CLOUDFLARE_API_BASE_URL`. The configuration file's `[live]` table, when it
sets a value, wins over the environment; tokens come from the environment
only.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from runart_lint.live.transport import BACKOFF_BASE
from runart_lint.records import record
from runart_lint.redact import register

if TYPE_CHECKING:
    from runart_lint.config import LiveConfig

DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_CLOUDFLARE_API_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_DEADLINE = 60.0
REQUEST_TIMEOUT = 15.0
# Requests in flight at once: a plan needs a few dozen reads, all latency-bound;
# GitHub starts refusing past 100 concurrent requests (secondary rate limit).
WORKERS = 32

GITHUB_TOKEN_NAMES = ("GH_TOKEN", "GITHUB_TOKEN")
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")
REMOTE_SECTION = re.compile(r'^\s*\[remote\s+"origin"\]\s*$')
REMOTE_URL = re.compile(r"^\s*url\s*=\s*(\S+)\s*$")
REMOTE_PATH = re.compile(r"[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


class SettingsError(Exception):
    """A setting that cannot be used, with what to do about it."""

    def __init__(self, message: str, help_text: str) -> None:
        super().__init__(message)
        self.help_text = help_text


class Secret:
    """A token: registered for masking, and shown as `***` by `repr` and `str`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        register(value)
        self._value = value

    def reveal(self) -> str:
        """Return the token itself, for an Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@record
class GitHubSettings:
    """How to reach the repository's GitHub API."""

    token: Secret | None
    token_name: str
    api_url: str
    repository: str | None
    repository_source: str


@record
class CloudflareSettings:
    """How to reach the Cloudflare account."""

    token: Secret | None
    api_url: str
    account_id: str | None


@record
class Settings:
    """Everything a live audit needs besides the repository itself."""

    github: GitHubSettings
    cloudflare: CloudflareSettings
    deadline: float = DEFAULT_DEADLINE
    request_timeout: float = REQUEST_TIMEOUT
    workers: int = WORKERS
    backoff: float = BACKOFF_BASE


def load_settings(
    root: Path,
    environ: Mapping[str, str],
    deadline: float,
    config: LiveConfig | None = None,
) -> Settings:
    """Read the settings, refusing malformed values with a SettingsError."""
    github_token, token_name = _github_token(environ)
    values = _Values(environ, config)
    repository, source = _repository(root, values)
    github = GitHubSettings(
        token=github_token,
        token_name=token_name,
        api_url=_api_url(
            values.pick("github_api_url", "GITHUB_API_URL"), DEFAULT_GITHUB_API_URL
        ),
        repository=repository,
        repository_source=source,
    )
    cloudflare = CloudflareSettings(
        token=_token(environ, "CLOUDFLARE_API_TOKEN"),
        api_url=_api_url(
            values.pick("cloudflare_api_url", "CLOUDFLARE_API_BASE_URL"),
            DEFAULT_CLOUDFLARE_API_URL,
        ),
        account_id=_account_id(values.pick("account_id", "CLOUDFLARE_ACCOUNT_ID")),
    )
    # Past the deadline the audit stops waiting anyway; a request's own timeout
    # only bounds how long its thread lingers after that.
    timeout = min(REQUEST_TIMEOUT, deadline + 1.0)
    return Settings(github, cloudflare, deadline, timeout)


@record
class _Value:
    """A setting's text and where it was set, as messages name it."""

    text: str
    source: str


@record
class _Values:
    """The configuration's `[live]` table over the environment."""

    environ: Mapping[str, str]
    config: LiveConfig | None

    def pick(self, key: str, variable: str) -> _Value:
        """Return the configuration's value of `key`, else the variable's."""
        configured = getattr(self.config, key, None) if self.config else None
        if configured:
            return _Value(
                str(configured).strip(), f"`{key.replace('_', '-')}` in [live]"
            )
        return _Value(self.environ.get(variable, "").strip(), f"`{variable}`")


def _github_token(environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """Return the first GitHub token set, and the variable it came from."""
    for name in GITHUB_TOKEN_NAMES:
        token = _token(environ, name)
        if token is not None:
            return token, name
    return None, GITHUB_TOKEN_NAMES[0]


def _token(environ: Mapping[str, str], name: str) -> Secret | None:
    """Return a token without surrounding whitespace, refusing inner spaces."""
    value = environ.get(name, "").strip()
    if not value:
        return None
    secret = Secret(value)
    if not TOKEN_CHARACTERS.fullmatch(value):
        raise SettingsError(
            f"`{name}` holds a character no token has (a space, line break or "
            "control character)",
            f"set `{name}` to the token alone",
        )
    return secret


def _api_url(setting: _Value, default: str) -> str:
    """Return a base URL; plain HTTP is allowed only to this machine."""
    value, name = setting.text or default, setting.source
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:  # an unclosed `[` of an IPv6 address, a bad port
        raise SettingsError(
            f"{name} is not an http(s) URL", f"set {name} to an https:// URL"
        ) from None
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "is not an http(s) URL"
    elif parts.username or parts.password or parts.query or parts.fragment:
        problem = "must not carry credentials, a query or a fragment"
    elif parts.scheme == "http" and not _loopback(parts.hostname):
        problem = "uses plain http to another machine, which would expose the token"
    if problem is not None:
        raise SettingsError(f"{name} {problem}", f"set {name} to an https:// URL")
    return value.rstrip("/")


def _loopback(host: str) -> bool:
    """Return whether `host` names this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _account_id(setting: _Value) -> str | None:
    """Return the Cloudflare account id, refusing one that cannot be an id."""
    if not setting.text:
        return None
    if not ACCOUNT_ID.fullmatch(setting.text):
        raise SettingsError(
            f"{setting.source} is not an account id (32 lowercase hex digits)",
            "copy the account id from the Cloudflare dashboard's account home",
        )
    return setting.text


def _repository(root: Path, values: _Values) -> tuple[str | None, str]:
    """Return `owner/name` as configured, else from the `origin` remote."""
    setting = values.pick("repository", "GITHUB_REPOSITORY")
    if setting.text:
        if not REPOSITORY.fullmatch(setting.text):
            raise SettingsError(
                f"{setting.source} is not `owner/name`",
                f"set {setting.source} to the repository as `owner/name`",
            )
        return setting.text, setting.source
    return remote_repository(root), "the `origin` remote"


def remote_repository(root: Path) -> str | None:
    """Return `owner/name` of the checkout's `origin` remote, read from .git/config.

    The remote URL itself is never logged or shown: it may carry credentials.
    """
    config = _git_dir(root) / "config"
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None

    in_origin = False
    for line in lines:
        if line.lstrip().startswith("["):
            in_origin = bool(REMOTE_SECTION.match(line))
            continue
        found = REMOTE_URL.match(line) if in_origin else None
        if found is not None:
            path = REMOTE_PATH.search(found.group(1))
            return f"{path.group(1)}/{path.group(2)}" if path else None
    return None


def _git_dir(root: Path) -> Path:
    """Return the git directory of a checkout, following a worktree's `.git` file."""
    dot_git = root / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            return (root / text.removeprefix("gitdir:").strip()).resolve()
    return dot_git
