"""The deadline sweep (dispatch.services.sweep): concurrent, repeated and interrupted runs."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from dispatch.models import Dispatch, DispatchEvent, DispatchOffer
from dispatch.services import chain, dispatch_offer_make, dispatch_offers_expire, dispatch_route
from dispatch.tasks import expire_offers
from inventory.models import Reservation, StockLevel
from tests.dispatch.conftest import JING_AN, NOW

OfferStatus = DispatchOffer.Status


def offered_orders(city, count):
    """`count` paid delivery orders, each offered to `near` with mid next in line."""
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, count)
    offers = []
    for _ in range(count):
        member = city.member()
        decision = dispatch_route(
            latitude=JING_AN[0], longitude=JING_AN[1], lines=[(city.dress_m.pk, 1)], now=NOW
        )
        order = city.order(member, [(city.dress_m, 1)], reserve_at=city.near)
        offers.append(dispatch_offer_make(order=order, decision=decision, now=NOW))
    return offers


def assert_each_moved_on_exactly_once(city, offers):
    for offer in offers:
        rows = list(
            DispatchOffer.objects.filter(order=offer.order).values_list("store__code", "status")
        )
        assert rows == [("near", OfferStatus.EXPIRED), ("mid", OfferStatus.OFFERED)]
        expired_events = DispatchEvent.objects.filter(dispatch__order=offer.order, kind="expired")
        assert expired_events.count() == 1
    # Every unit is held exactly once, at the new store.
    count = len(offers)
    assert city.level(city.near, city.dress_m) == (count, 0)
    assert city.level(city.mid, city.dress_m) == (count, count)
    assert Reservation.objects.filter(state="active", store=city.mid).count() == count


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_reassign_each_expired_offer_exactly_once(city):
    offers = offered_orders(city, 12)
    deadline = offers[0].deadline
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(dispatch_offers_expire(now=deadline, batch_size=5))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sum(results) == 12  # between them, each offer once
    assert_each_moved_on_exactly_once(city, offers)


@pytest.mark.django_db
def test_a_sweep_before_the_deadline_or_a_second_sweep_changes_nothing(city):
    offers = offered_orders(city, 3)
    deadline = offers[0].deadline

    assert dispatch_offers_expire(now=deadline - timedelta(seconds=1)) == 0
    assert dispatch_offers_expire(now=deadline) == 3
    assert dispatch_offers_expire(now=deadline) == 0

    assert_each_moved_on_exactly_once(city, offers)


class Killed(BaseException):
    """Stands for the worker process dying: nothing catches it, the transaction never commits."""


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_half_way_forgets_nothing_and_the_next_one_finishes(city, monkeypatch):
    offers = offered_orders(city, 4)
    deadline = offers[0].deadline
    real_offer_next = chain.offer_next
    calls = []

    def dies_on_the_third(**kwargs):
        calls.append(kwargs["order"].pk)
        if len(calls) == 3:
            raise Killed()
        return real_offer_next(**kwargs)

    monkeypatch.setattr("dispatch.services.sweep.offer_next", dies_on_the_third)
    with pytest.raises(Killed):
        dispatch_offers_expire(now=deadline, batch_size=2)

    # Two offers moved on and committed; the third rolled back whole (still offered, its stock
    # still at near); the fourth was never touched.
    assert DispatchOffer.objects.filter(status=OfferStatus.EXPIRED).count() == 2
    interrupted = DispatchOffer.objects.get(order_id=calls[2], store=city.near)
    assert interrupted.status == OfferStatus.OFFERED
    assert (
        Reservation.objects.get(owner=interrupted.order.reservation_owner, state="active").store
        == city.near
    )

    monkeypatch.setattr("dispatch.services.sweep.offer_next", real_offer_next)
    assert dispatch_offers_expire(now=deadline) == 2
    assert_each_moved_on_exactly_once(city, offers)


@pytest.mark.django_db
def test_one_offer_failing_does_not_stop_the_others(city, monkeypatch):
    offers = offered_orders(city, 3)
    real_offer_next = chain.offer_next
    broken = offers[1].order.pk

    def fails_for_one(**kwargs):
        if kwargs["order"].pk == broken:
            raise RuntimeError("unexpected")
        return real_offer_next(**kwargs)

    monkeypatch.setattr("dispatch.services.sweep.offer_next", fails_for_one)

    assert dispatch_offers_expire(now=offers[0].deadline) == 2
    assert (
        DispatchOffer.objects.get(order_id=broken).status == OfferStatus.OFFERED
    )  # retried next run


@pytest.mark.django_db
def test_the_beat_task_and_the_cron_command_run_the_sweep(city, capsys):
    offers = offered_orders(city, 2)
    # Deadlines in the real past, as the task and command use the clock.
    DispatchOffer.objects.filter(pk=offers[0].pk).update(deadline=NOW.replace(year=2020))

    assert expire_offers() == 1
    DispatchOffer.objects.filter(pk=offers[1].pk).update(deadline=NOW.replace(year=2020))
    call_command("expire_dispatch_offers")

    assert "moved on 1 expired offer(s)" in capsys.readouterr().out
    assert not DispatchOffer.objects.filter(store=city.near, status=OfferStatus.OFFERED).exists()
    assert Dispatch.objects.filter(state=Dispatch.State.OFFERED).count() == 2


def test_beat_runs_the_sweep_every_30_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-expire-offers"]
    assert entry == {"task": "dispatch.tasks.expire_offers", "schedule": 30.0}
    assert expire_offers.name == "dispatch.tasks.expire_offers"


@pytest.mark.django_db
def test_levels_stay_consistent_with_reservations(city):
    offers = offered_orders(city, 5)
    dispatch_offers_expire(now=offers[0].deadline)

    for level in StockLevel.objects.all():
        held = sum(
            Reservation.objects.filter(
                store=level.store, sku=level.sku, state="active"
            ).values_list("quantity", flat=True)
        )
        assert level.reserved == held
