"""Reads for the store's stock room and the manager page: search with the store's numbers, one
SKU's numbers with what is on its way, the store's transfers by what it has to do, and the levels
under their reorder point (the nightly replenishment's own rule)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import ReplenishmentPolicy, StockMovement, Transfer
from inventory.selectors import (
    sku_stock_at_store,
    sku_stock_search,
    store_levels_below_reorder_point,
    store_transfers,
)
from inventory.services import (
    replenishment_run,
    stock_adjust,
    stock_reserve,
    stock_sell,
    transfer_cancel,
    transfer_receive,
    transfer_request,
    transfer_ship,
)

pytestmark = pytest.mark.django_db
R = StockMovement.Reason


def test_search_finds_by_name_code_and_barcode_with_the_stores_numbers(store, make_sku):
    dress = make_sku("dress-m", barcode="6900000000011")
    never_stocked = make_sku("dress-l")
    withdrawn = make_sku("old-dress", is_active=False)
    stock_adjust(store=store, sku=dress, delta=4, reason=R.RECEIPT)
    stock_reserve(
        store=store,
        lines=[(dress.pk, 1)],
        expires_at=timezone.now() + timedelta(minutes=5),
        owner="order:1",
    )

    by_code = sku_stock_search(store=store, query="DRESS-M")
    by_barcode = sku_stock_search(store=store, query="6900000000011")
    by_name = sku_stock_search(store=store, query=dress.product.name)

    assert [(s.pk, s.on_hand, s.available) for s in by_code] == [(dress.pk, 4, 3)]
    assert [s.pk for s in by_barcode] == [dress.pk]
    assert [s.pk for s in by_name] == [dress.pk]
    assert [(s.on_hand, s.available) for s in sku_stock_search(store=store, query="dress-l")] == [
        (None, None)
    ]
    assert never_stocked.pk != withdrawn.pk
    assert sku_stock_search(store=store, query="old-dress") == []
    assert sku_stock_search(store=store, query="  ") == []


def test_one_skus_numbers_count_what_is_on_its_way(make_store, sku):
    here, there = make_store(), make_store()
    stock_adjust(store=here, sku=sku, delta=2, reason=R.RECEIPT)
    stock_adjust(store=there, sku=sku, delta=9, reason=R.RECEIPT)
    transfer_request(from_store=there, to_store=here, lines=[(sku.pk, 3)])
    shipped = transfer_request(from_store=there, to_store=here, lines=[(sku.pk, 1)])
    transfer_ship(transfer=shipped)
    cancelled = transfer_request(from_store=there, to_store=here, lines=[(sku.pk, 5)])
    transfer_cancel(transfer=cancelled)

    numbers = sku_stock_at_store(sku=sku, store=here)

    assert (numbers.on_hand, numbers.available, numbers.incoming) == (2, 2, 4)
    assert sku_stock_at_store(sku=sku, store=make_store()).available == 0


def test_a_stores_transfers_are_sorted_by_what_it_has_to_do(make_store, sku):
    here, there, elsewhere = make_store(), make_store(), make_store()
    for store in (here, there):
        stock_adjust(store=store, sku=sku, delta=20, reason=R.RECEIPT)

    def request(source, destination):
        return transfer_request(from_store=source, to_store=destination, lines=[(sku.pk, 1)])

    first_to_ship, second_to_ship = request(here, there), request(here, there)
    asked = request(there, here)
    arriving = request(there, here)
    transfer_ship(transfer=arriving)
    sent = request(here, there)
    transfer_ship(transfer=sent)
    received = request(there, here)
    transfer_ship(transfer=received)
    transfer_receive(transfer=received)
    old = request(there, here)
    transfer_cancel(transfer=old)
    Transfer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30))
    request(there, elsewhere)
    transfer_request(
        from_store=there, to_store=here, lines=[(sku.pk, 1)], proposed=True, kind="rebalance"
    )

    listed = store_transfers(store=here)

    assert [t.pk for t in listed.to_ship] == [first_to_ship.pk, second_to_ship.pk]
    assert [t.pk for t in listed.asked] == [asked.pk]
    assert [t.pk for t in listed.arriving] == [arriving.pk]
    assert [t.pk for t in listed.sent] == [sent.pk]
    assert [t.pk for t in listed.recent] == [received.pk]


def test_store_transfers_take_two_queries(make_store, make_sku, django_assert_num_queries):
    here, there = make_store(), make_store()
    for _ in range(5):
        sku = make_sku()
        stock_adjust(store=there, sku=sku, delta=5, reason=R.RECEIPT)
        transfer_request(from_store=there, to_store=here, lines=[(sku.pk, 2)])

    with django_assert_num_queries(2):
        listed = store_transfers(store=here)
        names = [line.sku.product.name for t in listed.asked for line in t.lines.all()]

    assert len(names) == 5


@pytest.fixture
def selling_store(make_store, make_sku):
    """Given a store that sold 28 units of each of three SKUs in the last 28 days, now holding
    3, 10 and 2 units, with 3 more of the last on their way."""
    ReplenishmentPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "lead_time_days": 2,
            "review_period_days": 7,
            "safety_stock_units": 2,
            "velocity_window_days": 28,
        },
    )
    warehouse = make_store("wh", kind="warehouse")
    store = make_store("shop")
    short, plenty, coming = make_sku("short"), make_sku("plenty"), make_sku("coming")
    for sku, left in [(short, 3), (plenty, 10), (coming, 2)]:
        stock_adjust(store=store, sku=sku, delta=28 + left, reason=R.RECEIPT)
        stock_sell(store=store, lines=[(sku.pk, 28)], reference=f"pos:{sku.code}")
    stock_adjust(store=warehouse, sku=coming, delta=3, reason=R.RECEIPT)
    transfer_request(from_store=warehouse, to_store=store, lines=[(coming.pk, 3)])
    return store, short, plenty, coming


def test_levels_below_the_reorder_point_follow_the_replenishment_rule(selling_store):
    store, short, _plenty, coming = selling_store
    now = timezone.now() + timedelta(minutes=1)

    below = store_levels_below_reorder_point(store=store, now=now)

    # One unit a day: reorder point 1 × 2 + 2 = 4, target 1 × 9 + 2 = 11. The short SKU (3 held)
    # is under it; the one with 2 held and 3 coming is not, nor the one with 10.
    assert [
        (level.sku_id, level.position, level.reorder_point, level.target) for level in below
    ] == [(short.pk, 3, 4, 11)]
    assert below[0].sold == 28
    # The nightly job sees the same level under its reorder point.
    assert replenishment_run(now=now).levels_below_reorder_point == 1


def test_sales_outside_the_window_do_not_count(selling_store):
    store, *_ = selling_store

    assert (
        store_levels_below_reorder_point(store=store, now=timezone.now() + timedelta(days=29)) == []
    )


def test_below_reorder_point_is_one_query(selling_store, django_assert_num_queries):
    store, *_ = selling_store
    policy = ReplenishmentPolicy.current()

    with django_assert_num_queries(1):
        store_levels_below_reorder_point(store=store, policy=policy)
