"""Gift pickup codes at the counter: guesses counted atomically per clerk and per store, failures
recorded for HQ, and a code unique among the store's open pickups."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from members.models import GiftRedemption
from members.services import gifts
from o2o.models import SecurityEvent
from tests.members.loyalty_factories import (
    gift_make,
    member_make,
    staff_make,
    stock_put,
    store_make,
)

pytestmark = pytest.mark.django_db

URL = reverse("loyalty_backoffice:gift_verify")
NOT_FOUND = "No gift pickup with this code at your store."
REFUSED = "Too many attempts. Try again in"


@pytest.fixture
def counter():
    store = store_make("jingan")
    gift = gift_make(points=100, name="保温杯")
    stock_put(store, gift.sku, 3)
    redemption = gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)
    wrong = "000000" if redemption.pickup_code != "000000" else "111111"
    return store, redemption, wrong


def guess(client, code) -> str:
    page = client.post(URL, {"code": code}, follow=True).content.decode()
    if REFUSED in page:
        return "refused"
    return "compared" if NOT_FOUND in page else "other"


def test_gift_code_guesses_are_limited_per_store_across_clerks(client, counter):
    store, redemption, wrong = counter
    client.force_login(staff_make(store).user)
    first = [guess(client, wrong) for _ in range(gifts.VERIFY_ATTEMPTS_PER_CLERK)]

    client.force_login(staff_make(store).user)
    second = [guess(client, wrong) for _ in range(gifts.VERIFY_ATTEMPTS_PER_CLERK)]
    right = guess(client, redemption.pickup_code)

    left = gifts.VERIFY_ATTEMPTS_PER_STORE - gifts.VERIFY_ATTEMPTS_PER_CLERK
    assert first == ["compared"] * gifts.VERIFY_ATTEMPTS_PER_CLERK
    assert second == ["compared"] * left + ["refused"] * (gifts.VERIFY_ATTEMPTS_PER_CLERK - left)
    assert right == "refused"
    assert GiftRedemption.objects.get(pk=redemption.pk).state == "reserved"


def test_wrong_gift_codes_are_recorded_for_hq(client, counter):
    store, _redemption, wrong = counter
    clerk = staff_make(store)
    client.force_login(clerk.user)

    client.post(URL, {"code": wrong}, REMOTE_ADDR="192.0.2.20")

    event = SecurityEvent.objects.get(secret=SecurityEvent.Secret.GIFT_CODE)
    assert (event.kind, event.target, event.user) == ("failed", "store jingan", clerk.user)
    assert event.client_ip == "192.0.2.20"


def test_right_codes_give_their_attempt_back(client, counter):
    store, redemption, wrong = counter
    clerk = staff_make(store)
    client.force_login(clerk.user)
    for _ in range(gifts.VERIFY_ATTEMPTS_PER_CLERK - 1):
        guess(client, wrong)

    guess(client, redemption.pickup_code)

    assert GiftRedemption.objects.get(pk=redemption.pk).state == "picked_up"
    assert guess(client, wrong) == "compared"  # the 10th wrong one is still allowed


def test_the_database_refuses_two_open_gift_pickups_with_one_code(counter):
    store, redemption, _wrong = counter
    other = gifts.gift_redeem(member=member_make(points=500), gift=redemption.gift, store=store)

    with pytest.raises(IntegrityError), transaction.atomic():
        GiftRedemption.objects.filter(pk=other.pk).update(pickup_code=redemption.pickup_code)


@pytest.mark.django_db(transaction=True)
def test_concurrent_gift_code_guesses_cannot_overshoot_the_limit(counter):
    store, _redemption, wrong = counter
    clerk = staff_make(store)
    threads_count, limit = 16, gifts.VERIFY_ATTEMPTS_PER_CLERK
    barrier = threading.Barrier(threads_count)
    outcomes = []
    lock = threading.Lock()

    def guess_at_once():
        try:
            client = Client()
            client.force_login(clerk.user)
            barrier.wait()
            outcome = guess(client, wrong)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess_at_once) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["compared"] * limit + ["refused"] * (threads_count - limit)
