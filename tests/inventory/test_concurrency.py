"""Stock services under real concurrency on PostgreSQL (DESIGN §4 "Inventory").

Threads are released together by a barrier, each on its own database connection (closed in a
`finally`), so the services' row locks and guarded updates meet each other for real: no
oversell, no deadlock (PostgreSQL's detector would raise "deadlock detected" after
`deadlock_timeout`), and an expiry released exactly once however many sweeps and clerks race.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum
from django.utils import timezone

from inventory.exceptions import InsufficientStock, InvalidState
from inventory.models import Reservation, StockLevel, StockMovement
from inventory.services import (
    reservations_commit,
    reservations_expire,
    reservations_move,
    reservations_release,
    stock_adjust,
    stock_reserve,
)

pytestmark = pytest.mark.django_db(transaction=True)
R = StockMovement.Reason
BARRIER_TIMEOUT = 60


def run_together(*workers):
    """Run each callable in its own thread, all released at once; return results and errors.

    A worker that needs to stay in step with the others over several rounds receives the
    shared barrier; any error aborts the barrier so no thread waits forever.
    """
    barrier = threading.Barrier(len(workers), timeout=BARRIER_TIMEOUT)
    results: list = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work(barrier)
        except BaseException as error:  # recorded and asserted on by the test
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, work)) for index, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5 * BARRIER_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker thread is stuck"
    return results, errors


def numbers(store, sku):
    level = StockLevel.objects.get(store=store, sku=sku)
    ledger = StockMovement.objects.filter(store=store, sku=sku).aggregate(total=Sum("delta"))
    active = Reservation.objects.filter(store=store, sku=sku, state="active").aggregate(
        total=Sum("quantity")
    )
    return {
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "movements": ledger["total"] or 0,
        "active_reservations": active["total"] or 0,
    }


def soon(minutes=15):
    return timezone.now() + timedelta(minutes=minutes)


def test_fifty_shoppers_buying_the_last_ten_units_never_oversell(store, sku):
    # Given 10 units in stock
    stock_adjust(store=store, sku=sku, delta=10, reason=R.RECEIPT, reference="PO-1")

    # When 50 shoppers reserve and pay for one unit each at the same moment
    def buy(shopper):
        def work(_barrier):
            try:
                held = stock_reserve(
                    store=store, lines=[(sku.pk, 1)], expires_at=soon(), owner=f"order:{shopper}"
                )
            except InsufficientStock:
                return "sold out"
            reservations_commit(reservations=held, reference=f"order:{shopper}")
            return "bought"

        return work

    results, errors = run_together(*(buy(shopper) for shopper in range(50)))

    # Then exactly ten buy, forty are told it is sold out, and the books balance at zero
    assert errors == []
    assert Counter(results) == {"bought": 10, "sold out": 40}
    assert numbers(store, sku) == {
        "on_hand": 0,
        "reserved": 0,
        "movements": 0,
        "active_reservations": 0,
    }
    assert (
        sorted(StockMovement.objects.values_list("reason", "delta"))
        == [("receipt", 10)] + [("sale", -1)] * 10
    )
    assert Reservation.objects.filter(state="committed").count() == 10
    assert not Reservation.objects.exclude(state="committed").exists()


def test_holds_on_one_level_queue_on_its_own_lock_and_other_writers_do_not(store, sku):
    # Given 5 units, and another session at the head of the queue for this level's holds
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [store.pk, sku.pk])

        # When a shopper holds a unit while it is there, waiting at most a moment
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            with pytest.raises(OperationalError, match="lock timeout"):
                stock_reserve(store=store, lines=[(sku.pk, 1)], expires_at=soon(), owner="o:1")

            # Then she waits her turn, and her statement leaves nothing behind; a receipt
            # (not a hold) does not queue there
            assert numbers(store, sku)["reserved"] == 0
            assert not Reservation.objects.exists()
            stock_adjust(store=store, sku=sku, delta=1, reason=R.RECEIPT)

            # And once the other session ends, her hold goes through
            other.rollback()
            stock_reserve(store=store, lines=[(sku.pk, 1)], expires_at=soon(), owner="o:1")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        other.close()
    assert numbers(store, sku) == {
        "on_hand": 6,
        "reserved": 1,
        "movements": 6,
        "active_reservations": 1,
    }


def test_baskets_locking_the_same_skus_in_opposite_orders_never_deadlock(make_store, make_sku):
    # Given two stores holding two SKUs each
    first, second = make_store(), make_store()
    shirt, socks = make_sku(), make_sku()
    for store in (first, second):
        for sku in (shirt, socks):
            stock_adjust(store=store, sku=sku, delta=500, reason=R.RECEIPT)
    rounds = 200

    # When, 200 times over and released together each round, one shopper reserves
    # [shirt, socks] at the first store, moves the basket to the second and pays, while another
    # reserves [socks, shirt] at the second store, moves it to the first and lets it go
    def shopper_a(barrier):
        for round_ in range(rounds):
            barrier.wait()
            held = stock_reserve(
                store=first,
                lines=[(shirt.pk, 1), (socks.pk, 1)],
                expires_at=soon(),
                owner=f"order:a{round_}",
            )
            moved = reservations_move(reservations=held, to_store=second)
            reservations_commit(reservations=moved, reference=f"order:a{round_}")

    def shopper_b(barrier):
        for round_ in range(rounds):
            barrier.wait()
            held = stock_reserve(
                store=second,
                lines=[(socks.pk, 1), (shirt.pk, 1)],
                expires_at=soon(),
                owner=f"order:b{round_}",
            )
            moved = reservations_move(reservations=held, to_store=first)
            reservations_release(reservations=moved)

    _, errors = run_together(shopper_a, shopper_b)

    # Then no transaction was chosen as a deadlock victim (or failed in any other way), and the
    # numbers are exactly those of 200 sales at the second store
    assert [repr(error) for error in errors] == []
    for sku in (shirt, socks):
        assert numbers(first, sku) == {
            "on_hand": 500,
            "reserved": 0,
            "movements": 500,
            "active_reservations": 0,
        }
        assert numbers(second, sku) == {
            "on_hand": 300,
            "reserved": 0,
            "movements": 300,
            "active_reservations": 0,
        }
    assert Counter(Reservation.objects.values_list("state", flat=True)) == {
        "released": 3 * 2 * rounds,  # both originals (moved away) and B's moved basket
        "committed": 2 * rounds,
    }


def expired_reservations(store, skus, count):
    """`count` one-unit reservations whose payment window has already passed."""
    for sku in skus:
        stock_adjust(store=store, sku=sku, delta=count, reason=R.RECEIPT)
    past = timezone.now() - timedelta(minutes=1)
    ids = []
    for index in range(count // len(skus)):
        held = stock_reserve(
            store=store,
            lines=[(sku.pk, 1) for sku in skus],
            expires_at=past,
            owner=f"order:{index}",
        )
        ids += [reservation.pk for reservation in held]
    return ids


def test_two_expiry_sweeps_at_once_release_each_reservation_once(store, make_sku):
    # Given 300 reservations whose payment window has passed, over two SKUs
    skus = [make_sku(), make_sku()]
    ids = expired_reservations(store, skus, 300)
    assert len(ids) == 300

    # When two sweeps run at the same moment, in small batches so they interleave
    def sweep(_barrier):
        return reservations_expire(batch_size=20)

    results, errors = run_together(sweep, sweep)

    # Then between them they released all 300, each once: reserved is back to zero (a second
    # release of any reservation would have pushed it below zero, which the database refuses)
    assert errors == []
    assert sum(results) == 300
    for sku in skus:
        assert numbers(store, sku) == {
            "on_hand": 300,
            "reserved": 0,
            "movements": 300,
            "active_reservations": 0,
        }
    assert Reservation.objects.filter(state="released", closed_at__isnull=False).count() == 300
    assert not Reservation.objects.exclude(state="released").exists()


def test_a_sweep_racing_clerks_leaves_each_reservation_in_one_final_state(store, make_sku):
    # Given 300 expired reservations over two SKUs
    skus = [make_sku(), make_sku()]
    ids = expired_reservations(store, skus, 300)

    # When the expiry sweep, a clerk releasing them one by one (newest first) and a cashier
    # committing them one by one (oldest first) all run at the same moment
    def sweep(_barrier):
        return reservations_expire(batch_size=5)

    def release_each(_barrier):
        return sum(reservations_release(reservations=[pk]) for pk in reversed(ids))

    def commit_each(_barrier):
        committed = 0
        for pk in ids:
            try:
                reservations_commit(reservations=[pk], reference=f"pos:{pk}")
                committed += 1
            except InvalidState:  # already released by the sweep or the clerk
                pass
        return committed

    (swept, released, committed), errors = run_together(sweep, release_each, commit_each)

    # Then every reservation ended exactly once, either released or sold, and stock adds up
    assert errors == []
    assert swept + released + committed == 300
    states = Counter(Reservation.objects.values_list("state", flat=True))
    assert states == +Counter({"released": swept + released, "committed": committed})
    assert not Reservation.objects.filter(closed_at__isnull=True).exists()
    sold = Counter(Reservation.objects.filter(state="committed").values_list("sku_id", flat=True))
    for sku in skus:
        assert numbers(store, sku) == {
            "on_hand": 300 - sold[sku.pk],
            "reserved": 0,
            "movements": 300 - sold[sku.pk],
            "active_reservations": 0,
        }
    assert StockMovement.objects.filter(reason="sale").count() == committed
