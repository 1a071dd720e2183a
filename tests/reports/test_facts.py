"""Daily facts: for any day they equal the sums over that day's orders, refunds and ledger
entries (checked against direct ORM queries, which share nothing with the rebuild's SQL), and a
rebuild is idempotent."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.db.models.functions import Coalesce

from orders.models import Order, Refund
from reports.models import ClerkDay, ProductDay, StoreDay
from reports.services.facts import facts_live, facts_rebuild, local_bounds
from tests.reports.synthetic import at, ledgers_make, order_make, refund_make

pytestmark = pytest.mark.django_db
FIRST = date(2026, 3, 1)
DAYS = 21


def snapshot(model):
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return sorted(tuple(row) for row in model.objects.values_list(*fields))


def direct(day: date, *, basis: str):
    """{(store, channel, fulfilment): (orders, paid, refunded)} straight from the ledgers."""
    start, end = local_bounds(day, day)
    store = "credited_store_id" if basis == "credited" else "fulfilling_store_id"
    figures = {}
    for order in Order.objects.filter(paid_at__gte=start, paid_at__lt=end):
        key = (getattr(order, store), order.channel, order.fulfillment)
        orders, paid, refunded = figures.get(key, (0, 0, 0))
        figures[key] = (orders + 1, paid + order.total_amount, refunded)
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, completed_at__gte=start, completed_at__lt=end
    ).select_related("order")
    for refund in refunds:
        order = refund.order
        key = (getattr(order, store), order.channel, order.fulfillment)
        orders, paid, refunded = figures.get(key, (0, 0, 0))
        figures[key] = (orders, paid, refunded + refund.amount)
    return figures


def from_facts(day: date, *, basis: str):
    return {
        (row.store_id, row.channel, row.fulfillment): (
            row.orders,
            row.sales_amount,
            row.refund_amount,
        )
        for row in StoreDay.objects.filter(day=day, basis=basis)
    }


def test_facts_equal_the_ledgers_on_random_days(shop):
    ledgers_make(shop, first_day=FIRST, days=DAYS)

    facts_rebuild(first_day=FIRST, last_day=FIRST + timedelta(days=DAYS + 3))

    rng = random.Random(13)
    for day in rng.sample([FIRST + timedelta(days=n) for n in range(DAYS + 3)], 10):
        for basis in ("credited", "fulfilled"):
            assert from_facts(day, basis=basis) == direct(day, basis=basis), (day, basis)
    # The whole range: every paid fen and every refunded fen counted exactly once per basis.
    paid = Order.objects.aggregate(total=Sum("total_amount"))["total"]
    refunded = Refund.objects.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))[
        "total"
    ]
    for basis in ("credited", "fulfilled"):
        sums = StoreDay.objects.filter(basis=basis).aggregate(
            paid=Coalesce(Sum("sales_amount"), 0), refunded=Coalesce(Sum("refund_amount"), 0)
        )
        assert sums == {"paid": paid, "refunded": refunded}
    lines = ProductDay.objects.aggregate(total=Sum("sales_amount"))["total"]
    assert lines == paid  # one line per synthetic order, its discount on the line
    clerk_paid = Order.objects.filter(credited_clerk=shop.clerk).aggregate(t=Sum("total_amount"))
    assert ClerkDay.objects.aggregate(t=Sum("sales_amount")) == clerk_paid


def test_rebuilding_twice_gives_the_same_rows(shop):
    ledgers_make(shop, first_day=FIRST, days=10, seed=3)
    last = FIRST + timedelta(days=12)

    first = facts_rebuild(first_day=FIRST, last_day=last)
    rows = (snapshot(StoreDay), snapshot(ClerkDay), snapshot(ProductDay))
    second = facts_rebuild(first_day=FIRST, last_day=last)
    call_command("reports_facts", "--from", str(FIRST), "--to", str(last), stdout=None)

    assert first.rows == second.rows and first.rows["storeday"] > 0
    assert (snapshot(StoreDay), snapshot(ClerkDay), snapshot(ProductDay)) == rows


def test_a_rebuild_of_one_day_leaves_the_others_alone(shop):
    order = order_make(shop, paid_at=at(FIRST, 10), amount=20000)
    facts_rebuild(first_day=FIRST, last_day=FIRST + timedelta(days=1))
    # The ledger changes after the facts were built: only a rebuild of that day sees it.
    refund_make(order, amount=5000, completed_at=at(FIRST + timedelta(days=1), 9))

    facts_rebuild(first_day=FIRST + timedelta(days=1), last_day=FIRST + timedelta(days=1))

    day_one = StoreDay.objects.get(day=FIRST, basis="credited")
    day_two = StoreDay.objects.get(day=FIRST + timedelta(days=1), basis="credited")
    assert (day_one.orders, day_one.sales_amount, day_one.refund_amount) == (1, 20000, 0)
    assert (day_two.orders, day_two.sales_amount, day_two.refund_amount) == (0, 0, 5000)


def test_a_refund_counts_once_on_its_own_day_and_only_when_the_money_moved(shop):
    order = order_make(shop, paid_at=at(FIRST, 23, 50), amount=30000)
    refund_make(order, amount=10000, completed_at=at(FIRST, 23, 55))
    refund_make(order, amount=10000, completed_at=None, status=Refund.Status.REQUESTED)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)

    facts_rebuild(first_day=FIRST, last_day=FIRST)

    row = StoreDay.objects.get(day=FIRST, basis="credited")
    assert (row.sales_amount, row.refunds, row.refund_amount, row.net_amount) == (
        30000,
        1,
        10000,
        20000,
    )


def test_local_midnight_decides_the_day_and_new_versus_returning(shop):
    # 00:10 in Shanghai is the previous day in UTC: it belongs to the local day.
    order_make(shop, paid_at=at(FIRST, 0, 10), member=shop.member)
    order_make(shop, paid_at=at(FIRST + timedelta(days=1), 11), member=shop.member)

    facts_rebuild(first_day=FIRST - timedelta(days=1), last_day=FIRST + timedelta(days=1))

    rows = {row.day: row for row in StoreDay.objects.filter(basis="credited")}
    assert set(rows) == {FIRST, FIRST + timedelta(days=1)}
    assert (rows[FIRST].customers_new, rows[FIRST].customers_returning) == (1, 0)
    second = rows[FIRST + timedelta(days=1)]
    assert (second.customers_new, second.customers_returning) == (0, 1)


def test_live_figures_equal_what_the_rebuild_would_store(shop):
    ledgers_make(shop, first_day=FIRST, days=2, seed=11)

    live = {
        (r.store_id, r.basis, r.channel, r.fulfillment): r.sales_amount
        for r in facts_live(StoreDay, day=FIRST)
    }
    facts_rebuild(first_day=FIRST, last_day=FIRST)

    stored = {
        (r.store_id, r.basis, r.channel, r.fulfillment): r.sales_amount
        for r in StoreDay.objects.filter(day=FIRST)
    }
    assert live == stored


def test_whole_months_come_from_the_monthly_rollup_and_add_up_to_the_days(shop):
    from reports.models import StoreMonth
    from reports.selectors import ReportFilter, sales_by_channel, sales_by_store

    ledgers_make(shop, first_day=date(2026, 1, 20), days=80, seed=5)
    facts_rebuild(first_day=date(2026, 1, 1), last_day=date(2026, 4, 30))
    report = ReportFilter(first_day=date(2026, 1, 25), last_day=date(2026, 4, 3))

    by_store = {row["store"].pk: row["credited"] for row in sales_by_store(report)}
    by_channel = sum(row["net_amount"] for row in sales_by_channel(report))

    days = StoreDay.objects.filter(day__gte=report.first_day, day__lte=report.last_day)
    expected = {}
    for row in days.filter(basis="credited"):
        expected[row.store_id] = expected.get(row.store_id, 0) + row.net_amount
    assert by_store == {k: v for k, v in expected.items() if k in by_store}
    assert set(expected) <= set(by_store)
    assert by_channel == sum(expected.values())
    months = StoreMonth.objects.aggregate(paid=Sum("sales_amount"))["paid"]
    assert months == StoreDay.objects.aggregate(paid=Sum("sales_amount"))["paid"]
    assert StoreMonth.objects.filter(month=date(2026, 2, 1)).exists()


def test_service_facts_count_offers_answers_and_pickup_times(shop):
    from datetime import timedelta as minutes_later

    from dispatch.models import DispatchOffer
    from reports.models import ServiceDay
    from tests.dispatch.offer_helpers import delivery_offer_make

    offered_at = at(FIRST, 10)
    offers = [
        delivery_offer_make(store=shop.store, lines=[(shop.sku_m, 1)], now=offered_at)
        for _ in range(3)
    ]
    answers = [("accepted", 5), ("accepted", 25), ("declined", 40)]
    for offer, (status, after) in zip(offers, answers, strict=True):
        DispatchOffer.objects.filter(pk=offer.pk).update(
            status=status, responded_at=offered_at + minutes_later(minutes=after)
        )
    pickup = order_make(
        shop, paid_at=at(FIRST, 9), fulfillment=Order.Fulfillment.PICKUP, channel=Order.Channel.H5
    )
    Order.objects.filter(pk=pickup.pk).update(completed_at=at(FIRST, 9, 30))

    facts_rebuild(first_day=FIRST, last_day=FIRST)

    row = ServiceDay.objects.get(day=FIRST, store=shop.store)
    assert (row.offers, row.accepted, row.declined, row.expired) == (3, 2, 1, 0)
    assert row.accepted_within_target == 1  # the 15-minute target: 5 yes, 25 no
    assert row.accept_minutes_median == pytest.approx(15.0)
    assert (row.pickups, row.pickup_minutes_median) == (1, pytest.approx(30.0))
