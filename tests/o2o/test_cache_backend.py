"""The cache misses, never raises, while Redis is unreachable (o2o.cache_backend)."""

import socket
import time

import pytest
from django.core.cache import caches

from o2o import cache_backend
from o2o.cache_backend import TolerantRedisCache


@pytest.fixture(autouse=True)
def _fresh_outages():
    """A closed port may be handed out twice: no test inherits another's outage."""
    cache_backend._outages.clear()
    yield
    cache_backend._outages.clear()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def _cache(location: str, retry_after: float = 5.0) -> TolerantRedisCache:
    return TolerantRedisCache(
        location,
        {
            "KEY_PREFIX": "test-tolerant",
            "OPTIONS": {
                "socket_connect_timeout": 0.3,
                "socket_timeout": 0.3,
                "retry_after": retry_after,
            },
        },
    )


def test_with_redis_unreachable_every_call_answers_a_miss():
    cache = _cache(f"redis://127.0.0.1:{_closed_port()}/0")

    assert cache.get("k") is None
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False  # "not yours": a claim never fails open
    assert cache.delete("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    cache.delete_many(["a"])
    with pytest.raises(ValueError):
        cache.incr("k")


def test_after_a_failure_redis_is_left_alone_for_a_while(monkeypatch):
    # Recorded on the module's logger itself: other tests (a Celery worker) reconfigure logging.
    warnings = []
    monkeypatch.setattr(
        cache_backend.logger, "warning", lambda message, *args: warnings.append(message % args)
    )
    cache = _cache(f"redis://127.0.0.1:{_closed_port()}/0", retry_after=60)
    cache.get("k")

    started = time.monotonic()
    for _ in range(100):
        cache.get("k")

    assert time.monotonic() - started < 0.1  # no connection attempt per call
    assert not cache.available
    assert len([w for w in warnings if "Redis unreachable" in w]) == 1  # once, not per call


def test_the_configured_cache_works_when_redis_answers(settings):
    cache = caches["default"]
    assert isinstance(cache, TolerantRedisCache)
    cache.set("tolerant-probe", {"a": 1}, 30)
    assert cache.get("tolerant-probe") == {"a": 1}
    cache.delete("tolerant-probe")


def test_cache_calls_share_one_redis_client_instead_of_building_one_each(monkeypatch):
    # Django builds a redis.Redis per call (about 0.1 ms of CPU each); ours keeps one per pool.
    import redis

    cache = caches["default"]
    cache.set("tolerant-probe", 1, 30)  # the client exists from here on
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    assert cache.get("tolerant-probe") == 1
    assert cache.get_many(["tolerant-probe", "other"]) == {"tolerant-probe": 1}
    cache.set("tolerant-probe", 2, 30)
    assert cache.get("tolerant-probe") == 2
    cache.delete("tolerant-probe")
    assert built == []
