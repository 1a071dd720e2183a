"""Stock invariants under random sequences of every inventory service (DESIGN §4 "Inventory").

A Hypothesis state machine drives the services against PostgreSQL and keeps its own plain model
of what on-hand, reserved, each reservation and each transfer should be. After every step the
database is checked twice: against the ledger rules, in SQL (on-hand is the sum of movements,
reserved the sum of active reservations, nothing negative, reserved within on-hand), and against
the model, which catches a wrong-but-consistent result. A step the model expects to be refused
must raise exactly the expected domain error and leave every inventory table as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from inventory.exceptions import InactiveStore, InsufficientStock, InvalidQuantity, InvalidState
from inventory.models import Reservation, StockLevel, StockMovement, Transfer
from inventory.services import (
    reservations_commit,
    reservations_expire,
    reservations_move,
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

R = StockMovement.Reason
ACTIVE, COMMITTED, RELEASED = "active", "committed", "released"
STORES = 3
SKUS = 3

store_index = st.integers(0, STORES - 1)
basket = st.lists(st.tuples(st.integers(0, SKUS - 1), st.integers(1, 4)), min_size=1, max_size=3)
# Expiry of a new reservation: already passed, the 15-minute payment window, or a later visit.
expiry = st.sampled_from(["expired", "window", "later"])
EXPIRY_OFFSET = {
    "expired": timedelta(minutes=-1),
    "window": timedelta(minutes=15),
    "later": timedelta(hours=2),
}


@dataclass
class HeldModel:
    store: int
    sku: int
    quantity: int
    expires_at: datetime
    owner: str
    state: str = ACTIVE


@dataclass
class TransferModel:
    pk: int
    from_store: int
    to_store: int
    lines: dict[int, int]
    state: str

    @property
    def owner(self) -> str:
        return f"transfer:{self.pk}"


def merge(lines) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for sku_id, quantity in lines:
        merged[sku_id] += quantity
    return dict(merged)


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def inventory_snapshot() -> tuple:
    """Every row of every inventory table, in one round trip (the ledger by count and last id:
    it only grows)."""
    return fetch(
        """
        SELECT (SELECT json_agg(t ORDER BY t.id) FROM inventory_stocklevel t),
               (SELECT json_agg(t ORDER BY t.id) FROM inventory_reservation t),
               (SELECT json_build_array(count(*), max(id)) FROM inventory_stockmovement),
               (SELECT json_agg(t ORDER BY t.id) FROM inventory_transfer t),
               (SELECT json_agg(t ORDER BY t.id) FROM inventory_transferline t)
        """
    )[0]


# Per level: on hand, reserved, the sum of its movements and of its active reservations (a full
# join, so movements or reservations without a level show up too); every reservation's state
# and whether it is open; every transfer's state.
STATE_SQL = """
WITH ledger AS (
    SELECT store_id, sku_id, SUM(delta) AS total
    FROM inventory_stockmovement GROUP BY store_id, sku_id
), held AS (
    SELECT store_id, sku_id, SUM(quantity) AS total
    FROM inventory_reservation WHERE state = 'active' GROUP BY store_id, sku_id
), levels AS (
    SELECT COALESCE(l.store_id, ledger.store_id, held.store_id) AS store_id,
           COALESCE(l.sku_id, ledger.sku_id, held.sku_id) AS sku_id,
           l.on_hand, l.reserved,
           COALESCE(ledger.total, 0) AS ledger, COALESCE(held.total, 0) AS held
    FROM inventory_stocklevel l
    FULL JOIN ledger ON ledger.store_id = l.store_id AND ledger.sku_id = l.sku_id
    FULL JOIN held
      ON held.store_id = COALESCE(l.store_id, ledger.store_id)
     AND held.sku_id = COALESCE(l.sku_id, ledger.sku_id)
)
SELECT
  (SELECT json_agg(json_build_array(store_id, sku_id, on_hand, reserved, ledger, held))
   FROM levels),
  (SELECT json_agg(json_build_array(id, state, closed_at IS NULL)) FROM inventory_reservation),
  (SELECT json_agg(json_build_array(id, state)) FROM inventory_transfer)
"""


class InventoryMachine(RuleBasedStateMachine):
    """Random use of the stock services at a few stores; subclassed with real stores and SKUs."""

    stores: list = []  # active stores, set by the test
    closed_store = None
    skus: list = []

    def __init__(self):
        super().__init__()
        # Each example starts from empty inventory tables. The movement ledger refuses DELETE
        # (append-only trigger); TRUNCATE fires no row trigger.
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE inventory_reservation, inventory_transferline, inventory_transfer,"
                " inventory_stocklevel, inventory_stockmovement RESTART IDENTITY"
            )
        self.started = timezone.now()
        self.levels: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.reservations: dict[int, HeldModel] = {}
        self.transfers: dict[int, TransferModel] = {}
        self.orders = 0

    @initialize(counts=st.lists(st.integers(0, 8), min_size=STORES * SKUS, max_size=STORES * SKUS))
    def receive_opening_stock(self, counts):
        # Written in two statements rather than nine receipts: the example's starting point,
        # a level and its receipt movement, exactly what stock_adjust would leave.
        opening = {
            (store.pk, sku.pk): count
            for (store, sku), count in zip(
                [(store, sku) for store in self.stores for sku in self.skus], counts, strict=True
            )
            if count
        }
        with transaction.atomic():
            StockLevel.objects.bulk_create(
                StockLevel(store_id=store_id, sku_id=sku_id, on_hand=count)
                for (store_id, sku_id), count in opening.items()
            )
            StockMovement.objects.bulk_create(
                StockMovement(store_id=store_id, sku_id=sku_id, delta=count, reason=R.RECEIPT)
                for (store_id, sku_id), count in opening.items()
            )
        for key, count in opening.items():
            self.levels[key][0] = count

    # --- model helpers ---------------------------------------------------------------------------

    def store(self, index):
        return self.stores[index]

    def sku_ids(self, lines):
        return [(self.skus[index].pk, quantity) for index, quantity in lines]

    def available(self, store_id, sku_id) -> int:
        on_hand, reserved = self.levels.get((store_id, sku_id), (0, 0))
        return on_hand - reserved

    def short_skus(self, store_id, merged: dict[int, int]) -> set[int]:
        return {sku for sku, quantity in merged.items() if self.available(store_id, sku) < quantity}

    def order_reservation_ids(self) -> list[int]:
        return sorted(
            pk for pk, held in self.reservations.items() if held.owner.startswith("order:")
        )

    def hold(self, store_id, merged, *, expires_at, owner, created) -> None:
        for sku_id, quantity in merged.items():
            self.levels[(store_id, sku_id)][1] += quantity
        for reservation in sorted(created, key=lambda r: r.pk):
            assert (reservation.store_id, reservation.owner) == (store_id, owner)
            assert reservation.quantity == merged[reservation.sku_id]
            self.reservations[reservation.pk] = HeldModel(
                store_id,
                reservation.sku_id,
                reservation.quantity,
                expires_at or reservation.expires_at,
                owner,
            )
        assert sorted(r.sku_id for r in created) == sorted(merged)

    def close(self, pk, state) -> None:
        held = self.reservations[pk]
        assert held.state == ACTIVE
        held.state = state
        self.levels[(held.store, held.sku)][1] -= held.quantity
        if state == COMMITTED:
            self.levels[(held.store, held.sku)][0] -= held.quantity

    def expect(self, step, error, call):
        """Run a call the model expects to succeed (error None) or to be refused with `error`.

        A refused call must raise exactly that error and change nothing in the database.
        """
        event(f"{step}: {error.__name__ if error else 'done'}")
        if error is None:
            return call()
        before = inventory_snapshot()
        with pytest.raises(Exception) as raised:
            call()
        assert type(raised.value) is error, f"expected {error.__name__}, got {raised.value!r}"
        assert inventory_snapshot() == before, "a refused call changed the database"
        return raised.value

    def transfer_holds(self, transfer: TransferModel) -> list[int]:
        return [
            pk
            for pk, held in self.reservations.items()
            if held.owner == transfer.owner and held.state == ACTIVE
        ]

    # --- stock changes without a reservation ----------------------------------------------------

    @rule(
        store=store_index, sku=st.integers(0, SKUS - 1), delta=st.integers(-6, 12), data=st.data()
    )
    def adjust(self, store, sku, delta, data):
        if delta == 0:
            return
        reasons = [R.RECEIPT, R.RETURN, R.ADJUSTMENT] if delta > 0 else [R.ADJUSTMENT, R.SALE]
        reason = data.draw(st.sampled_from(reasons), label="reason")
        store, sku = self.store(store), self.skus[sku]
        on_hand, reserved = self.levels[(store.pk, sku.pk)]
        refused = InsufficientStock if on_hand + delta < reserved else None

        self.expect(
            "adjust",
            refused,
            lambda: stock_adjust(store=store, sku=sku, delta=delta, reason=reason),
        )

        if not refused:
            self.levels[(store.pk, sku.pk)][0] += delta

    @rule(store=store_index, sku=st.integers(0, SKUS - 1), count=st.integers(0, 12))
    def stocktake(self, store, sku, count):
        store, sku = self.store(store), self.skus[sku]
        reserved = self.levels[(store.pk, sku.pk)][1]
        # A count below what is reserved is refused: those units are promised to orders.
        refused = InsufficientStock if count < reserved else None

        self.expect(
            "stocktake", refused, lambda: stock_count_set(store=store, sku=sku, count=count)
        )

        if not refused:
            self.levels[(store.pk, sku.pk)][0] = count

    @rule(store=store_index, lines=basket)
    def pos_sale(self, store, lines):
        store, lines = self.store(store), self.sku_ids(lines)
        merged = merge(lines)
        short = self.short_skus(store.pk, merged)

        error = self.expect(
            "pos_sale",
            InsufficientStock if short else None,
            lambda: stock_sell(store=store, lines=lines, reference="pos"),
        )

        if short:
            assert {s["sku"] for s in error.shortages} == {
                sku.code for sku in self.skus if sku.pk in short
            }
        else:
            for sku_id, quantity in merged.items():
                self.levels[(store.pk, sku_id)][0] -= quantity

    # --- reservations -----------------------------------------------------------------------------

    @rule(store=store_index, lines=basket, when=expiry)
    def reserve(self, store, lines, when):
        store, lines = self.store(store), self.sku_ids(lines)
        merged = merge(lines)
        short = self.short_skus(store.pk, merged)
        self.orders += 1
        owner = f"order:{self.orders}"
        expires_at = self.started + EXPIRY_OFFSET[when]

        result = self.expect(
            "reserve",
            InsufficientStock if short else None,
            lambda: stock_reserve(store=store, lines=lines, expires_at=expires_at, owner=owner),
        )

        if short:
            assert {s["sku"] for s in result.shortages} == {
                sku.code for sku in self.skus if sku.pk in short
            }
        else:
            self.hold(store.pk, merged, expires_at=expires_at, owner=owner, created=result)

    @precondition(lambda self: self.order_reservation_ids())
    @rule(data=st.data())
    def release(self, data):
        ids = data.draw(
            st.lists(
                st.sampled_from(self.order_reservation_ids()), min_size=1, max_size=3, unique=True
            ),
            label="reservations",
        )
        still_active = [pk for pk in ids if self.reservations[pk].state == ACTIVE]

        event(f"release: {len(still_active)} of {len(ids)} active")
        released = reservations_release(reservations=ids)

        assert released == len(still_active)
        for pk in still_active:
            self.close(pk, RELEASED)

    @precondition(lambda self: self.order_reservation_ids())
    @rule(data=st.data())
    def commit(self, data):
        ids = data.draw(
            st.lists(
                st.sampled_from(self.order_reservation_ids()), min_size=1, max_size=3, unique=True
            ),
            label="reservations",
        )
        refused = InvalidState if any(self.reservations[pk].state != ACTIVE for pk in ids) else None

        self.expect(
            "commit", refused, lambda: reservations_commit(reservations=ids, reference="order")
        )

        if not refused:
            for pk in ids:
                self.close(pk, COMMITTED)

    @precondition(lambda self: self.order_reservation_ids())
    @rule(to=store_index, data=st.data())
    def move(self, to, data):
        ids = data.draw(
            st.lists(
                st.sampled_from(self.order_reservation_ids()), min_size=1, max_size=3, unique=True
            ),
            label="reservations",
        )
        to_store = self.store(to)
        held = [self.reservations[pk] for pk in sorted(ids)]
        if any(h.state != ACTIVE for h in held) or any(h.store == to_store.pk for h in held):
            refused = InvalidState
        elif self.short_skus(to_store.pk, merge((h.sku, h.quantity) for h in held)):
            refused = InsufficientStock
        else:
            refused = None

        moved = self.expect(
            "move", refused, lambda: reservations_move(reservations=ids, to_store=to_store)
        )

        if refused:
            return
        for pk in sorted(ids):
            self.close(pk, RELEASED)
        assert len(moved) == len(held)
        for old, new in zip(held, sorted(moved, key=lambda r: r.pk), strict=True):
            assert (new.store_id, new.sku_id, new.quantity) == (to_store.pk, old.sku, old.quantity)
            assert (new.expires_at, new.owner) == (old.expires_at, old.owner)
            self.levels[(to_store.pk, old.sku)][1] += old.quantity
            self.reservations[new.pk] = HeldModel(
                to_store.pk, old.sku, old.quantity, old.expires_at, old.owner
            )

    @rule(when=st.sampled_from(["now", "in an hour", "after transfer holds"]))
    def expire(self, when):
        if when == "now":
            now, sweep_now = None, timezone.now()
        elif when == "in an hour":
            now = sweep_now = self.started + timedelta(hours=1)
        else:
            hours = django_settings.TRANSFER_HOLD_HOURS + 24
            now = sweep_now = timezone.now() + timedelta(hours=hours)
        due = [
            pk
            for pk, held in self.reservations.items()
            if held.state == ACTIVE and held.expires_at <= sweep_now
        ]

        event(f"expire: {'some' if due else 'none'} due")
        released = reservations_expire(now=now, batch_size=2)

        assert released == len(due)
        for pk in due:
            self.close(pk, RELEASED)

    # --- transfers --------------------------------------------------------------------------------

    @rule(source=store_index, destination=store_index, lines=basket, proposed=st.booleans())
    def transfer_create(self, source, destination, lines, proposed):
        source, destination = self.store(source), self.store(destination)
        lines = self.sku_ids(lines)
        merged = merge(lines)
        if source.pk == destination.pk:
            refused = InvalidQuantity
        elif not proposed and self.short_skus(source.pk, merged):
            refused = InsufficientStock
        else:
            refused = None

        transfer = self.expect(
            "transfer_create",
            refused,
            lambda: transfer_request(
                from_store=source, to_store=destination, lines=lines, proposed=proposed
            ),
        )

        if refused:
            return
        model = TransferModel(
            transfer.pk, source.pk, destination.pk, merged, "proposed" if proposed else "requested"
        )
        self.transfers[transfer.pk] = model
        if not proposed:
            self._register_holds(model, merged)

    def _register_holds(self, model: TransferModel, merged) -> None:
        created = list(
            Reservation.objects.filter(owner=model.owner).exclude(pk__in=list(self.reservations))
        )
        self.hold(
            model.from_store,
            merged,
            expires_at=None,
            owner=model.owner,
            created=created,
        )

    def _pick_transfer(self, data) -> TransferModel:
        return self.transfers[data.draw(st.sampled_from(sorted(self.transfers)), label="transfer")]

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def transfer_approve(self, data):
        model = self._pick_transfer(data)
        if model.state != "proposed":
            refused = InvalidState
        elif self.short_skus(model.from_store, model.lines):
            refused = InsufficientStock
        else:
            refused = None

        self.expect(
            "transfer_approve",
            refused,
            lambda: transfer_approve(transfer=Transfer.objects.get(pk=model.pk)),
        )

        if not refused:
            model.state = "requested"
            self._register_holds(model, model.lines)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def transfer_ship(self, data):
        model = self._pick_transfer(data)
        holds = {self.reservations[pk].sku: pk for pk in self.transfer_holds(model)}
        # A hold the expiry sweep released is taken again at shipping, if the stock is there.
        missing = {sku: q for sku, q in model.lines.items() if sku not in holds}
        if model.state != "requested":
            refused = InvalidState
        elif self.short_skus(model.from_store, missing):
            refused = InsufficientStock
        else:
            refused = None

        self.expect(
            "transfer_ship",
            refused,
            lambda: transfer_ship(transfer=Transfer.objects.get(pk=model.pk)),
        )

        if refused:
            return
        model.state = "shipped"
        for pk in holds.values():
            self.close(pk, COMMITTED)
        if missing:
            retaken = list(
                Reservation.objects.filter(owner=model.owner).exclude(
                    pk__in=list(self.reservations)
                )
            )
            self.hold(
                model.from_store, missing, expires_at=None, owner=model.owner, created=retaken
            )
            for reservation in retaken:
                self.close(reservation.pk, COMMITTED)

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def transfer_receive(self, data):
        model = self._pick_transfer(data)
        refused = InvalidState if model.state != "shipped" else None

        self.expect(
            "transfer_receive",
            refused,
            lambda: transfer_receive(transfer=Transfer.objects.get(pk=model.pk)),
        )

        if not refused:
            model.state = "received"
            for sku_id, quantity in model.lines.items():
                self.levels[(model.to_store, sku_id)][0] += quantity

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def transfer_cancel(self, data):
        model = self._pick_transfer(data)
        refused = InvalidState if model.state not in {"proposed", "requested"} else None

        self.expect(
            "transfer_cancel",
            refused,
            lambda: transfer_cancel(transfer=Transfer.objects.get(pk=model.pk)),
        )

        if not refused:
            model.state = "cancelled"
            for pk in self.transfer_holds(model):
                self.close(pk, RELEASED)

    # --- a closed store takes nothing -------------------------------------------------------------

    @rule(action=st.sampled_from(["adjust", "stocktake", "reserve", "sell", "move", "transfer"]))
    def closed_store_refuses(self, action):
        closed, sku = self.closed_store, self.skus[0]
        soon = timezone.now() + timedelta(minutes=15)
        calls = {
            "adjust": lambda: stock_adjust(store=closed, sku=sku, delta=1, reason=R.RECEIPT),
            "stocktake": lambda: stock_count_set(store=closed, sku=sku, count=3),
            "reserve": lambda: stock_reserve(
                store=closed, lines=[(sku.pk, 1)], expires_at=soon, owner="order:closed"
            ),
            "sell": lambda: stock_sell(store=closed, lines=[(sku.pk, 1)], reference="pos"),
            "move": lambda: reservations_move(
                reservations=self.order_reservation_ids()[:1], to_store=closed
            ),
            "transfer": lambda: transfer_request(
                from_store=self.stores[0], to_store=closed, lines=[(sku.pk, 1)]
            ),
        }
        self.expect("closed_store_refuses", InactiveStore, calls[action])

    # --- checks after every step ------------------------------------------------------------------

    @invariant()
    def database_keeps_the_rules_and_matches_the_model(self):
        levels, reservations, transfers = fetch(STATE_SQL)[0]
        actual = {}
        for store_id, sku_id, on_hand, reserved, ledger, active in levels or []:
            where = f"level ({store_id}, {sku_id})"
            assert on_hand is not None, f"{where}: movements or reservations without a level"
            assert on_hand == ledger, f"{where}: on hand {on_hand} but movements sum to {ledger}"
            assert reserved == active, f"{where}: reserved {reserved}, active holds {active}"
            assert 0 <= reserved <= on_hand, f"{where}: {on_hand} on hand, {reserved} reserved"
            actual[(store_id, sku_id)] = [on_hand, reserved]
        for pk, state, is_open in reservations or []:
            assert is_open == (state == ACTIVE), f"reservation {pk} is {state}; closed_at wrong"

        # The model: the same numbers, reservations and transfers, not merely consistent ones.
        keys = set(actual) | {key for key, numbers in self.levels.items() if numbers != [0, 0]}
        assert {k: actual.get(k, [0, 0]) for k in keys} == {k: self.levels[k] for k in keys}
        assert {pk: state for pk, state, _ in reservations or []} == {
            pk: held.state for pk, held in self.reservations.items()
        }
        assert dict(transfers or []) == {pk: model.state for pk, model in self.transfers.items()}


@pytest.mark.django_db(transaction=True)
def test_random_service_sequences_keep_the_stock_invariants(make_store, make_sku):
    # Given three open stores, a closed one and three SKUs (the machine empties the inventory
    # tables at the start of every example)
    machine = type(
        "StockMachine",
        (InventoryMachine,),
        {
            "stores": [make_store() for _ in range(STORES)],
            "closed_store": make_store(is_active=False),
            "skus": [make_sku() for _ in range(SKUS)],
        },
    )

    # When random sequences of adjust / stocktake / sale / reserve / release / commit / move /
    # expire / transfer steps run, then every step keeps the ledger rules and the model.
    # Commits need not wait for the disk here: the test is about visibility and locking, which
    # synchronous_commit does not change, and it keeps the run short.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=40,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")
