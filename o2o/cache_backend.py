"""The cache: Redis, and a Redis that is down is a cache that misses, never a 500.

`TolerantRedisCache` is Django's Redis backend whose every operation survives Redis being
stopped, restarting or unreachable: a read misses (`get` → default, `get_many` → {}), a write is
dropped (`set` → nothing, `add` / `touch` / `delete` → False), and the first failure is logged.
After a failure Redis is left alone for `RETRY_AFTER` seconds (each call then misses at once), so
a page does not pay a connection timeout per cache call while Redis is away.

This is only safe because nothing that must survive lives in the cache (DESIGN §4 "Trust"):
- Throttles of guessable secrets count in PostgreSQL (`o2o.throttle`): they neither fail open nor
  hand out a fresh allowance when the cache is lost.
- Sessions are in the database (`SESSION_ENGINE`).
- One-time login codes, replay nonces, WeChat's access token and JS-SDK ticket, and the payment
  sandbox's record of paid trades are short-lived values in `o2o.expiring` (PostgreSQL).
So whatever still uses the cache is a cache: losing it costs time, never a right answer.

`add` answers False when Redis is down: a caller that used it to claim something once would
read "already claimed" (closed), never "yours" (open).

Options (settings CACHES["default"]["OPTIONS"]): `socket_connect_timeout` and `socket_timeout`
go to the Redis connection pool (seconds, settings CACHE_CONNECT_TIMEOUT / CACHE_TIMEOUT);
`retry_after` (seconds, CACHE_RETRY_AFTER) is the pause after a failure.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class _Client(RedisCacheClient):
    def __init__(self, servers, *, retry_after: float = RETRY_AFTER, **options):
        super().__init__(servers, **options)
        self.retry_after = retry_after
        self._clients: dict = {}  # connection pool index -> its redis.Redis

    def get_client(self, key=None, *, write=False):
        # Django builds a new redis.Redis for every cache call, and its constructor copies the
        # ~200 reply callbacks into two case-insensitive dicts: about 0.1 ms of CPU per call,
        # a third of a cached page's. One client per pool serves every call (a client holds no
        # connection of its own: each command borrows one from the pool).
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class _Outage:
    """Whether a Redis location is being left alone; shared by every thread of the process
    (Django makes one cache object per thread), so one timeout is paid per pause, not per thread.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down_since = 0.0


_outages: dict[tuple[str, ...], _Outage] = {}


class TolerantRedisCache(RedisCache):
    """Django's RedisCache; every call answers "miss" or "not stored" while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
        self._outage = _outages.setdefault(tuple(self._servers), _Outage())

    # --- the guard ---------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return time.monotonic() >= self._outage.down_until

    def _call(self, fallback, operation, *args, **kwargs):
        if not self.available:
            return fallback
        try:
            result = operation(*args, **kwargs)
        except RedisError as error:
            self._failed(error)
            return fallback
        if self._outage.down_since:
            self._recovered()
        return result

    def _failed(self, error: Exception) -> None:
        outage = self._outage
        with outage.lock:
            first = not outage.down_since
            if first:
                outage.down_since = time.monotonic()
            outage.down_until = time.monotonic() + self._cache.retry_after
        if first:
            logger.warning(
                "cache: Redis unreachable (%s: %s); answering misses, retrying every %.0f s",
                error.__class__.__name__,
                error,
                self._cache.retry_after,
            )

    def _recovered(self) -> None:
        outage = self._outage
        with outage.lock:
            if not outage.down_since:
                return
            down_for = time.monotonic() - outage.down_since
            outage.down_since = 0.0
        logger.warning("cache: Redis is back after %.0f s", down_for)

    # --- the cache API -----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Django raises ValueError for a missing key; an unreachable Redis reads as missing.
        result = self._call(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (or the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Nothing was stored: every key "failed", as Django's contract puts it.
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
