"""The deadline sweep (DESIGN §4 "Routing", step 6): offers whose deadline passed go to the next
store. Run by Celery beat every 30 s and by `manage.py expire_dispatch_offers` from cron.

Safe to run twice at once, to repeat, or to kill half-way:
- work is selected by state (`status = offered AND deadline <= now`), never carried by a task;
- a batch of offers is claimed with `FOR UPDATE SKIP LOCKED` in one transaction: a second sweep
  claims the next offers instead of waiting, and an offer answered meanwhile no longer matches;
- the offer's move is a guarded update and at most one offer per order can be live (a partial
  unique index), so nothing is reassigned twice;
- a sweep killed mid-batch rolls the whole batch back (nothing half-moved), and the next sweep
  claims those offers again.
Each offer is handled inside a savepoint: one that fails (a lock conflict, a bug) is rolled back
alone, logged, and tried again by the next run. A batch is one commit; batches stay small so the
stock levels it touches are not held for long.

Deadlocks: a batch moves stock for many orders, so it would take stock-level locks in no
particular order across them, and two sweeps (or a sweep and a checkout) could deadlock. So a
batch first locks the levels it is going to change, all at once in (store, sku) order, the
platform's lock order: two batches then queue behind each other instead. A batch that fails
anyway (a lock on a level it did not foresee) is rolled back whole and left to the next run.

The common case goes in bulk: an order whose stock is held in full at the expiring store and whose
next plan is an open store with every line. Such orders are grouped by their next store; per
group, one guarded update expires the offers, one reservations_move takes their stock there and
one insert writes the new offers, all inside one savepoint. A group that fails (the store lacks a
unit for one of them) is undone and its orders take the one-by-one path, which skips that store
for the order that does not fit. Both paths give the same result.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from dispatch.exceptions import InvalidOfferTransition
from dispatch.models import DispatchOffer, DispatchPolicy
from dispatch.services.chain import (
    SKIPPABLE,
    hold_grace,
    offer_end,
    offer_next,
    offered_stores_many,
    offers_announce,
    open_or_soon,
    order_lines_many,
    plans_left,
    stores_cached,
)
from dispatch.services.transitions import offers_transition
from inventory.models import Reservation, StockLevel
from inventory.services import reservations_move

logger = logging.getLogger(__name__)
OfferStatus = DispatchOffer.Status
EXPIRY_NOTE = "deadline passed"


def dispatch_offers_expire(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Close every live offer whose deadline has passed and offer its order to the next store
    (or HQ's queue). Returns how many offers this run expired."""
    now = now or timezone.now()
    batch_size = batch_size or settings.DISPATCH_SWEEP_BATCH_SIZE
    policy = DispatchPolicy.current()
    stores: dict = {}  # the run's store lookups, shared by its batches
    expired = 0
    after: tuple[datetime, int] | None = None  # keyset: each offer is looked at once per run
    while True:
        try:
            with transaction.atomic():
                due = (
                    DispatchOffer.objects.select_for_update(of=("self",), skip_locked=True)
                    .select_related("order", "dispatch__decision", "store")
                    .filter(status=OfferStatus.OFFERED, deadline__lte=now)
                )
                if after is not None:
                    due = due.filter(
                        Q(deadline__gt=after[0]) | Q(deadline=after[0], pk__gt=after[1])
                    )
                batch = list(due.order_by("deadline", "pk")[:batch_size])
                moved = _expire_batch(batch, now=now, policy=policy, stores=stores)
        except DatabaseError:  # rolled back whole: the next run finds every offer again
            logger.exception("dispatch sweep: a batch was rolled back; the next run retries it")
            return expired
        expired += moved
        if len(batch) < batch_size:
            return expired
        after = (batch[-1].deadline, batch[-1].pk)


def _expire_batch(batch: list[DispatchOffer], *, now, policy, stores) -> int:
    if not batch:
        return 0
    order_ids = [offer.order_id for offer in batch]
    lines = order_lines_many(order_ids)
    offered = offered_stores_many(order_ids)
    held = _held_many(batch)
    groups: dict[int, list[tuple[DispatchOffer, list[int]]]] = defaultdict(list)
    one_by_one: list[DispatchOffer] = []
    levels: set[tuple[int, int]] = set()  # the (store, sku) levels this batch will change
    for offer in batch:
        plans = plans_left(dispatch=offer.dispatch, offered=offered[offer.order_id], policy=policy)
        stores_cached(stores, [plans[0]["store"]] if plans else [])
        plan = plans[0] if plans else None
        rows = held.get(offer.order_id, [])
        order_lines = lines.get(offer.order_id, {})
        levels.update((store_id, sku_id) for _pk, store_id, sku_id, _q in rows)
        if plan is not None:
            levels.update((plan["store"], sku_id) for sku_id in order_lines)
        if _in_bulk(offer, plan, rows, order_lines, stores, now, policy):
            groups[plan["store"]].append((offer, [pk for pk, *_ in rows]))
        else:
            one_by_one.append(offer)
    _lock_levels(levels)
    expired = 0
    for store_id, group in groups.items():
        if _move_group(stores[store_id], group, lines=lines, now=now, policy=policy):
            expired += len(group)
        else:
            one_by_one += [offer for offer, _ in group]
    for offer in one_by_one:
        expired += _expire_one(offer=offer, now=now, policy=policy, stores=stores)
    return expired


def _held_many(batch: list[DispatchOffer]) -> dict[int, list[tuple]]:
    """{order_id: [(reservation id, store_id, sku_id, quantity), ...]} of the batch's orders'
    active reservations, locked (reservations before levels, in id order, as inventory does)."""
    order_of = {offer.order.reservation_owner: offer.order_id for offer in batch}
    held: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        Reservation.objects.select_for_update()
        .filter(owner__in=list(order_of), state=Reservation.State.ACTIVE)
        .order_by("pk")
        .values_list("owner", "pk", "store_id", "sku_id", "quantity")
    )
    for owner, *row in rows:
        held[order_of[owner]].append(tuple(row))
    return held


def _lock_levels(keys: set[tuple[int, int]]) -> None:
    """Lock the stock levels (store_id, sku_id) in key order, the platform's lock order (a read
    lock only: the writes stay with inventory.services, in this transaction)."""
    if not keys:
        return
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id FROM {StockLevel._meta.db_table} l "  # noqa: S608 - the model's table
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(store_id, sku_id) "
            "ON l.store_id = k.store_id AND l.sku_id = k.sku_id "
            "ORDER BY l.store_id, l.sku_id FOR UPDATE OF l",
            [[store for store, _ in ordered], [sku for _, sku in ordered]],
        )


def _in_bulk(offer, plan, rows, lines, stores, now, policy) -> bool:
    """The common case: a full offer whose order's stock is held exactly at its store, and
    whose next plan is an open, active store with every line."""
    if offer.kind != DispatchOffer.Kind.FULL or not lines or plan is None:
        return False
    if plan["kind"] != DispatchOffer.Kind.FULL or not set(lines) <= set(plan["covers"]):
        return False
    held: dict[int, int] = defaultdict(int)
    for _pk, store_id, sku_id, quantity in rows:
        if store_id != offer.store_id:
            return False
        held[sku_id] += quantity
    if held != lines:
        return False
    store = stores.get(plan["store"])
    return store is not None and store.is_active and open_or_soon(store, now, policy)


def _move_group(store, group, *, lines, now, policy) -> bool:
    offers = [offer for offer, _ in group]
    deadline = now + timedelta(minutes=policy.accept_timeout_minutes)
    try:
        with transaction.atomic():
            offers_transition(
                offers=offers, to=OfferStatus.EXPIRED, now=now, note=EXPIRY_NOTE, reason=EXPIRY_NOTE
            )
            reservations_move(
                reservations=[pk for _, ids in group for pk in ids],
                to_store=store,
                expires_at=deadline + hold_grace(),
            )
            new = DispatchOffer.objects.bulk_create(
                DispatchOffer(
                    order=offer.order,
                    dispatch_id=offer.dispatch_id,
                    store=store,
                    basis=DispatchOffer.Basis.NEXT_CANDIDATE,
                    kind=DispatchOffer.Kind.FULL,
                    covers=sorted(lines[offer.order_id]),
                    deadline=deadline,
                    created_at=now,
                )
                for offer in offers
            )
            offers_announce(offers=new, now=now)
    except (InvalidOfferTransition, DatabaseError, *SKIPPABLE):
        for offer in offers:  # undone in the database; the one-by-one path starts afresh
            offer.status, offer.reason = OfferStatus.OFFERED, ""
        return False
    return True


def _expire_one(*, offer: DispatchOffer, now: datetime, policy: DispatchPolicy, stores) -> int:
    try:
        with transaction.atomic():
            offer_end(offer=offer, to=OfferStatus.EXPIRED, now=now, reason=EXPIRY_NOTE)
            offer_next(
                dispatch=offer.dispatch,
                order=offer.order,
                now=now,
                policy=policy,
                after=offer,
                stores=stores,
            )
    except Exception:  # one bad offer must not stop the others; the next run tries it again
        logger.exception("dispatch sweep: offer %s could not be moved on", offer.pk)
        return 0
    return 1
