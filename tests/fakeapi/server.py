"""The HTTP server: one loopback port, GitHub under /api/v3, Cloudflare under
/client/v4, faults from the scenario, and a log of every request."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakeapi.answer import Answer
from fakeapi.cloudflare import CloudflareFake
from fakeapi.github import GitHubFake

GITHUB_PREFIX = "/api/v3"
CLOUDFLARE_PREFIX = "/client/v4"
ACCOUNT_ID = "023e105f4ecef8ad9ca31a8372d0c353"
PRIMARY_LIMIT = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for "
    "help, please include the request ID FAKE and timestamp 2025-01-01 00:00:00 UTC."
)
SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you "
    "try again. If you reach out to GitHub Support for help, please include the "
    "request ID FAKE and timestamp 2025-01-01 00:00:00 UTC."
)


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    api: str
    path: str
    query: str
    endpoint: str
    status: int
    headers: dict[str, str]


@dataclass
class Fault:
    """A scenario fault: which requests it hits, what it does, how many times."""

    api: str
    path: re.Pattern[str]
    kind: str
    query: str = ""
    endpoint: str = ""
    status: int = 500
    times: int | None = None
    retry_after: int | None = None
    reset_in: float = 1.0
    delay: float = 0.0
    hits: int = 0

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Fault:
        """Return a fault from its scenario table."""
        return cls(
            api=data["api"],
            path=re.compile(data.get("path", "")),
            kind=data.get("kind", "error"),
            query=data.get("query", ""),
            endpoint=data.get("endpoint", ""),
            status=int(data.get("status", 500)),
            times=data.get("times"),
            retry_after=data.get("retry_after"),
            reset_in=float(data.get("reset_in", 1.0)),
            delay=float(data.get("delay", 0.0)),
        )

    def matches(self, api: str, path: str, query: str, endpoint: str) -> bool:
        """Return whether this fault hits a request (and count the hit)."""
        if api != self.api or not self.path.search(path) or self.query not in query:
            return False
        if self.endpoint and endpoint != f"{api} {self.endpoint}":
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


@dataclass
class FakeAPI:
    """A fake GitHub + Cloudflare API on 127.0.0.1 with an ephemeral port.

    Use as a context manager; `environ()` returns the variables that point
    runart-lint at it.
    """

    scenario: dict[str, Any]
    github_token: str = "ghp_fake_github_token_for_the_tests"
    cloudflare_token: str = "fake-cloudflare-token-for-the-tests"
    latency: float | None = None
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults = [Fault.parse(f) for f in self.scenario.get("faults", [])]
        if self.latency is None:
            self.latency = float(self.scenario.get("latency", 0.0))
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self.github = GitHubFake(self.scenario, self.github_url, self.github_token)
        self.cloudflare = CloudflareFake(self.scenario, self.cloudflare_token)

    def __enter__(self) -> FakeAPI:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        """Return `http://127.0.0.1:PORT`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_url(self) -> str:
        """Return the base URL of the GitHub API (with an Enterprise-style prefix)."""
        return self.base_url + GITHUB_PREFIX

    @property
    def cloudflare_url(self) -> str:
        """Return the base URL of the Cloudflare API."""
        return self.base_url + CLOUDFLARE_PREFIX

    def environ(self) -> dict[str, str]:
        """Return the environment that points a live audit at this server."""
        return {
            "GITHUB_API_URL": self.github_url,
            "GH_TOKEN": self.github_token,
            "GITHUB_REPOSITORY": self.github.full_name,
            "CLOUDFLARE_API_BASE_URL": self.cloudflare_url,
            "CLOUDFLARE_API_TOKEN": self.cloudflare_token,
            "CLOUDFLARE_ACCOUNT_ID": self.cloudflare.account,
        }

    @property
    def errors(self) -> list[BaseException]:
        """Return the exceptions the request handlers raised (a bug of the fake)."""
        return self._server.errors

    def rearm(self) -> None:
        """Make every fault hit again as many times as the scenario says."""
        with self._lock:
            for fault in self._faults:
                fault.hits = 0

    def endpoints(self) -> list[str]:
        """Return the distinct endpoints requested so far, sorted."""
        return sorted({r.endpoint for r in self.requests})

    def serve(
        self, method: str, target: str, headers: dict[str, str]
    ) -> tuple[Answer, str | None]:
        """Return the answer to one request and the fault kind applied, if any."""
        parts = urllib.parse.urlsplit(target)
        api, path = _split(parts.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        endpoint = self._endpoint(api, path)
        answer, fault = self._answer(
            method, api, path, parts.query, query, headers, endpoint
        )
        answer.endpoint = endpoint
        with self._lock:
            self.requests.append(
                Recorded(
                    method,
                    api,
                    path,
                    parts.query,
                    endpoint,
                    answer.status,
                    _visible(headers),
                )
            )
        return answer, fault

    def _endpoint(self, api: str, path: str) -> str:
        if api == "github":
            return self.github.endpoint(path)
        if api == "cloudflare":
            return self.cloudflare.endpoint(path)
        return "unknown"

    def _answer(
        self,
        method: str,
        api: str,
        path: str,
        raw_query: str,
        query: dict[str, str],
        headers: dict[str, str],
        endpoint: str,
    ) -> tuple[Answer, str | None]:
        """Apply a fault when one matches, else answer from the scenario."""
        if method != "GET":
            return Answer(405, {"message": "the fake API answers reads only"}), None
        with self._lock:
            fault = next(
                (f for f in self._faults if f.matches(api, path, raw_query, endpoint)),
                None,
            )
        if fault is not None and fault.kind not in (
            "delay",
            "truncate",
            "invalid-json",
        ):
            return self._fault_answer(fault, api), fault.kind
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        if api == "github":
            return self.github.answer(path, query, headers), _kind(fault)
        if api == "cloudflare":
            return self.cloudflare.answer(path, query, headers), _kind(fault)
        return Answer(404, {"message": "Not Found"}), None

    def _fault_answer(self, fault: Fault, api: str) -> Answer:
        """Return the error answer a fault stands for, as the API would send it."""
        if api == "cloudflare":
            return self._cloudflare_fault(fault)
        github = self.github
        if fault.kind == "rate-limit":
            headers = github.rate_headers(remaining=0, reset_in=fault.reset_in)
            return Answer(403, github.error_body(403, PRIMARY_LIMIT), headers)
        if fault.kind in ("secondary-rate-limit", "too-many-requests"):
            status = 403 if fault.kind == "secondary-rate-limit" else 429
            headers = github.rate_headers()
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return Answer(status, github.error_body(status, SECONDARY_LIMIT), headers)
        message = {
            403: "Resource not accessible by personal access token",
            404: "Not Found",
        }.get(fault.status, "Server Error")
        return Answer(
            fault.status,
            github.error_body(fault.status, message),
            github.rate_headers(),
        )

    def _cloudflare_fault(self, fault: Fault) -> Answer:
        """Return a Cloudflare error envelope for a fault."""
        cloudflare = self.cloudflare
        if fault.kind in ("rate-limit", "too-many-requests"):
            answer = cloudflare.failure(
                429, 971, "Please wait and consider throttling your request speed"
            )
            answer.headers.update(cloudflare.headers(fault.retry_after or 1))
            return answer
        code, message = {
            403: (10000, "Authentication error"),
            404: (8000007, "Project not found"),
        }.get(fault.status, (10002, "An unknown error has occurred"))
        answer = cloudflare.failure(fault.status, code, message)
        answer.headers.update(cloudflare.headers())
        return answer


class _Server(ThreadingHTTPServer):
    """A threading server whose listen backlog takes a burst of parallel connects.

    A client that hangs up (a deadline passed, a test ended) is no error; any
    other exception of a handler is kept in `errors` instead of printed.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.errors: list[BaseException] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError):
            self.errors.append(error)


def _kind(fault: Fault | None) -> str | None:
    """Return the kind of a fault that changes how the body is sent."""
    return fault.kind if fault is not None and fault.kind != "delay" else None


def _split(path: str) -> tuple[str, str]:
    """Return which API a path is for and the path below its prefix."""
    if path.startswith(GITHUB_PREFIX + "/"):
        return "github", path[len(GITHUB_PREFIX) :]
    if path.startswith(CLOUDFLARE_PREFIX + "/"):
        return "cloudflare", path[len(CLOUDFLARE_PREFIX) :]
    return "none", path


def _visible(headers: dict[str, str]) -> dict[str, str]:
    """Return the request headers as recorded (all of them: tests look for tokens)."""
    return dict(headers)


def _handler(fake: FakeAPI) -> type[BaseHTTPRequestHandler]:
    """Return the request handler class bound to `fake`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fakeapi"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if fake.latency:
                time.sleep(fake.latency)
            headers = {k: v for k, v in self.headers.items()}
            answer, fault = fake.serve(self.command, self.path, headers)
            self._send(answer, fault)

        def _send(self, answer: Answer, fault: str | None) -> None:
            body = b"" if answer.body is None else json.dumps(answer.body).encode()
            sent = body
            if fault == "invalid-json":
                body = sent = body[: len(body) // 2]
            elif fault == "truncate":
                sent = body[: len(body) // 2]
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if fault == "truncate":
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(sent)
            self.wfile.flush()
            if fault == "truncate":
                self.close_connection = True

    return Handler
