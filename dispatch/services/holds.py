"""The order's stock follows its offer (DESIGN §4 "Routing", step 4: reservations move with the
offer in one transaction). The order's reservations (owner `order:<number>`) are made at
checkout; from then on only these functions, through inventory's services, change them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone

from inventory.models import Reservation
from inventory.services import (
    reservations_commit,
    reservations_move,
    reservations_release,
    stock_reserve,
)

# Reservations made only to be committed at once (a line whose hold had lapsed) need an expiry.
_MOMENT = timedelta(minutes=5)


def order_stock_follow(*, order, store, lines: dict[int, int], hold_until: datetime | None) -> None:
    """Make the order's active reservations exactly `lines` {sku_id: quantity} at `store`.

    A line held in full at other stores moves there (reservations_move); a line held nowhere, or
    in part, is reserved afresh; lines not in `lines` (they come by transfer now) are released.
    With `hold_until`, every hold at `store` ends then (a hold already there is renewed: released
    and taken again in this transaction, so no shopper can take it in between); without, holds
    already at `store` are kept as they are. Raises InsufficientStock (nothing changed once the
    caller's transaction rolls back) when `store` lacks a line.
    """
    # Reservation rows are locked before level rows, in id order, like inventory does; the
    # expiry sweep skips locked rows, so nothing vanishes between reading and moving.
    active = list(
        Reservation.objects.select_for_update()
        .filter(owner=order.reservation_owner, state=Reservation.State.ACTIVE)
        .order_by("pk")
        .values_list("pk", "store_id", "sku_id", "quantity")
    )
    held: dict[int, list[tuple]] = defaultdict(list)
    for row in active:
        held[row[2]].append(row)
    move, release, reserve = [], [], {}
    for sku_id, rows in held.items():
        if sku_id not in lines:
            release += [pk for pk, *_ in rows]
    for sku_id, quantity in lines.items():
        rows = held.get(sku_id, [])
        in_full = sum(row[3] for row in rows) == quantity
        here = [row for row in rows if row[1] == store.pk]
        if in_full and here and len(here) == len(rows) and hold_until is None:
            continue  # already held here, and no new expiry asked
        if in_full and not here:
            move += [pk for pk, *_ in rows]
            continue
        release += [pk for pk, *_ in rows]
        reserve[sku_id] = quantity
    if release:
        reservations_release(reservations=release)
    expires_at = hold_until or timezone.now() + _MOMENT
    if move:
        reservations_move(reservations=move, to_store=store, expires_at=expires_at)
    if reserve:
        stock_reserve(
            store=store,
            lines=sorted(reserve.items()),
            expires_at=expires_at,
            owner=order.reservation_owner,
        )


def order_stock_take(*, order, store, lines: dict[int, int], actor=None) -> None:
    """The accepting store takes the goods: the order's holds there become a sale (on hand and
    reserved drop together), after taking again any line whose hold had lapsed."""
    if not lines:
        return
    order_stock_follow(order=order, store=store, lines=lines, hold_until=None)
    held = list(
        Reservation.objects.filter(
            owner=order.reservation_owner, state=Reservation.State.ACTIVE, store=store
        ).values_list("pk", flat=True)
    )
    reservations_commit(reservations=held, reference=order.reservation_owner, actor=actor)


def order_stock_release(*, order) -> int:
    """Give back every unit still held for the order (its dispatch ended without a sale)."""
    return reservations_release(
        reservations=list(
            Reservation.objects.filter(
                owner=order.reservation_owner, state=Reservation.State.ACTIVE
            ).values_list("pk", flat=True)
        )
    )
