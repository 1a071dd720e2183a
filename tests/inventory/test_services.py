"""Stock services: every rule of DESIGN §4 "Inventory" seen from the outside."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.exceptions import (
    InactiveStore,
    InsufficientStock,
    InvalidQuantity,
    InvalidState,
)
from inventory.models import Reservation, StockLevel, StockMovement, Transfer
from inventory.selectors import in_transit
from inventory.services import (
    reservations_commit,
    reservations_expire,
    reservations_move,
    reservations_move_many,
    reservations_release,
    stock_adjust,
    stock_count_set,
    stock_reserve,
    stock_sell,
    transfer_approve,
    transfer_cancel,
    transfer_receive,
    transfer_request,
    transfer_ship,
)

pytestmark = pytest.mark.django_db
R = StockMovement.Reason


def level(store, sku):
    return StockLevel.objects.get(store=store, sku=sku)


def soon(minutes=15):
    return timezone.now() + timedelta(minutes=minutes)


def test_receipt_adds_stock_and_writes_a_movement(store, sku):
    stock_adjust(store=store, sku=sku, delta=10, reason=R.RECEIPT, reference="PO-1")

    assert level(store, sku).on_hand == 10
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.reason, movement.reference) == (10, "receipt", "PO-1")


def test_removal_below_reserved_is_refused_and_writes_nothing(store, sku):
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    stock_reserve(store=store, lines=[(sku.pk, 4)], expires_at=soon(), owner="order:1")

    with pytest.raises(InsufficientStock) as error:
        stock_adjust(store=store, sku=sku, delta=-2, reason=R.ADJUSTMENT)

    assert error.value.shortages[0]["available"] == 1
    assert (level(store, sku).on_hand, level(store, sku).reserved) == (5, 4)
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize("bad", [0, 1.5, "3", True, None])
def test_invalid_quantities_are_refused(store, sku, bad):
    with pytest.raises(InvalidQuantity):
        stock_adjust(store=store, sku=sku, delta=bad, reason=R.RECEIPT)
    assert not StockMovement.objects.exists()


def test_inactive_store_is_refused(make_store, sku):
    closed = make_store(is_active=False)
    with pytest.raises(InactiveStore):
        stock_adjust(store=closed, sku=sku, delta=1, reason=R.RECEIPT)


def test_stocktake_records_the_difference(store, sku):
    stock_adjust(store=store, sku=sku, delta=10, reason=R.RECEIPT)

    stock_count_set(store=store, sku=sku, count=7, reference="count-1")
    stock_count_set(store=store, sku=sku, count=7, reference="count-2")  # no difference

    assert level(store, sku).on_hand == 7
    assert list(StockMovement.objects.order_by("id").values_list("reason", "delta")) == [
        ("receipt", 10),
        ("stocktake", -3),
    ]


def test_reserve_basket_is_all_or_nothing(store, make_sku):
    shirt, socks = make_sku(), make_sku()
    stock_adjust(store=store, sku=shirt, delta=3, reason=R.RECEIPT)
    stock_adjust(store=store, sku=socks, delta=1, reason=R.RECEIPT)

    with pytest.raises(InsufficientStock) as error:
        stock_reserve(
            store=store, lines=[(shirt.pk, 2), (socks.pk, 2)], expires_at=soon(), owner="order:9"
        )

    assert [s["sku"] for s in error.value.shortages] == [socks.code]
    assert level(store, shirt).reserved == 0 and level(store, socks).reserved == 0
    assert not Reservation.objects.exists()


def test_reserve_basket_is_one_statement_without_savepoint(store, make_sku):
    """The hot path of checkout: a whole basket is held in one round trip, and a reservation
    made inside a caller's transaction opens no savepoint of its own."""
    skus = [make_sku() for _ in range(3)]
    for sku in skus:
        stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    with CaptureQueriesContext(connection) as queries:
        held = stock_reserve(
            store=store,
            lines=[(sku.pk, 2) for sku in reversed(skus)],
            expires_at=soon(),
            owner="order:7",
        )
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "SAVEPOINT" not in queries[0]["sql"]
    assert [(r.sku_id, r.quantity) for r in held] == sorted((sku.pk, 2) for sku in skus)
    stored = Reservation.objects.in_bulk([r.pk for r in held])
    fields = [field.attname for field in Reservation._meta.concrete_fields]
    assert [[getattr(r, f) for f in fields] for r in held] == [
        [getattr(stored[r.pk], f) for f in fields] for r in held
    ]
    assert not any(r._state.adding for r in held)
    assert {(r.sku_id, r.quantity, r.owner, r.state) for r in stored.values()} == {
        (sku.pk, 2, "order:7", Reservation.State.ACTIVE) for sku in skus
    }
    assert [level(store, sku).reserved for sku in skus] == [2, 2, 2]


def test_reserve_lists_every_short_line_and_leaves_nothing(store, make_sku):
    first, middle, last, missing = make_sku(), make_sku(), make_sku(), make_sku()
    stock_adjust(store=store, sku=first, delta=4, reason=R.RECEIPT)
    stock_adjust(store=store, sku=middle, delta=1, reason=R.RECEIPT)
    stock_adjust(store=store, sku=last, delta=4, reason=R.RECEIPT)
    lines = [(first.pk, 2), (middle.pk, 2), (last.pk, 2), (missing.pk, 1)]

    with pytest.raises(InsufficientStock) as error:
        stock_reserve(store=store, lines=lines, expires_at=soon(), owner="order:8")

    assert {s["sku"]: s["available"] for s in error.value.shortages} == {
        middle.code: 1,
        missing.code: 0,
    }
    assert [level(store, sku).reserved for sku in (first, middle, last)] == [0, 0, 0]
    assert not Reservation.objects.exists()
    # The same basket within the stock goes through afterwards.
    assert len(stock_reserve(store=store, lines=lines[:1], expires_at=soon(), owner="o")) == 1


def test_holds_leave_updated_at_and_stock_changes_move_it(store, sku):
    """`updated_at` marks on-hand changes (the ERP's `updated_since`); holds and releases only
    change `reserved`, so the hot row's update touches none of its indexes."""
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    before = level(store, sku).updated_at
    held = stock_reserve(store=store, lines=[(sku.pk, 2)], expires_at=soon(), owner="order:1")
    reservations_release(reservations=held)
    assert level(store, sku).updated_at == before
    sold = stock_reserve(store=store, lines=[(sku.pk, 1)], expires_at=soon(), owner="order:2")
    reservations_commit(reservations=sold, reference="order:2")
    after = level(store, sku)
    assert after.updated_at > before and (after.on_hand, after.reserved) == (4, 0)


def test_commit_turns_reservation_into_sale(store, sku):
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    reservations = stock_reserve(store=store, lines=[(sku.pk, 2)], expires_at=soon(), owner="o:1")

    reservations_commit(reservations=reservations, reference="order:1")

    assert (level(store, sku).on_hand, level(store, sku).reserved) == (3, 0)
    assert Reservation.objects.get().state == "committed"
    with pytest.raises(InvalidState):
        reservations_commit(reservations=reservations, reference="order:1")
    assert level(store, sku).on_hand == 3


def test_release_is_idempotent(store, sku):
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    reservations = stock_reserve(store=store, lines=[(sku.pk, 2)], expires_at=soon(), owner="o:1")

    assert reservations_release(reservations=reservations) == 1
    assert reservations_release(reservations=reservations) == 0
    assert level(store, sku).reserved == 0


def test_move_reservation_to_another_store(make_store, sku):
    first, second = make_store(), make_store()
    stock_adjust(store=first, sku=sku, delta=2, reason=R.RECEIPT)
    stock_adjust(store=second, sku=sku, delta=1, reason=R.RECEIPT)
    held = stock_reserve(store=first, lines=[(sku.pk, 1)], expires_at=soon(), owner="order:5")

    moved = reservations_move(reservations=held, to_store=second)

    assert level(first, sku).reserved == 0 and level(second, sku).reserved == 1
    assert moved[0].owner == "order:5" and moved[0].store_id == second.pk
    # Moving back needs stock there; second has none left available to take another.
    third_hold = stock_reserve(store=first, lines=[(sku.pk, 2)], expires_at=soon(), owner="o:6")
    with pytest.raises(InsufficientStock):
        reservations_move(reservations=third_hold, to_store=second)
    assert level(first, sku).reserved == 2 and level(second, sku).reserved == 1


def test_move_many_takes_each_order_to_its_store_in_one_step(make_store, make_sku):
    origin, second, third = make_store(), make_store(), make_store()
    dress, shirt = make_sku(), make_sku()
    for store in (origin, second, third):
        for sku in (dress, shirt):
            stock_adjust(store=store, sku=sku, delta=2, reason=R.RECEIPT)
    a = stock_reserve(
        store=origin, lines=[(dress.pk, 1), (shirt.pk, 1)], expires_at=soon(), owner="order:a"
    )
    b = stock_reserve(store=origin, lines=[(dress.pk, 1)], expires_at=soon(), owner="order:b")

    moved = reservations_move_many(moves=[(a, second), (b, third)], expires_at=soon(60))

    assert sorted((r.owner, r.store_id, r.sku_id) for r in moved) == sorted(
        [
            ("order:a", second.pk, dress.pk),
            ("order:a", second.pk, shirt.pk),
            ("order:b", third.pk, dress.pk),
        ]
    )
    assert [level(origin, sku).reserved for sku in (dress, shirt)] == [0, 0]
    assert [level(second, sku).reserved for sku in (dress, shirt)] == [1, 1]
    assert [level(third, sku).reserved for sku in (dress, shirt)] == [1, 0]
    assert Reservation.objects.filter(state="active", store=origin).count() == 0


def test_move_many_moves_nothing_when_one_store_lacks_a_unit(make_store, make_sku):
    origin, second, third = make_store(), make_store(), make_store()
    dress, shirt = make_sku(), make_sku()
    for sku in (dress, shirt):
        stock_adjust(store=origin, sku=sku, delta=2, reason=R.RECEIPT)
        stock_adjust(store=second, sku=sku, delta=2, reason=R.RECEIPT)
    stock_adjust(store=third, sku=dress, delta=1, reason=R.RECEIPT)  # no shirt at third
    a = stock_reserve(store=origin, lines=[(dress.pk, 1)], expires_at=soon(), owner="order:a")
    b = stock_reserve(
        store=origin, lines=[(dress.pk, 1), (shirt.pk, 1)], expires_at=soon(), owner="order:b"
    )

    with pytest.raises(InsufficientStock) as error:
        reservations_move_many(moves=[(a, second), (b, third)])

    assert [(s["store"], s["sku"]) for s in error.value.shortages] == [(third.code, shirt.code)]
    assert [level(origin, sku).reserved for sku in (dress, shirt)] == [2, 1]
    assert [level(s, dress).reserved for s in (second, third)] == [0, 0]
    assert Reservation.objects.filter(state="active").exclude(store=origin).count() == 0


def test_expiry_sweep_releases_only_expired(store, sku):
    stock_adjust(store=store, sku=sku, delta=5, reason=R.RECEIPT)
    stock_reserve(
        store=store,
        lines=[(sku.pk, 1)],
        expires_at=timezone.now() - timedelta(seconds=1),
        owner="o:old",
    )
    stock_reserve(store=store, lines=[(sku.pk, 2)], expires_at=soon(), owner="o:new")

    assert reservations_expire() == 1
    assert reservations_expire() == 0
    assert level(store, sku).reserved == 2


def test_pos_sale_sells_only_available_units(store, sku):
    stock_adjust(store=store, sku=sku, delta=2, reason=R.RECEIPT)
    stock_reserve(store=store, lines=[(sku.pk, 1)], expires_at=soon(), owner="o:1")

    with pytest.raises(InsufficientStock):
        stock_sell(store=store, lines=[(sku.pk, 2)], reference="pos:1")
    stock_sell(store=store, lines=[(sku.pk, 1)], reference="pos:2")

    assert (level(store, sku).on_hand, level(store, sku).reserved) == (1, 1)


def test_transfer_lifecycle_holds_ships_and_receives(make_store, sku):
    source, destination = make_store(), make_store()
    stock_adjust(store=source, sku=sku, delta=5, reason=R.RECEIPT)

    transfer = transfer_request(from_store=source, to_store=destination, lines=[(sku.pk, 3)])
    assert level(source, sku).available == 2

    transfer_ship(transfer=transfer)
    assert level(source, sku).on_hand == 2
    assert in_transit(store=destination)["incoming"] == {sku.pk: 3}
    assert in_transit(store=source)["outgoing"] == {sku.pk: 3}

    transfer_receive(transfer=transfer)
    assert level(destination, sku).on_hand == 3
    assert in_transit(store=destination)["incoming"] == {}
    with pytest.raises(InvalidState):
        transfer_receive(transfer=transfer)
    assert level(destination, sku).on_hand == 3


def test_cancelled_transfer_returns_the_hold(make_store, sku):
    source, destination = make_store(), make_store()
    stock_adjust(store=source, sku=sku, delta=5, reason=R.RECEIPT)
    transfer = transfer_request(from_store=source, to_store=destination, lines=[(sku.pk, 3)])

    transfer_cancel(transfer=transfer)

    assert level(source, sku).available == 5
    with pytest.raises(InvalidState):
        transfer_ship(transfer=transfer)


def test_proposal_holds_nothing_until_approved(make_store, sku):
    warehouse, shop = make_store(kind="warehouse"), make_store()
    stock_adjust(store=warehouse, sku=sku, delta=5, reason=R.RECEIPT)
    transfer = transfer_request(
        from_store=warehouse,
        to_store=shop,
        lines=[(sku.pk, 4)],
        kind=Transfer.Kind.REPLENISHMENT,
        proposed=True,
    )
    assert level(warehouse, sku).reserved == 0

    transfer_approve(transfer=transfer)
    transfer_ship(transfer=transfer)
    transfer_receive(transfer=transfer)

    assert StockMovement.objects.filter(store=shop).get().reason == "replenishment"


def test_movement_ledger_is_append_only(store, sku):
    stock_adjust(store=store, sku=sku, delta=1, reason=R.RECEIPT)

    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stockmovement SET delta = 5")


def test_check_constraints_back_the_services(store, sku):
    stock_adjust(store=store, sku=sku, delta=1, reason=R.RECEIPT)

    with pytest.raises(IntegrityError):
        StockLevel.objects.filter(store=store, sku=sku).update(reserved=2)
