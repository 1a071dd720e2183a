"""Concurrent redemptions cannot overspend: exactly the affordable ones succeed."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from members.exceptions import InsufficientPoints
from members.models import GiftRedemption, Member, PointsEntry
from members.services.gifts import gift_redeem
from members.services.points import points_add, points_reverse_for_refund
from tests.members.loyalty_factories import gift_make, member_make, stock_put, store_make

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list[str]:
    """Start `count` threads released at once by a barrier; each closes its DB connection."""
    barrier = threading.Barrier(count)
    results: list[str] = [""] * count

    def target(index: int):
        try:
            barrier.wait()
            work(index)
            results[index] = "ok"
        except InsufficientPoints:
            results[index] = "insufficient"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_ledger_consistent(member):
    balance = Member.objects.values_list("points_balance", flat=True).get(pk=member.pk)
    total = PointsEntry.objects.filter(member=member).aggregate(total=Sum("delta"))["total"]
    assert balance >= 0
    assert balance == total
    return balance


@pytest.mark.parametrize("threads, cost, expected_ok", [(2, 60, 1), (10, 30, 3)])
def test_concurrent_spends_never_overspend(threads, cost, expected_ok):
    member = member_make(points=100)

    results = run_together(
        threads,
        lambda i: points_add(member=member, delta=-cost, reason="gift", reference=f"gift:{i}"),
    )

    assert sorted(results).count("ok") == expected_ok, results
    assert results.count("insufficient") == threads - expected_ok, results
    assert assert_ledger_consistent(member) == 100 - expected_ok * cost


def test_ten_concurrent_gift_redemptions_only_affordable_ones_succeed():
    store = store_make()
    gift = gift_make(points=30)
    stock_put(store, gift.sku, 20)
    member = member_make(points=100)

    results = run_together(10, lambda i: gift_redeem(member=member, gift=gift, store=store))

    assert results.count("ok") == 3, results
    assert results.count("insufficient") == 7, results
    assert assert_ledger_consistent(member) == 10
    assert GiftRedemption.objects.filter(member=member).count() == 3


def test_concurrent_refunds_of_one_purchase_take_back_at_most_what_it_earned():
    """Refund notifications for the whole order (different refund ids) at the same moment."""
    member = member_make(points=500)
    points_add(member=member, delta=100, reason="purchase", reference="order:1")

    results = run_together(
        6,
        lambda i: points_reverse_for_refund(
            member=member,
            purchase_reference="order:1",
            refund_reference=f"refund:{i}",
            refunded_fen=10_000,
            paid_fen=10_000,
        ),
    )

    assert results == ["ok"] * 6
    reversed_total = -PointsEntry.objects.filter(member=member, reason="reversal").aggregate(
        total=Sum("delta")
    )["total"]
    assert reversed_total == 100
    assert assert_ledger_consistent(member) == 500
