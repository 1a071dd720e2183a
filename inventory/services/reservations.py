"""Reservations: stock held for an order or a transfer until committed, released or expired."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from inventory.exceptions import InvalidState
from inventory.models import Reservation, StockMovement
from inventory.services.levels import (
    levels_apply,
    levels_reserve,
    lines_merge,
    store_check_active,
)


def stock_reserve(*, store, lines, expires_at: datetime, owner: str) -> list[Reservation]:
    """Reserve a basket [(sku_id, quantity), ...] at one store, every line or none.

    Raises InsufficientStock listing each short line, with nothing held. Nothing outside the
    database is called while the level rows are locked.
    """
    store_check_active(store)
    # One statement that cleans up after itself: no transaction or savepoint of its own. Inside
    # a caller's transaction (an order being placed) the levels stay locked until it commits, so
    # callers hold stock last (see orders.services.checkout.order_place).
    return levels_reserve(
        store_id=store.pk, lines=lines_merge(lines), expires_at=expires_at, owner=owner
    )


def _lock_active(reservation_ids, *, skip_locked: bool = False) -> list[Reservation]:
    # Reservation rows are locked before level rows, in id order, on every path.
    return list(
        Reservation.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk__in=list(reservation_ids), state=Reservation.State.ACTIVE)
        .order_by("pk")
    )


def _close(reservations: list[Reservation], state: str) -> None:
    Reservation.objects.filter(
        pk__in=[r.pk for r in reservations], state=Reservation.State.ACTIVE
    ).update(state=state, closed_at=timezone.now())


def _totals(reservations: list[Reservation]) -> dict[tuple[int, int], int]:
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for reservation in reservations:
        totals[(reservation.store_id, reservation.sku_id)] += reservation.quantity
    return totals


def _ids(reservations) -> list[int]:
    return [r if isinstance(r, int) else r.pk for r in reservations]


@transaction.atomic
def reservations_release(*, reservations) -> int:
    """Release reservations (instances or ids) that are still active; returns how many were.

    Releasing one that is already released or committed is a no-op, so a retry is harmless.
    """
    locked = _lock_active(_ids(reservations))
    return _release_locked(locked)


def _release_locked(locked: list[Reservation]) -> int:
    if not locked:
        return 0
    _close(locked, Reservation.State.RELEASED)
    levels_apply({key: (0, -total) for key, total in _totals(locked).items()})
    return len(locked)


@transaction.atomic
def reservations_commit(
    *, reservations, reference: str, reason: str = StockMovement.Reason.SALE, actor=None
) -> list[StockMovement]:
    """Turn reservations into a sale (or a transfer out): on-hand and reserved drop together.

    All of them must still be active; otherwise nothing changes and InvalidState is raised.
    """
    ids = _ids(reservations)
    locked = _lock_active(ids)
    if len(locked) != len(set(ids)):
        raise InvalidState("a reservation is no longer active (expired or released)")
    _close(locked, Reservation.State.COMMITTED)
    totals = _totals(locked)
    levels_apply({key: (-total, -total) for key, total in totals.items()})
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                store_id=store_id,
                sku_id=sku_id,
                delta=-total,
                reason=reason,
                reference=reference,
                actor=actor,
            )
            for (store_id, sku_id), total in sorted(totals.items())
        ]
    )


def reservations_move(
    *, reservations, to_store, expires_at: datetime | None = None, owner: str | None = None
) -> list[Reservation]:
    """Move active reservations to another store in one transaction (used by dispatch).

    The new store must have every unit available, otherwise nothing moves (InsufficientStock).
    """
    return reservations_move_many(
        moves=[(reservations, to_store)], expires_at=expires_at, owner=owner
    )


@transaction.atomic
def reservations_move_many(
    *, moves, expires_at: datetime | None = None, owner: str | None = None
) -> list[Reservation]:
    """reservations_move for several destinations at once: `moves` is [(reservations, to_store),
    ...] (instances or ids). Every reservation moves, or none (InsufficientStock, InvalidState);
    the stock levels of all of them change in one set-based step (the dispatch sweep's batches).
    Returns the new reservations."""
    destination: dict[int, object] = {}
    for reservations, to_store in moves:
        store_check_active(to_store)
        for pk in _ids(reservations):
            if destination.setdefault(pk, to_store).pk != to_store.pk:
                raise InvalidState(f"reservation {pk} is moved to two stores")
    locked = _lock_active(destination)
    if len(locked) != len(destination):
        raise InvalidState("a reservation is no longer active (expired or released)")
    changes: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for reservation in locked:
        to_store = destination[reservation.pk]
        if reservation.store_id == to_store.pk:
            raise InvalidState(f"a reservation is already at store {to_store.code}")
        changes[(reservation.store_id, reservation.sku_id)][1] -= reservation.quantity
        changes[(to_store.pk, reservation.sku_id)][1] += reservation.quantity
    levels_apply({key: tuple(change) for key, change in changes.items()})
    _close(locked, Reservation.State.RELEASED)
    return Reservation.objects.bulk_create(
        [
            Reservation(
                store=destination[r.pk],
                sku_id=r.sku_id,
                quantity=r.quantity,
                expires_at=expires_at or r.expires_at,
                owner=owner or r.owner,
            )
            for r in locked
        ]
    )


def reservations_expire(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Release every active reservation whose expiry has passed; returns how many.

    Works in batches, each its own transaction. `SKIP LOCKED` lets two sweeps run at once on
    disjoint rows, and the guarded state change means a reservation is released exactly once.
    """
    now = now or timezone.now()
    released = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reservation.objects.select_for_update(skip_locked=True)
                .filter(state=Reservation.State.ACTIVE, expires_at__lte=now)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return released
            released += _release_locked(batch)
