"""Read the Cloudflare account through the v4 API with httpx, GET only.

Cloudflare wraps every answer, errors included, in an envelope
(`success`, `errors[{code, message}]`, `messages`, `result`, `result_info`);
the envelope's `success` and error code are trusted over the HTTP status,
since one code comes back under several statuses. Lists are paginated in
the body (`page`, `per_page`, `result_info`), never with a Link header.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
from typing import Any

import certifi
import httpx

from runart_lint import __version__
from runart_lint.live.settings import CloudflareSettings
from runart_lint.live.snapshot import (
    Deployment,
    DeploymentConfig,
    PagesProject,
    TokenCheck,
)
from runart_lint.live.transport import (
    Failure,
    FetchError,
    Retrier,
    WriteRefused,
    refuse_writes,
    retry_after,
)

logger = logging.getLogger(__name__)

MAX_PAGES = 50
KV_PAGE_SIZE = 100
# Pages deployment lists refuse `per_page` above 25 (code 8000024); the
# newest one is all a check needs.
DEPLOYMENTS_PAGE_SIZE = 5
RATE_LIMITED = 971
INVALID_TOKEN = frozenset({1000, 10001})
NOT_ALLOWED = 10000
PROJECT_NOT_FOUND = 8000007


class CloudflareError(Exception):
    """An answer whose envelope says it failed."""

    def __init__(
        self, status: int, code: int | None, message: str, headers: httpx.Headers
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


class CloudflareClient:
    """GET requests to the Cloudflare API, retried and paginated."""

    def __init__(
        self,
        settings: CloudflareSettings,
        timeout: float,
        retrier: Retrier,
        workers: int,
    ) -> None:
        assert settings.token is not None
        self._retrier = retrier
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=settings.api_url,
            headers={
                "Authorization": f"Bearer {settings.token.reveal()}",
                "Accept": "application/json",
                "User-Agent": f"runart-lint/{__version__}",
            },
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=workers, max_keepalive_connections=workers
            ),
            event_hooks={"request": [_read_only]},
            follow_redirects=False,
            verify=_tls_context(),
        )

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def get(
        self, path: str, what: str, needs: str, params: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Return the `result` and `result_info` of one GET."""
        classify = functools.partial(_classify, needs=needs)
        return self._retrier.run(
            what, lambda timeout: self._send(path, params, timeout), classify
        )

    def get_all(
        self, path: str, what: str, needs: str, per_page: int
    ) -> list[dict[str, Any]]:
        """Return every item of a list, asking for the next page until the last."""
        items: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            result, info = self.get(
                path, what, needs, {"page": page, "per_page": per_page}
            )
            batch = _objects(result, what)
            items.extend(batch)
            if _last_page(batch, info, page, per_page, len(items)):
                return items
        raise FetchError(what, Failure("unexpected", f"more than {MAX_PAGES} pages"))

    def _send(
        self, path: str, params: dict[str, Any] | None, timeout: float
    ) -> tuple[Any, dict[str, Any]]:
        """Send one GET and open its envelope."""
        limit = min(timeout, self._timeout)
        response = self._http.get(path, params=params, timeout=limit)
        body = response.json()
        if not isinstance(body, dict) or "success" not in body:
            raise ValueError("not a Cloudflare envelope")
        if body.get("success") is not True or response.status_code >= 400:
            code, message = _first_error(body)
            raise CloudflareError(response.status_code, code, message, response.headers)
        info = body.get("result_info")
        return body.get("result"), info if isinstance(info, dict) else {}


class CloudflareReader:
    """The reads a live audit makes of one account, as typed values."""

    def __init__(self, client: CloudflareClient, account_id: str | None) -> None:
        self._client = client
        self._account = account_id

    def verify_token(self) -> TokenCheck:
        """Verify the token: as an account token first, then as a user token.

        An account-owned token fails on the user path and the other way round,
        so the token is invalid only when both paths refuse to authenticate it.
        """
        refused: FetchError | None = None
        if self._account is not None:
            try:
                return self._verify(
                    f"/accounts/{self._account}/tokens/verify", "account"
                )
            except FetchError as error:
                if error.failure.kind not in ("auth", "forbidden"):
                    raise
                refused = error
        try:
            return self._verify("/user/tokens/verify", "user")
        except FetchError as error:
            kinds = {error.failure.kind, refused.failure.kind if refused else "auth"}
            if kinds != {"auth"}:
                raise (refused or error) from None
            detail = error.failure.message or error.failure.detail
            return TokenCheck(status="invalid", scope="", detail=detail)

    def _verify(self, path: str, scope: str) -> TokenCheck:
        """Verify the token on one path."""
        result, _ = self._client.get(path, "token verification", "a valid token")
        return _token(result, scope)

    def project(self, name: str) -> PagesProject | None:
        """Read a Pages project; None when the account has no such project."""
        what = f"Pages project `{name}`"
        try:
            result, _ = self._client.get(
                self._pages(name), what, "Cloudflare Pages: Read"
            )
        except FetchError as error:
            if error.failure.kind == "not-found":
                return None
            raise
        return _project(_object(result, what), what)

    def latest_deployment(self, project: str, environment: str) -> Deployment | None:
        """Read the newest deployment of a project in one environment."""
        what = f"{environment} deployments of `{project}`"
        params = {"env": environment, "per_page": DEPLOYMENTS_PAGE_SIZE}
        path = f"{self._pages(project)}/deployments"
        result, _ = self._client.get(path, what, "Cloudflare Pages: Read", params)
        deployments = _objects(result, what)
        return _deployment(deployments[0]) if deployments else None

    def kv_namespaces(self) -> dict[str, str]:
        """Read every KV namespace of the account: id to title."""
        what = "KV namespaces"
        items = self._client.get_all(
            f"/accounts/{self._account_path()}/storage/kv/namespaces",
            what,
            "Workers KV Storage: Read",
            KV_PAGE_SIZE,
        )
        return {
            str(i.get("id")): str(i.get("title") or "") for i in items if i.get("id")
        }

    def _pages(self, project: str) -> str:
        """Return the path of a Pages project."""
        return f"/accounts/{self._account_path()}/pages/projects/{project}"

    def _account_path(self) -> str:
        """Return the account id for a path."""
        assert self._account is not None
        return self._account


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Return the TLS context of every client: built once, it takes tens of ms.

    Like httpx's own default, it trusts certifi's roots, or the files that
    `SSL_CERT_FILE` and `SSL_CERT_DIR` name.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or certifi.where()
    return ssl.create_default_context(
        cafile=cafile, capath=os.environ.get("SSL_CERT_DIR")
    )


def _read_only(request: httpx.Request) -> None:
    """Refuse, before it is sent, any request that is not a GET."""
    refuse_writes(request.method, str(request.url))


def _classify(error: Exception, needs: str) -> Failure:
    """Return why a request failed, or re-raise what is not an API failure."""
    if isinstance(error, CloudflareError):
        return _api_failure(error, needs)
    if isinstance(error, WriteRefused):
        raise error
    if isinstance(error, (ValueError, httpx.DecodingError)):
        return Failure("invalid", "Cloudflare's answer is not a JSON envelope")
    if isinstance(error, httpx.TransportError):
        return Failure("network", f"no answer from Cloudflare ({type(error).__name__})")
    raise error


def _api_failure(error: CloudflareError, needs: str) -> Failure:
    """Return the failure an error envelope stands for."""
    code, status = error.code, error.status
    said = f"Cloudflare answered {status}" + (f", code {code}" if code else "")
    said += f": {error.message}" if error.message else ""
    if status == 429 or code == RATE_LIMITED:
        wait = retry_after(dict(error.headers))
        return Failure("rate-limit", said, status, error.message, retry_after=wait)
    if code in INVALID_TOKEN or status == 401:
        return Failure(
            "auth", f"{said} (the token is invalid or expired)", status, error.message
        )
    if code == NOT_ALLOWED or status == 403:
        return Failure(
            "forbidden",
            f"{said} (the token needs {needs} on this account)",
            status,
            error.message,
        )
    if code == PROJECT_NOT_FOUND or status == 404:
        return Failure("not-found", said, status, error.message)
    kind = "server" if status >= 500 else "client"
    return Failure(kind, said, status, error.message)


def _first_error(body: dict[str, Any]) -> tuple[int | None, str]:
    """Return the code and message of the envelope's first error."""
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return None, ""
    code = first.get("code")
    return (code if isinstance(code, int) else None), str(first.get("message") or "")


def _last_page(
    batch: list[dict[str, Any]],
    info: dict[str, Any],
    page: int,
    per_page: int,
    seen: int,
) -> bool:
    """Return whether this page was the last, by `result_info` or by its size."""
    total = info.get("total_count")
    pages = info.get("total_pages")
    return (
        len(batch) < per_page
        or (isinstance(total, int) and seen >= total)
        or (isinstance(pages, int) and page >= pages)
    )


def _objects(result: Any, what: str) -> list[dict[str, Any]]:
    """Return a `result` list of objects, refusing anything else."""
    if not isinstance(result, list) or not all(isinstance(i, dict) for i in result):
        raise FetchError(
            what, Failure("unexpected", "`result` is not a list of objects")
        )
    return result


def _object(result: Any, what: str) -> dict[str, Any]:
    """Return a `result` object, refusing anything else."""
    if not isinstance(result, dict):
        raise FetchError(what, Failure("unexpected", "`result` is not an object"))
    return result


def _token(result: Any, scope: str) -> TokenCheck:
    """Return the token's status and validity window."""
    body = result if isinstance(result, dict) else {}
    return TokenCheck(
        status=str(body.get("status") or "unknown"),
        scope=scope,
        expires_on=_optional(body.get("expires_on")),
        not_before=_optional(body.get("not_before")),
    )


def _project(body: dict[str, Any], what: str) -> PagesProject:
    """Return a project's name, production branch and deployment configs."""
    name = body.get("name")
    branch = body.get("production_branch")
    if not isinstance(name, str) or not isinstance(branch, str):
        raise FetchError(
            what, Failure("unexpected", "the project has no name or branch")
        )
    raw = body.get("deployment_configs")
    configs = raw if isinstance(raw, dict) else {}
    return PagesProject(
        name,
        branch,
        {env: _config(configs.get(env)) for env in ("production", "preview")},
    )


def _config(raw: Any) -> DeploymentConfig:
    """Return the KV bindings and variables of one deployment config."""
    body = raw if isinstance(raw, dict) else {}
    kv_raw = body.get("kv_namespaces")
    kv = {
        binding: str(entry["namespace_id"])
        for binding, entry in (kv_raw.items() if isinstance(kv_raw, dict) else ())
        if isinstance(entry, dict) and entry.get("namespace_id")
    }
    vars_raw = body.get("env_vars")
    variables: dict[str, str | None] = {}
    for name, entry in vars_raw.items() if isinstance(vars_raw, dict) else ():
        if isinstance(entry, dict):
            plain = entry.get("type") == "plain_text"
            variables[name] = str(entry.get("value") or "") if plain else None
    return DeploymentConfig(kv, variables)


def _deployment(body: dict[str, Any]) -> Deployment:
    """Return a deployment's id, environment, branch and last stage."""
    stage = body.get("latest_stage")
    stage = stage if isinstance(stage, dict) else {}
    trigger = body.get("deployment_trigger")
    metadata = trigger.get("metadata") if isinstance(trigger, dict) else None
    branch = metadata.get("branch") if isinstance(metadata, dict) else None
    return Deployment(
        short_id=str(body.get("short_id") or body.get("id") or "?"),
        environment=str(body.get("environment") or ""),
        branch=branch if isinstance(branch, str) else None,
        stage=str(stage.get("name") or ""),
        status=str(stage.get("status") or ""),
        created_on=str(body.get("created_on") or ""),
    )


def _optional(value: Any) -> str | None:
    """Return a string value, or None."""
    return value if isinstance(value, str) and value else None
