"""What both API clients share: the read-only guard, the deadline, and retries.

Retries follow GitHub's documented rule for rate limits ("Rate limits for the
REST API": wait `retry-after` seconds when given; else, when
`x-ratelimit-remaining` is 0, until `x-ratelimit-reset`; else at least a
minute for a secondary limit) and Cloudflare's (429 with `Retry-After`).
Server errors and broken connections are retried with exponential backoff. No
wait ever runs past the audit's deadline: the request then fails with the
reason, and its check is reported as not run.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from runart_lint.records import record, replace
from runart_lint.redact import redact

logger = logging.getLogger(__name__)

# A generator of its own: retries run on worker threads, and drawing from the
# global one would change the random state of the program that embeds us.
_JITTER = random.Random()

T = TypeVar("T")
READ_METHODS = frozenset({"GET"})
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
SECONDARY_RATE_WAIT = 60.0
RETRYABLE = frozenset({"rate-limit", "server", "network", "invalid"})


class WriteRefused(Exception):
    """A request that would change something; the live audit only reads."""


def refuse_writes(method: str, url: str) -> None:
    """Raise `WriteRefused` for any method but GET: the one place both clients ask."""
    if method.upper() not in READ_METHODS:
        raise WriteRefused(
            f"refused {method.upper()} {redact(url)}: the audit only reads"
        )


@record
class Failure:
    """Why one request failed, as the retry policy and the report need it."""

    kind: str
    detail: str
    status: int | None = None
    message: str = ""
    retry_after: float | None = None
    reset_at: float | None = None
    secondary: bool = False


class FetchError(Exception):
    """A read that failed for good: what was read, and why it failed."""

    def __init__(self, what: str, failure: Failure, attempts: int = 1) -> None:
        detail = failure.detail
        if attempts > 1:
            detail = f"{detail} ({attempts} attempts)"
        super().__init__(redact(f"{what}: {detail}"))
        self.what = what
        self.failure = failure
        self.reason = str(self)


class Deadline:
    """The moment the whole live audit must be done by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Return the seconds left, never below 0."""
        return max(self.end - time.monotonic(), 0.0)

    def allows(self, wait: float) -> bool:
        """Return whether waiting `wait` seconds still ends before the deadline."""
        return time.monotonic() + wait < self.end


class Gate:
    """A pause every request to one API waits out, after a rate-limit answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds: float) -> None:
        """Make every request wait `seconds` from now."""
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def pause(self) -> float:
        """Return how long requests must still wait."""
        with self._lock:
            return max(self._until - time.monotonic(), 0.0)


@record
class Retrier:
    """Sends one request through the gate, retrying what may succeed later."""

    deadline: Deadline
    gate: Gate
    max_attempts: int = MAX_ATTEMPTS
    backoff: float = BACKOFF_BASE

    def run(
        self,
        what: str,
        send: Callable[[float], T],
        classify: Callable[[Exception], Failure],
    ) -> T:
        """Return `send(timeout)`'s result, retrying retryable failures in time."""
        attempt = 0
        while True:
            self._wait(what, self.gate.pause())
            attempt += 1
            try:
                # A second past the deadline: the audit stops waiting first, so
                # a slow answer is reported as late, never as a broken read.
                return send(self.deadline.remaining() + 1.0)
            except Exception as error:
                failure = classify(error)
            if failure.kind not in RETRYABLE or attempt >= self.max_attempts:
                raise FetchError(what, failure, attempt)

            wait = self._delay(failure, attempt)
            if not self.deadline.allows(wait):
                raise FetchError(what, _past_deadline(failure, wait, self.deadline))
            if failure.kind == "rate-limit":
                self.gate.hold(wait)
            logger.info("retrying %s in %.1f s: %s", what, wait, failure.detail)
            time.sleep(wait)

    def _wait(self, what: str, seconds: float) -> None:
        """Sleep out a pause, or fail when it ends after the deadline."""
        if seconds <= 0:
            return
        if not self.deadline.allows(seconds):
            failure = Failure("rate-limit", "the API asked to pause")
            raise FetchError(what, _past_deadline(failure, seconds, self.deadline))
        time.sleep(seconds)

    def _delay(self, failure: Failure, attempt: int) -> float:
        """Return how long to wait before the next attempt."""
        if failure.retry_after is not None:
            return failure.retry_after
        if failure.reset_at is not None:
            return max(failure.reset_at - time.time(), 0.0) + 1.0
        if failure.secondary:
            return SECONDARY_RATE_WAIT * 2.0 ** (attempt - 1)
        return self.backoff * 2.0 ** (attempt - 1) * _JITTER.uniform(0.8, 1.2)


def _past_deadline(failure: Failure, wait: float, deadline: Deadline) -> Failure:
    """Return the failure reworded: its wait would end after the deadline."""
    detail = (
        f"{failure.detail}; waiting {wait:.0f} s more would pass the "
        f"{deadline.seconds:g} s limit of `--live-timeout`"
    )
    return replace(failure, detail=detail)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Return the seconds a `Retry-After` header asks for (delta or HTTP date)."""
    value = header(headers, "retry-after")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a response header by case-insensitive name."""
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None
