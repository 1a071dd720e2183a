"""Calls out of the platform (WeChat API, WeChat Pay, SMS gateways, webhooks): bounded in time,
and cut off while the other side is failing.

    session = outgoing_session("wechat")      # a requests.Session
    session.get(url)                           # timeout=(connect, read) from settings

- Timeouts: every request without its own gets `(OUTGOING_CONNECT_TIMEOUT,
  OUTGOING_READ_TIMEOUT)` seconds. A web request waiting on WeChat holds a web worker for at most
  that long; a Celery task that times out is retried.
- Circuit breaker, one per service and process: after `OUTGOING_BREAKER_FAILURES` failures in a
  row (no connection, a timeout, a 5xx) the service is not called for `OUTGOING_BREAKER_RESET`
  seconds; calls fail at once with `OutgoingUnavailable` (a `requests.ConnectionError`, so the
  callers' existing `except requests.RequestException` turns it into their own "WeChat is
  unavailable" message). After the pause one call is let through: success closes the breaker,
  failure opens it again. So a WeChat that answers in 30 s costs the first few requests their
  read timeout and the rest nothing, instead of holding every web worker for 30 s each.
- `/healthz` lists open breakers (`breakers_open`) and reads "degraded".

Callers keep calls out of database transactions and row locks (DESIGN §4): a lock held across a
slow call would stall every other request for that row. A call made inside a transaction is
logged as an error naming the service and the URL, so one that slips in shows in the logs.
"""

from __future__ import annotations

import logging
import threading
import time

import requests
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class OutgoingUnavailable(requests.ConnectionError):
    """The service's breaker is open: not called, fail fast."""


class Breaker:
    """Consecutive failures of one service in this process; open = do not call until `retry_at`."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self.failures = 0
        self.retry_at = 0.0

    @property
    def is_open(self) -> bool:
        return self.failures >= settings.OUTGOING_BREAKER_FAILURES and time.monotonic() < (
            self.retry_at
        )

    def allow(self) -> bool:
        """May a call go out now? While open, no; after the pause, one trial call at a time."""
        with self._lock:
            if self.failures < settings.OUTGOING_BREAKER_FAILURES:
                return True
            now = time.monotonic()
            if now < self.retry_at:
                return False
            # Half-open: this call is the trial; others wait for its outcome a pause longer.
            self.retry_at = now + settings.OUTGOING_BREAKER_RESET
            return True

    def succeeded(self) -> None:
        with self._lock:
            if self.failures >= settings.OUTGOING_BREAKER_FAILURES:
                logger.warning("outgoing %s: answering again, breaker closed", self.name)
            self.failures = 0
            self.retry_at = 0.0

    def failed(self, error: str) -> None:
        with self._lock:
            self.failures += 1
            if self.failures == settings.OUTGOING_BREAKER_FAILURES:
                logger.error(
                    "outgoing %s: %s failures in a row (last: %s); not called for %.0f s",
                    self.name,
                    self.failures,
                    error,
                    settings.OUTGOING_BREAKER_RESET,
                )
            if self.failures >= settings.OUTGOING_BREAKER_FAILURES:
                self.retry_at = time.monotonic() + settings.OUTGOING_BREAKER_RESET

    def reset(self) -> None:
        with self._lock:
            self.failures = 0
            self.retry_at = 0.0


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(name: str) -> Breaker:
    with _breakers_lock:
        return _breakers.setdefault(name, Breaker(name))


def breakers_open() -> list[str]:
    return sorted(name for name, each in _breakers.items() if each.is_open)


def breakers_reset() -> None:
    """Close every breaker (tests; an operator's shell after fixing the other side)."""
    for each in list(_breakers.values()):
        each.reset()


def in_transaction() -> bool:
    """Is any database connection of this thread inside a transaction (a test's own wrapping
    transaction aside)?"""
    for connection in connections.all(initialized_only=True):
        if any(not block._from_testcase for block in connection.atomic_blocks):
            return True
    return False


def outgoing_timeout() -> tuple[float, float]:
    return (settings.OUTGOING_CONNECT_TIMEOUT, settings.OUTGOING_READ_TIMEOUT)


class OutgoingSession(requests.Session):
    """A requests.Session with the settings' timeouts and the service's circuit breaker."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = outgoing_timeout()
        if in_transaction():
            logger.error(
                "outgoing %s: %s %s inside a database transaction (locks held while waiting)",
                self.service,
                method,
                url,
            )
        guard = breaker(self.service)
        if not guard.allow():
            raise OutgoingUnavailable(f"{self.service} is failing; not called for a while")
        try:
            response = super().request(method, url, **kwargs)
        except requests.RequestException as error:
            guard.failed(f"{error.__class__.__name__}: {error}")
            raise
        if response.status_code >= 500:
            guard.failed(f"HTTP {response.status_code}")
        else:
            guard.succeeded()
        return response


def outgoing_session(service: str) -> OutgoingSession:
    return OutgoingSession(service)
