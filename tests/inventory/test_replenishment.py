"""Nightly replenishment: velocity, targets, warehouse allocation, holds, rebalance suggestions.

Default policy in these tests: lead 2 days, review 7 days, safety stock 2, window 28 days. A
store that sold 28 units in the window sells 1 a day: reorder point 1 × 2 + 2 = 4, target
1 × 9 + 2 = 11.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from inventory.models import (
    ReplenishmentPolicy,
    Reservation,
    StockLevel,
    StockMovement,
    Transfer,
)
from inventory.services import (
    replenishment_run,
    stock_adjust,
    stock_reserve,
    transfer_approve,
    transfer_receive,
    transfer_ship,
)
from inventory.services.levels import levels_apply, levels_ensure
from inventory.tasks import replenish
from stores.models import Store

pytestmark = pytest.mark.django_db
R = StockMovement.Reason
NEAR = 0.01  # degrees of latitude: about 1.1 km
FAR = 1.0  # about 111 km


@pytest.fixture
def policy():
    policy = ReplenishmentPolicy.current()
    policy.lead_time_days, policy.review_period_days, policy.safety_stock_units = 2, 7, 2
    policy.velocity_window_days, policy.auto_approve = 28, False
    policy.rebalance_cover_ratio, policy.rebalance_radius_km = 3, 15
    policy.save()
    return policy


@pytest.fixture
def warehouse(make_store):
    return make_store("hq", kind=Store.Kind.WAREHOUSE)


def history(store, sku, *, on_hand, sold=0, sales_days=14, days_ago=1):
    """A level with `on_hand` units now, after `sold` units sold over the last weeks.

    The ledger stays whole: a receipt two months ago of on_hand + sold, then the sales spread
    over `sales_days` days ending `days_ago` days ago. Movement times are in the past, which the
    ORM (auto_now_add) cannot write, so these rows go in with plain SQL.
    """
    now = timezone.now()
    rows = [(on_hand + sold, R.RECEIPT, now - timedelta(days=60))] if on_hand + sold else []
    per_day, extra = divmod(sold, sales_days)
    for day in range(sales_days):
        units = per_day + (1 if day < extra else 0)
        if units:
            rows.append((-units, R.SALE, now - timedelta(days=days_ago + day, hours=3)))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {StockMovement._meta.db_table} "  # noqa: S608 - table name from the model
            "(store_id, sku_id, delta, reason, reference, note, actor_id, created_at) "
            "VALUES (%s, %s, %s, %s, 'history', '', NULL, %s)",
            [(store.pk, sku.pk, delta, reason, at) for delta, reason, at in rows],
        )
    levels_ensure([(store.pk, sku.pk)])
    if on_hand:
        levels_apply({(store.pk, sku.pk): (on_hand, 0)})


def receive(store, sku, units):
    stock_adjust(store=store, sku=sku, delta=units, reason=R.RECEIPT, reference="PO")


def transfers(kind=Transfer.Kind.REPLENISHMENT):
    return Transfer.objects.filter(kind=kind).order_by("to_store_id", "from_store_id")


def lines_of(transfer):
    return dict(transfer.lines.values_list("sku_id", "quantity"))


def level(store, sku):
    return StockLevel.objects.get(store=store, sku=sku)


def assert_ledger_whole():
    """reserved = sum of active reservations; on_hand = sum of movements, for every level."""
    for lv in StockLevel.objects.all():
        held = Reservation.objects.filter(
            store_id=lv.store_id, sku_id=lv.sku_id, state=Reservation.State.ACTIVE
        ).aggregate(total=Sum("quantity"))["total"]
        moved = StockMovement.objects.filter(store_id=lv.store_id, sku_id=lv.sku_id).aggregate(
            total=Sum("delta")
        )["total"]
        assert (lv.reserved, lv.on_hand) == (held or 0, moved or 0), lv


def test_store_below_its_reorder_point_gets_a_proposal_up_to_its_target(
    policy, warehouse, make_store, sku
):
    shop = make_store("shop")
    receive(warehouse, sku, 100)
    history(shop, sku, on_hand=3, sold=28)
    # A big sale before the window does not count.
    history(shop, sku, on_hand=0, sold=50, sales_days=1, days_ago=40)

    result = replenishment_run(policy=policy)

    transfer = transfers().get()
    assert (transfer.from_store, transfer.to_store, transfer.state) == (
        warehouse,
        shop,
        Transfer.State.PROPOSED,
    )
    assert lines_of(transfer) == {sku.pk: 11 - 3}
    assert (result.replenishment_transfers, result.replenishment_units) == (1, 8)
    # A proposal holds nothing until HQ approves it.
    assert level(warehouse, sku).reserved == 0
    assert not Reservation.objects.exists()


def test_position_at_the_reorder_point_or_no_sales_is_left_alone(
    policy, warehouse, make_store, make_sku
):
    at_reorder_point, never_sold = make_sku(), make_sku()
    shop = make_store("shop")
    receive(warehouse, at_reorder_point, 100)
    receive(warehouse, never_sold, 100)
    history(shop, at_reorder_point, on_hand=4, sold=28)
    history(shop, never_sold, on_hand=0)

    result = replenishment_run(policy=policy)

    assert not Transfer.objects.exists()
    assert result.levels_below_reorder_point == 0


def test_reserved_units_at_the_store_do_not_count_as_on_hand(policy, warehouse, make_store, sku):
    shop = make_store("shop")
    receive(warehouse, sku, 100)
    history(shop, sku, on_hand=6, sold=28)
    stock_reserve(  # held for an online order
        store=shop,
        lines=[(sku.pk, 3)],
        owner="order:1",
        expires_at=timezone.now() + timedelta(minutes=15),
    )

    replenishment_run(policy=policy)

    assert lines_of(transfers().get()) == {sku.pk: 11 - 3}


def test_warehouse_stock_goes_to_the_shortest_cover_first(policy, warehouse, make_store, sku):
    empty = make_store("empty")  # 0 units at 1 a day: cover 0 days, needs 11
    fast = make_store("fast", latitude=31.5)  # 1 unit at 2 a day: cover 0.5 days, needs 20 - 1
    slow = make_store("slow", latitude=31.8)  # 2 units at 1 a day: cover 2 days, needs 9
    receive(warehouse, sku, 15)
    history(empty, sku, on_hand=0, sold=28)
    history(fast, sku, on_hand=1, sold=56)
    history(slow, sku, on_hand=2, sold=28)

    result = replenishment_run(policy=policy)

    assert {t.to_store.code: lines_of(t)[sku.pk] for t in transfers()} == {"empty": 11, "fast": 4}
    assert result.replenishment_units == 15
    assert result.units_still_short == (19 - 4) + 9


def test_auto_approved_transfers_hold_warehouse_units_like_a_request(
    policy, warehouse, make_store, make_sku
):
    policy.auto_approve = True
    policy.save()
    shirt, socks = make_sku(), make_sku()
    north, south = make_store("north"), make_store("south", latitude=31.6)
    receive(warehouse, shirt, 50)
    receive(warehouse, socks, 50)
    history(north, shirt, on_hand=0, sold=28)
    history(north, socks, on_hand=1, sold=28)
    history(south, shirt, on_hand=2, sold=28)

    result = replenishment_run(policy=policy)

    to_north, to_south = transfers()
    assert {to_north.state, to_south.state} == {Transfer.State.REQUESTED}
    assert lines_of(to_north) == {shirt.pk: 11, socks.pk: 10}
    assert lines_of(to_south) == {shirt.pk: 9}
    holds = Reservation.objects.filter(owner=to_north.reservation_owner, state="active")
    assert dict(holds.values_list("sku_id", "quantity")) == {shirt.pk: 11, socks.pk: 10}
    assert holds.first().expires_at > timezone.now() + timedelta(hours=70)
    assert level(warehouse, shirt).reserved == 20
    assert level(warehouse, socks).reserved == 10
    assert result.auto_approved and result.replenishment_units == 30
    assert_ledger_whole()

    # The holds are what the transfer services expect: it ships and arrives as usual.
    transfer_ship(transfer=to_north)
    transfer_receive(transfer=to_north)
    assert level(north, shirt).on_hand == 11
    assert (level(warehouse, shirt).on_hand, level(warehouse, shirt).reserved) == (39, 9)
    assert_ledger_whole()


def test_hq_approves_a_proposal_and_the_warehouse_units_are_held(
    policy, warehouse, make_store, sku
):
    shop = make_store("shop")
    receive(warehouse, sku, 20)
    history(shop, sku, on_hand=0, sold=28)
    replenishment_run(policy=policy)

    transfer = transfer_approve(transfer=transfers().get())

    assert transfer.state == Transfer.State.REQUESTED
    assert level(warehouse, sku).reserved == 11
    assert_ledger_whole()


@pytest.mark.parametrize("auto_approve", [False, True])
def test_a_second_run_creates_nothing(policy, warehouse, make_store, sku, auto_approve):
    policy.auto_approve = auto_approve
    policy.save()
    near_shop, surplus_shop = make_store("near"), make_store("rich", latitude=31.23 + NEAR)
    receive(warehouse, sku, 5)
    history(near_shop, sku, on_hand=0, sold=28)
    history(surplus_shop, sku, on_hand=40)
    first = replenishment_run(policy=policy)
    assert (first.replenishment_units, first.rebalance_units) == (5, 6)

    second = replenishment_run(policy=policy)

    assert (second.replenishment_transfers, second.rebalance_transfers) == (0, 0)
    assert Transfer.objects.count() == 2
    assert second.levels_below_reorder_point == 0


def test_units_proposed_last_night_are_not_promised_again(policy, warehouse, make_store, sku):
    first_shop = make_store("first")
    receive(warehouse, sku, 11)
    history(first_shop, sku, on_hand=0, sold=28)
    replenishment_run(policy=policy)  # all 11 proposed, not yet held
    second_shop = make_store("second", latitude=32.5)
    history(second_shop, sku, on_hand=0, sold=28)

    result = replenishment_run(policy=policy)

    assert result.replenishment_transfers == 0
    assert result.units_still_short == 11
    assert transfers().get().to_store == first_shop


def test_rebalance_is_suggested_from_the_nearest_store_with_far_more_than_it_needs(
    policy, warehouse, make_store, sku
):
    policy.auto_approve = True  # never for rebalancing: a store's stock moves only when HQ says
    policy.save()
    short = make_store("short")
    nearest = make_store("nearest", latitude=31.23 + NEAR, longitude=121.47 + NEAR)
    near = make_store("near", latitude=31.23 - 3 * NEAR)
    far = make_store("far", latitude=31.23 + FAR)
    history(short, sku, on_hand=2, sold=28)  # needs 9; the warehouse has none
    history(nearest, sku, on_hand=40)  # never sold here: keeps 2 (safety), offers 38
    history(near, sku, on_hand=40)
    history(far, sku, on_hand=400)

    result = replenishment_run(policy=policy)

    suggestion = transfers(Transfer.Kind.REBALANCE).get()
    assert (suggestion.from_store, suggestion.to_store, suggestion.state) == (
        nearest,
        short,
        Transfer.State.PROPOSED,
    )
    assert lines_of(suggestion) == {sku.pk: 9}
    assert not transfers().exists()
    assert not Reservation.objects.exists()
    assert (result.rebalance_transfers, result.rebalance_units, result.units_still_short) == (
        1,
        9,
        0,
    )


def test_what_the_nearest_store_cannot_give_comes_from_the_next_one_in_the_same_run(
    policy, warehouse, make_store, sku
):
    short = make_store("short")
    nearest = make_store("nearest", latitude=31.23 + NEAR)
    next_one = make_store("next", latitude=31.23 + 3 * NEAR)
    history(short, sku, on_hand=0, sold=28)  # needs 11
    history(nearest, sku, on_hand=8)  # offers 8 - 2 = 6
    history(next_one, sku, on_hand=40)  # offers 38

    first = replenishment_run(policy=policy)
    second = replenishment_run(policy=policy)

    given = {t.from_store.code: lines_of(t)[sku.pk] for t in transfers(Transfer.Kind.REBALANCE)}
    assert given == {"nearest": 6, "next": 5}
    assert (first.rebalance_transfers, first.units_still_short) == (2, 0)
    assert second.rebalance_transfers == 0


def test_no_rebalance_from_a_store_that_is_far_or_holds_only_a_little_more(
    policy, warehouse, make_store, sku
):
    short = make_store("short")
    busy = make_store("busy", latitude=31.23 + NEAR)
    far = make_store("far", latitude=31.23 + FAR)
    history(short, sku, on_hand=0, sold=28)
    history(busy, sku, on_hand=30, sold=28)  # target 11; 30 is less than 3 × 11
    history(far, sku, on_hand=400)

    result = replenishment_run(policy=policy)

    assert not Transfer.objects.exists()
    assert result.units_still_short == 11


def test_a_store_surplus_is_shared_and_never_promised_twice(policy, warehouse, make_store, sku):
    rich = make_store("rich")
    first = make_store("first", latitude=31.23 + NEAR)
    second = make_store("second", latitude=31.23 - NEAR)
    history(rich, sku, on_hand=16)  # offers 16 - 2 = 14
    history(first, sku, on_hand=0, sold=28)  # needs 11, cover 0
    history(second, sku, on_hand=3, sold=28)  # needs 8, cover 3

    replenishment_run(policy=policy)

    given = {t.to_store.code: lines_of(t)[sku.pk] for t in transfers(Transfer.Kind.REBALANCE)}
    assert given == {"first": 11, "second": 3}


def test_inactive_stores_and_skus_are_not_replenished(policy, warehouse, make_store, make_sku):
    closed = make_store("closed")
    shop = make_store("shop", latitude=31.9)
    retired = make_sku(is_active=False)
    sold = make_sku()
    receive(warehouse, retired, 50)
    receive(warehouse, sold, 50)
    history(closed, sold, on_hand=0, sold=28)
    history(shop, retired, on_hand=0, sold=28)
    Store.objects.filter(pk=closed.pk).update(is_active=False)

    replenishment_run(policy=policy)

    assert not Transfer.objects.exists()


def test_without_a_warehouse_nothing_happens_and_the_result_says_why(policy, make_store, sku):
    shop = make_store("shop")
    history(shop, sku, on_hand=0, sold=28)

    result = replenishment_run(policy=policy)

    assert not result.done
    assert "no active warehouse" in result.message
    assert not Transfer.objects.exists()


def test_replenish_command_prints_a_summary(policy, warehouse, make_store, sku):
    shop = make_store("shop")
    receive(warehouse, sku, 100)
    history(shop, sku, on_hand=0, sold=28)
    out = StringIO()

    call_command("replenish", stdout=out)

    assert "1 replenishment transfers proposed for HQ (1 lines, 11 units)" in out.getvalue()
    assert Transfer.objects.filter(to_store=shop).exists()


def test_replenish_command_fails_loudly_without_a_warehouse(policy, make_store):
    with pytest.raises(CommandError, match="no active warehouse"):
        call_command("replenish", stdout=StringIO())


def test_celery_task_runs_the_job(policy, warehouse, make_store, sku):
    shop = make_store("shop")
    receive(warehouse, sku, 100)
    history(shop, sku, on_hand=1, sold=28)

    summary = replenish.apply().get()

    assert summary["replenishment_units"] == 10
    assert lines_of(transfers().get()) == {sku.pk: 10}
