"""The one place where `StockLevel` numbers change.

Every change is a conditional UPDATE whose WHERE clause re-checks the invariants
(`reserved <= on_hand`, nothing negative), with the rows locked in (store_id, sku_id) order so that
two transactions touching the same levels always lock them in the same order and cannot deadlock.
The CHECK constraints on the table are the last line of defence, not the mechanism.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import F
from django.utils import timezone

from catalog.models import SKU
from inventory.exceptions import (
    InactiveStore,
    InsufficientStock,
    InvalidQuantity,
    UnknownSKU,
    UnknownStore,
)
from inventory.models import Reservation, StockLevel
from o2o.outbox import EventType, outbox_events_record
from o2o.parsing import is_whole_number
from stores.models import Store

LevelKey = tuple[int, int]  # (store_id, sku_id)


def quantity_check(quantity, *, allow_negative: bool = False) -> int:
    """A whole number of units, above zero (or any non-zero number when `allow_negative`)."""
    if not is_whole_number(quantity):
        raise InvalidQuantity(f"quantity must be a whole number, got {quantity!r}")
    if quantity == 0 or (quantity < 0 and not allow_negative):
        raise InvalidQuantity(f"quantity must be {'non-zero' if allow_negative else 'positive'}")
    return quantity


def store_check_active(store: Store) -> Store:
    if store is None or store.pk is None:
        raise UnknownStore("unknown store")
    if not store.is_active:
        raise InactiveStore(f"store {store.code} is not active")
    return store


def store_resolve(code: str) -> Store:
    try:
        return Store.objects.get(code=code)
    except Store.DoesNotExist as error:
        raise UnknownStore(f"unknown store {code!r}") from error


def sku_resolve(code: str) -> SKU:
    try:
        return SKU.objects.get(code=code)
    except SKU.DoesNotExist as error:
        raise UnknownSKU(f"unknown SKU {code!r}") from error


def lines_merge(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """[(sku_id, quantity), ...] → {sku_id: total}, every quantity checked."""
    merged: dict[int, int] = defaultdict(int)
    for sku_id, quantity in lines:
        merged[int(sku_id)] += quantity_check(quantity)
    if not merged:
        raise InvalidQuantity("no lines")
    return dict(merged)


def levels_ensure(keys: Iterable[LevelKey]) -> None:
    """Create missing level rows (in key order; concurrent creators simply skip)."""
    StockLevel.objects.bulk_create(
        [StockLevel(store_id=store_id, sku_id=sku_id) for store_id, sku_id in sorted(set(keys))],
        ignore_conflicts=True,
    )


def levels_apply(changes: dict[LevelKey, tuple[int, int]]) -> None:
    """Apply {(store_id, sku_id): (on_hand_delta, reserved_delta)} all-or-nothing.

    `updated_at` moves only when on-hand changes (see `levels_reserve`).

    Raises InsufficientStock naming every level that could not take its change; the caller's
    transaction then rolls back whatever was already applied.
    """
    now = timezone.now()
    keys = [key for key in sorted(changes) if changes[key] != (0, 0)]
    if len(keys) > 1:
        failed = _levels_apply_set(keys, changes, now)
    else:
        failed = [key for key in keys if not _level_apply_one(key, changes[key], now)]
    if failed:
        raise InsufficientStock(shortages=_shortages(failed, changes))
    _on_hand_outbound_record({key: change[0] for key, change in changes.items() if change[0]})


def _level_apply_one(key: LevelKey, change: tuple[int, int], now) -> bool:
    on_hand_delta, reserved_delta = change
    store_id, sku_id = key
    # After the change: on_hand' >= reserved' and reserved' >= 0 (so on_hand' >= 0 too).
    return bool(
        StockLevel.objects.filter(
            store_id=store_id,
            sku_id=sku_id,
            on_hand__gte=F("reserved") + reserved_delta - on_hand_delta,
            reserved__gte=-reserved_delta,
        ).update(
            on_hand=F("on_hand") + on_hand_delta,
            reserved=F("reserved") + reserved_delta,
            **({"updated_at": now} if on_hand_delta else {}),
        )
    )


# Many levels in two statements instead of one per level (a dispatch sweep batch moves hundreds).
# One UPDATE ... FROM would lock its rows in whatever order the join produces, so the levels are
# first locked in (store_id, sku_id) order, the platform's lock order; the UPDATE then re-checks
# the same guard as the one-level path on rows nobody else can change any more.
_LOCK_SQL = (
    "SELECT l.id FROM {table} l "
    "JOIN unnest(%(stores)s::bigint[], %(skus)s::bigint[]) AS k(store_id, sku_id) "
    "ON l.store_id = k.store_id AND l.sku_id = k.sku_id "
    "ORDER BY l.store_id, l.sku_id FOR UPDATE OF l"
)
_APPLY_SQL = (
    "UPDATE {table} l SET on_hand = l.on_hand + c.on_hand_delta, "
    "reserved = l.reserved + c.reserved_delta, "
    "updated_at = CASE WHEN c.on_hand_delta <> 0 THEN %(now)s ELSE l.updated_at END "
    "FROM unnest(%(stores)s::bigint[], %(skus)s::bigint[], %(on_hand)s::integer[], "
    "%(reserved)s::integer[]) AS c(store_id, sku_id, on_hand_delta, reserved_delta) "
    "WHERE l.store_id = c.store_id AND l.sku_id = c.sku_id "
    "AND l.on_hand + c.on_hand_delta >= l.reserved + c.reserved_delta "
    "AND l.reserved + c.reserved_delta >= 0 "
    "RETURNING l.store_id, l.sku_id"
)


def _levels_apply_set(keys: list[LevelKey], changes, now) -> list[LevelKey]:
    """Apply the changes of `keys` (sorted, distinct); returns the keys that could not take
    theirs."""
    table = StockLevel._meta.db_table
    params = {
        "stores": [store_id for store_id, _ in keys],
        "skus": [sku_id for _, sku_id in keys],
        "on_hand": [changes[key][0] for key in keys],
        "reserved": [changes[key][1] for key in keys],
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL.format(table=table), params)
        cursor.execute(_APPLY_SQL.format(table=table), params)
        applied = set(cursor.fetchall())
    return [key for key in keys if key not in applied]


def _on_hand_outbound_record(deltas: dict[LevelKey, int]) -> None:
    """Tell the chain's systems the new on-hand of every level whose on-hand changed (receipts,
    counts, sales, returns, transfers, reservations taken). Reserving and releasing do not: they
    are short holds, on the checkout's hot path; `GET /api/v1/stock/` has the available count."""
    if not deltas:
        return
    levels = (
        StockLevel.objects.filter(
            store_id__in={store_id for store_id, _ in deltas},
            sku_id__in={sku_id for _, sku_id in deltas},
        )
        .select_related("store", "sku")
        .only("store_id", "sku_id", "on_hand", "reserved", "store__code", "sku__code")
    )
    by_key = {(level.store_id, level.sku_id): level for level in levels}
    events = []
    for key in sorted(deltas):
        level = by_key[key]
        data = {
            "store": level.store.code,
            "sku": level.sku.code,
            "delta": deltas[key],
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.on_hand - level.reserved,
        }
        events.append((EventType.STOCK_CHANGED, f"stock:{level.store.code}:{level.sku.code}", data))
    outbox_events_record(events)


def levels_reserve(
    *, store_id: int, lines: dict[int, int], expires_at, owner: str
) -> list[Reservation]:
    """Take `lines` {sku_id: quantity} into reserved and write their reservations, all or nothing.

    The hot path of checkout (a thousand shoppers pressing "buy" on one SKU): the whole basket is
    one statement, the server-side function `inventory_stock_hold` (migrations 0006, 0007). It
    writes the holds before it locks any level, then takes each level under the same guard as
    `levels_apply` in sku order, like every other writer, so baskets cannot deadlock. Holds on one
    level wait their turn in a first-come queue of their own (an advisory lock on (store, sku))
    rather than on the row lock: one wake-up per turn. A short line makes it give back what it
    took: no savepoint, and in autocommit the row lock lasts one statement.

    Holds change `reserved` only, never `updated_at`: the level's row then takes a heap-only
    update (its indexes are untouched), and `updated_at` marks changes of on-hand stock.
    """
    now = timezone.now()
    skus = sorted(lines)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ids, short FROM inventory_stock_hold"
            "(%s, %s::bigint[], %s::integer[], %s, %s, %s)",
            [store_id, skus, [lines[sku] for sku in skus], expires_at, owner, now],
        )
        ids, short = cursor.fetchone()
    if short:
        raise InsufficientStock(
            shortages=_shortages(
                [(store_id, sku) for sku in short],
                {(store_id, sku): (0, quantity) for sku, quantity in lines.items()},
            )
        )
    # Loaded as from a query, positionally (the cheap path of Model.__init__): the hot path.
    return [
        Reservation.from_db(
            connection.alias,
            None,
            (pk, store_id, sku, lines[sku], expires_at, owner, Reservation.State.ACTIVE, now, None),
        )
        for pk, sku in zip(ids, skus, strict=True)
    ]


def _shortages(keys: list[LevelKey], changes) -> list[dict]:
    levels = {
        (level.store_id, level.sku_id): level
        for level in StockLevel.objects.filter(
            store_id__in={store_id for store_id, _ in keys}, sku_id__in={sku for _, sku in keys}
        ).select_related("store", "sku")
    }
    stores = {s.pk: s.code for s in Store.objects.filter(pk__in={k[0] for k in keys})}
    skus = {s.pk: s.code for s in SKU.objects.filter(pk__in={k[1] for k in keys})}
    shortages = []
    for key in keys:
        on_hand_delta, reserved_delta = changes[key]
        level = levels.get(key)
        shortages.append(
            {
                "store": stores.get(key[0], key[0]),
                "sku": skus.get(key[1], key[1]),
                "requested": max(reserved_delta, -on_hand_delta, 0),
                "available": level.available if level else 0,
                "on_hand": level.on_hand if level else 0,
            }
        )
    return shortages
