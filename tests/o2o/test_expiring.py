"""Short-lived values in PostgreSQL (o2o.expiring): expiry, add-once and pop-once, atomically."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from o2o.expiring import (
    expiring_add,
    expiring_delete,
    expiring_get,
    expiring_pop,
    expiring_set,
    expiring_values_purge,
)
from o2o.models import ExpiringValue


@pytest.mark.django_db
def test_set_get_and_expiry():
    expiring_set("k", {"a": [1, 2]}, ttl=60)
    assert expiring_get("k") == {"a": [1, 2]}

    ExpiringValue.objects.filter(key="k").update(expires_at=timezone.now() - timedelta(seconds=1))

    assert expiring_get("k") is None
    assert expiring_get("k", "gone") == "gone"
    assert expiring_values_purge() == 1


@pytest.mark.django_db
def test_add_takes_an_absent_or_expired_key_only():
    assert expiring_add("nonce", 1, ttl=60) is True
    assert expiring_add("nonce", 2, ttl=60) is False
    assert expiring_get("nonce") == 1

    ExpiringValue.objects.filter(key="nonce").update(expires_at=timezone.now())
    assert expiring_add("nonce", 3, ttl=60) is True
    assert expiring_get("nonce") == 3


@pytest.mark.django_db
def test_pop_gives_the_value_once():
    expiring_set("code", "hash", ttl=60)
    assert expiring_pop("code") == "hash"
    assert expiring_pop("code") is None
    expiring_set("code", "hash", ttl=60)
    assert expiring_delete("code") is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_and_pops_have_one_winner():
    expiring_set("pop-me", "v", ttl=60)
    barrier = threading.Barrier(8)
    added, popped = [], []

    def race():
        try:
            barrier.wait(timeout=10)
            added.append(expiring_add("race", 1, ttl=60))
            popped.append(expiring_pop("pop-me"))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert added.count(True) == 1
    assert popped.count("v") == 1
