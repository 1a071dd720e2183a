"""The one throttle for guessable secrets: atomic counts in PostgreSQL, windows, give-back, purge,
and no dependence on the cache."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from o2o.models import SecurityEvent, ThrottleCounter
from o2o.tasks import purge_throttle_records
from o2o.throttle import (
    security_event_record,
    throttle_check,
    throttle_counters_purge,
    throttle_give_back,
    throttle_hit,
    throttle_reset,
    throttled_message,
)

pytestmark = pytest.mark.django_db

RULE = {"scope": "test:thing", "limit": 3, "window": 600}


def test_hits_within_the_limit_pass_then_refused_until_the_window_ends():
    start = timezone.now()

    answers = [throttle_hit(key="k", now=start, **RULE) for _ in range(4)]

    assert [a.allowed for a in answers] == [True, True, True, False]
    assert [a.count for a in answers] == [1, 2, 3, 4]
    assert answers[-1].retry_after == 600
    later = throttle_hit(key="k", now=start + timedelta(seconds=590), **RULE)
    assert not later.allowed and later.retry_after == 10
    fresh = throttle_hit(key="k", now=start + timedelta(seconds=600), **RULE)
    assert fresh.allowed and fresh.count == 1


def test_keys_and_scopes_count_apart():
    for _ in range(3):
        throttle_hit(key="a", **RULE)

    assert not throttle_hit(key="a", **RULE).allowed
    assert throttle_hit(key="b", **RULE).allowed
    assert throttle_hit(key="a", **{**RULE, "scope": "test:other"}).allowed


def test_check_counts_nothing():
    throttle_hit(key="k", **RULE)

    for _ in range(5):
        decision = throttle_check(key="k", **RULE)

    assert decision.allowed and decision.count == 1
    assert ThrottleCounter.objects.get(scope="test:thing", key="k").count == 1


def test_a_right_answer_gives_its_hit_back_and_reset_forgets_all():
    for _ in range(2):
        throttle_hit(key="k", **RULE)
    right = throttle_hit(key="k", **RULE)

    throttle_give_back(right)

    assert throttle_hit(key="k", **RULE).allowed  # the 3rd of 3 again
    assert not throttle_hit(key="k", **RULE).allowed
    throttle_reset(scope="test:thing", key="k")
    assert throttle_hit(key="k", **RULE).count == 1


def test_giving_back_a_hit_of_an_ended_window_changes_nothing():
    start = timezone.now() - timedelta(seconds=700)
    old = throttle_hit(key="k", now=start, **RULE)
    throttle_hit(key="k", **RULE)  # a new window

    throttle_give_back(old)

    assert ThrottleCounter.objects.get(scope="test:thing", key="k").count == 1


def test_purge_drops_only_ended_windows():
    throttle_hit(key="old", now=timezone.now() - timedelta(seconds=601), **RULE)
    throttle_hit(key="current", **RULE)

    assert throttle_counters_purge() == 1
    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["current"]


def test_the_message_says_when_to_try_again():
    assert throttled_message(61) == "Too many attempts. Try again in 2 minutes."
    assert throttled_message(5) == "Too many attempts. Try again in 1 minute."


def test_throttles_keep_counting_when_the_cache_is_unreachable(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }

    answers = [throttle_hit(key="k", **RULE).allowed for _ in range(4)]

    assert answers == [True, True, True, False]


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_never_let_more_than_the_limit_through():
    threads_count, limit = 12, 5
    barrier = threading.Barrier(threads_count)
    counts, allowed = [], []
    lock = threading.Lock()

    def guess():
        try:
            barrier.wait()
            decision = throttle_hit(scope="test:race", key="k", limit=limit, window=600)
            with lock:
                counts.append(decision.count)
                allowed.append(decision.allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counts) == list(range(1, threads_count + 1))
    assert allowed.count(True) == limit


def test_the_daily_purge_keeps_half_a_year_of_security_events():
    old = security_event_record(kind="failed", secret="password", target="old")
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=181))
    security_event_record(kind="failed", secret="password", target="recent")
    throttle_hit(key="ended", now=timezone.now() - timedelta(seconds=601), **RULE)

    assert purge_throttle_records() == 2
    assert list(SecurityEvent.objects.values_list("target", flat=True)) == ["recent"]
    assert not ThrottleCounter.objects.exists()
