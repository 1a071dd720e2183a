"""The deadline sweep (dispatch.services.sweep): concurrent, repeated and interrupted runs."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Dispatch, DispatchEvent, DispatchOffer
from dispatch.services import (
    chain,
    dispatch_offer_make,
    dispatch_offers_expire,
    dispatch_route,
    sweep,
)
from dispatch.tasks import expire_offers
from inventory.models import Reservation, StockLevel
from inventory.services import stock_adjust
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


@pytest.mark.parametrize("bulk", [True, False], ids=["batched", "one by one"])
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_reassign_each_expired_offer_exactly_once(city, bulk):
    offers = offered_orders(city, 12)
    deadline = offers[0].deadline
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(dispatch_offers_expire(now=deadline, batch_size=5, bulk=bulk))
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


@pytest.mark.django_db(transaction=True)
def test_two_batched_sweeps_claim_different_batches_and_reassign_each_offer_once(city, monkeypatch):
    # Twelve offers expire at near. mid, next for all of them, has nine units left: nine orders
    # move there in bulk, the other three skip mid for home one by one.
    offers = offered_orders(city, 12)
    stock_adjust(store=city.mid, sku=city.dress_m, delta=-3, reason="adjustment")
    city.stock(city.home, city.dress_m, 3)
    for offer in offers:
        decision = offer.dispatch.decision
        decision.plans = decision.plans + [
            {"store": city.home.pk, "code": "home", "kind": "full", "covers": [city.dress_m.pk]}
        ]
        decision.save()
    deadline = offers[0].deadline
    # Each sweep holds its first claimed batch until the other has claimed one too: both are
    # then working at once, on different offers (SKIP LOCKED), before either commits.
    claimed = threading.Barrier(2)
    first_batch, real_batch = threading.local(), sweep._expire_batch
    in_bulk, real_move = [], sweep._move_bulk

    def expire_batch(batch, **kwargs):
        if not getattr(first_batch, "seen", False):
            first_batch.seen = True
            claimed.wait(timeout=20)
        return real_batch(batch, **kwargs)

    def move_bulk(moves, **kwargs):
        done = real_move(moves, **kwargs)
        in_bulk.extend(offer.pk for offer, _ in moves if done)
        return done

    monkeypatch.setattr("dispatch.services.sweep._expire_batch", expire_batch)
    monkeypatch.setattr("dispatch.services.sweep._move_bulk", move_bulk)
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(dispatch_offers_expire(now=deadline, batch_size=6))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert sorted(results) == [6, 6]  # each sweep moved on the batch it claimed, and only that
    assert len(in_bulk) == len(set(in_bulk)) == 9
    for offer in offers:
        rows = list(
            DispatchOffer.objects.filter(order=offer.order)
            .order_by("id")
            .values_list("store__code", "status")
        )
        assert rows in (
            [("near", OfferStatus.EXPIRED), ("mid", OfferStatus.OFFERED)],
            [("near", OfferStatus.EXPIRED), ("home", OfferStatus.OFFERED)],
        )
        assert (
            DispatchEvent.objects.filter(dispatch__order=offer.order, kind="expired").count() == 1
        )
    live = DispatchOffer.objects.filter(status=OfferStatus.OFFERED)
    assert sorted(live.values_list("store__code", flat=True)) == ["home"] * 3 + ["mid"] * 9
    assert city.level(city.near, city.dress_m) == (12, 0)
    assert city.level(city.mid, city.dress_m) == (9, 9)
    assert city.level(city.home, city.dress_m) == (3, 3)
    assert DispatchEvent.objects.filter(kind="skipped", store=city.mid).count() == 3


@pytest.mark.django_db
def test_a_batch_takes_as_many_queries_for_twelve_offers_as_for_three(city):
    # Three offers expire first, all going to mid; then twelve, six of which go to home next.
    offers = offered_orders(city, 15)
    city.stock(city.home, city.dress_m, 6)
    for offer in offers[9:]:
        decision = offer.dispatch.decision
        home = {"store": city.home.pk, "code": "home", "kind": "full", "covers": [city.dress_m.pk]}
        decision.plans = [decision.plans[0], home, *decision.plans[1:]]
        decision.save()
    deadline = offers[0].deadline
    early = [offer.pk for offer in offers[:3]]
    DispatchOffer.objects.filter(pk__in=early).update(deadline=deadline - timedelta(minutes=1))

    with CaptureQueriesContext(connection) as three:
        assert dispatch_offers_expire(now=deadline - timedelta(minutes=1)) == 3
    with CaptureQueriesContext(connection) as twelve:
        assert dispatch_offers_expire(now=deadline) == 12

    # Set-based: one statement per step of the batch, whatever its size and its next stores.
    assert len(twelve) == len(three) < 30
    live = DispatchOffer.objects.filter(status=OfferStatus.OFFERED)
    assert sorted(live.values_list("store__code", flat=True)) == ["home"] * 6 + ["mid"] * 9
    assert city.level(city.near, city.dress_m) == (15, 0)
    assert city.level(city.mid, city.dress_m) == (15, 9)
    assert city.level(city.home, city.dress_m) == (6, 6)


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


def one_by_one(monkeypatch):
    """Send every offer down the one-by-one path instead of the bulk one."""
    monkeypatch.setattr("dispatch.services.sweep._in_bulk", lambda *args: False)


@pytest.mark.parametrize("path", ["bulk", "one by one"])
@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_half_way_forgets_nothing_and_the_next_one_finishes(city, monkeypatch, path):
    offers = offered_orders(city, 4)
    deadline = offers[0].deadline
    calls = []
    if path == "bulk":
        target, real = (
            "dispatch.services.sweep.reservations_move_many",
            sweep.reservations_move_many,
        )
    else:
        one_by_one(monkeypatch)
        target, real = "dispatch.services.sweep.offer_next", sweep.offer_next

    def dies_in_the_second_batch(**kwargs):
        calls.append(kwargs)
        if len(calls) == (2 if path == "bulk" else 3):
            raise Killed()
        return real(**kwargs)

    monkeypatch.setattr(target, dies_in_the_second_batch)
    with pytest.raises(Killed):
        dispatch_offers_expire(now=deadline, batch_size=2)

    # The first batch moved on and committed; the second rolled back whole: its offers are
    # still live at near, with their stock held there.
    assert DispatchOffer.objects.filter(status=OfferStatus.EXPIRED).count() == 2
    live_at_near = DispatchOffer.objects.filter(status=OfferStatus.OFFERED, store=city.near)
    assert live_at_near.count() == 2
    for offer in live_at_near:
        held = Reservation.objects.get(owner=offer.order.reservation_owner, state="active")
        assert held.store == city.near

    monkeypatch.setattr(target, real)
    assert dispatch_offers_expire(now=deadline) == 2
    assert_each_moved_on_exactly_once(city, offers)


@pytest.mark.django_db
def test_one_offer_failing_does_not_stop_the_others(city, monkeypatch):
    offers = offered_orders(city, 3)
    one_by_one(monkeypatch)
    broken = offers[1].order.pk

    def fails_for_one(**kwargs):
        if kwargs["order"].pk == broken:
            raise RuntimeError("unexpected")
        return chain.offer_next(**kwargs)

    monkeypatch.setattr("dispatch.services.sweep.offer_next", fails_for_one)

    assert dispatch_offers_expire(now=offers[0].deadline) == 2
    assert DispatchOffer.objects.get(order_id=broken).status == OfferStatus.OFFERED  # next run


@pytest.mark.django_db
def test_a_store_that_cannot_take_the_whole_group_takes_those_that_fit(city):
    # Three orders expire at near; mid, next for all of them, has two units: two go to mid,
    # the third skips it for home.
    offers = offered_orders(city, 3)
    stock_adjust(store=city.mid, sku=city.dress_m, delta=-1, reason="adjustment")
    city.stock(city.home, city.dress_m, 1)
    for offer in offers:
        decision = offer.dispatch.decision
        decision.plans = decision.plans + [
            {"store": city.home.pk, "code": "home", "kind": "full", "covers": [city.dress_m.pk]}
        ]
        decision.save()

    assert dispatch_offers_expire(now=offers[0].deadline) == 3

    live = DispatchOffer.objects.filter(status=OfferStatus.OFFERED)
    assert sorted(live.values_list("store__code", flat=True)) == ["home", "mid", "mid"]
    assert city.level(city.mid, city.dress_m) == (2, 2)
    assert city.level(city.home, city.dress_m) == (1, 1)
    assert DispatchEvent.objects.filter(kind="skipped", store=city.mid).count() == 1


@pytest.mark.parametrize("path", ["bulk", "one by one"])
@pytest.mark.django_db
def test_bulk_and_one_by_one_leave_the_same_records(city, monkeypatch, path):
    offers = offered_orders(city, 3)
    if path == "one by one":
        one_by_one(monkeypatch)
    deadline = offers[0].deadline

    dispatch_offers_expire(now=deadline)

    for offer in offers:
        timeline = list(
            DispatchEvent.objects.filter(dispatch=offer.dispatch)
            .order_by("id")
            .values_list("kind", "from_state", "to_state", "store__code", "note")
        )
        assert timeline[3:] == [  # after routed, offered to near, new → offered
            ("expired", "offered", "expired", "near", "deadline passed"),
            ("offered", "", "offered", "mid", timeline[4][4]),
        ]
        assert timeline[4][4].startswith("deadline ")
        offer.refresh_from_db()
        assert (offer.status, offer.reason, offer.actor) == ("expired", "deadline passed", None)
        live = DispatchOffer.objects.get(order=offer.order, status=OfferStatus.OFFERED)
        assert (live.store, live.basis, live.kind, live.covers) == (
            city.mid,
            DispatchOffer.Basis.NEXT_CANDIDATE,
            DispatchOffer.Kind.FULL,
            [city.dress_m.pk],
        )
        assert (live.created_at, live.deadline) == (deadline, deadline + timedelta(minutes=60))
        held = Reservation.objects.get(owner=offer.order.reservation_owner, state="active")
        assert held.expires_at == live.deadline + timedelta(minutes=30)


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
