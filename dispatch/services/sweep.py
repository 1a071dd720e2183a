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

The common case goes in bulk, set-based, a few statements per batch whatever its size: an order
whose stock is held in full at the expiring store and whose next plan is an open store with
every line. The batch reads its orders' lines, past stores and reservations in one query each,
locks the levels it will change and reads their available stock in one more, and counts each
order's units out of its next store's stock in batch order. The orders that fit move together in
one savepoint: one guarded update expires their offers, one reservations_move_many takes their
stock to their next stores (one UPDATE for every level), one insert writes the new offers, and
the event and outbox rows go in one insert each; the stores' alerts are queued after commit as
one task. An order its next store cannot serve any more, and anything unusual (a partial or
parcel offer, stock held elsewhere, no store left), takes the one-by-one path, which skips that
store for it or queues it for HQ. If the bulk savepoint fails anyway, it is undone and its
orders go one by one too. Both paths give the same result.
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
from inventory.services import reservations_move_many

logger = logging.getLogger(__name__)
OfferStatus = DispatchOffer.Status
EXPIRY_NOTE = "deadline passed"
DECISION_UNREAD = ("candidates", "transfers", "lines", "reason")


def dispatch_offers_expire(
    *, now: datetime | None = None, batch_size: int | None = None, bulk: bool = True
) -> int:
    """Close every live offer whose deadline has passed and offer its order to the next store
    (or HQ's queue). Returns how many offers this run expired. `bulk=False` sends every offer
    down the one-by-one path (offer_end and offer_next, as a decline does): the reference that
    bench/sweep.py and the tests hold the batched path against."""
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
                    # Only the decision's plans are read: its candidates (with their stock) can
                    # be long, and a batch would decode them for every offer.
                    .defer(*(f"dispatch__decision__{name}" for name in DECISION_UNREAD))
                    .filter(status=OfferStatus.OFFERED, deadline__lte=now)
                )
                if after is not None:
                    due = due.filter(
                        Q(deadline__gt=after[0]) | Q(deadline=after[0], pk__gt=after[1])
                    )
                batch = list(due.order_by("deadline", "pk")[:batch_size])
                moved = _expire_batch(batch, now=now, policy=policy, stores=stores, bulk=bulk)
        except DatabaseError:  # rolled back whole: the next run finds every offer again
            logger.exception("dispatch sweep: a batch was rolled back; the next run retries it")
            return expired
        expired += moved
        if len(batch) < batch_size:
            return expired
        after = (batch[-1].deadline, batch[-1].pk)


def _expire_batch(batch: list[DispatchOffer], *, now, policy, stores, bulk: bool = True) -> int:
    if not batch:
        return 0
    order_ids = [offer.order_id for offer in batch]
    lines = order_lines_many(order_ids)
    offered = offered_stores_many(order_ids)
    held = _held_many(batch)
    next_plan: dict[int, dict | None] = {}
    for offer in batch:
        plans = plans_left(dispatch=offer.dispatch, offered=offered[offer.order_id], policy=policy)
        next_plan[offer.pk] = plans[0] if plans else None
    stores_cached(stores, {plan["store"] for plan in next_plan.values() if plan is not None})
    levels: set[tuple[int, int]] = set()  # the (store, sku) levels this batch will change
    for offer in batch:
        levels.update((store_id, sku_id) for _pk, store_id, sku_id, _q in held[offer.order_id])
        if next_plan[offer.pk] is not None:
            levels.update(
                (next_plan[offer.pk]["store"], sku) for sku in lines.get(offer.order_id, {})
            )
    available = _lock_levels(levels)
    moves: list[tuple[DispatchOffer, list[int]]] = []
    one_by_one: list[DispatchOffer] = []
    for offer in batch:
        plan, rows = next_plan[offer.pk], held[offer.order_id]
        order_lines = lines.get(offer.order_id, {})
        if (
            bulk
            and _in_bulk(offer, plan, rows, order_lines, stores, now, policy)
            and _take(available, plan["store"], order_lines)
        ):
            moves.append((offer, [pk for pk, *_ in rows]))
        else:
            # Not the common case, or the next store has not enough left for this order once
            # the orders before it in the batch are served: offer_next skips that store for it.
            one_by_one.append(offer)
    expired = 0
    if moves:
        if _move_bulk(
            moves, stores=stores, next_plan=next_plan, lines=lines, now=now, policy=policy
        ):
            expired += len(moves)
        else:
            one_by_one += [offer for offer, _ in moves]
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


def _lock_levels(keys: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Lock the stock levels (store_id, sku_id) in key order, the platform's lock order, and
    return what each has available (a read lock only: the writes stay with inventory.services,
    in this transaction, so nobody changes these numbers before the batch commits)."""
    if not keys:
        return {}
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.store_id, l.sku_id, l.on_hand - l.reserved "  # noqa: S608 - the model's table
            f"FROM {StockLevel._meta.db_table} l "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(store_id, sku_id) "
            "ON l.store_id = k.store_id AND l.sku_id = k.sku_id "
            "ORDER BY l.store_id, l.sku_id FOR UPDATE OF l",
            [[store for store, _ in ordered], [sku for _, sku in ordered]],
        )
        return {(store_id, sku_id): free for store_id, sku_id, free in cursor.fetchall()}


def _take(available: dict[tuple[int, int], int], store_id: int, lines: dict[int, int]) -> bool:
    """Count the order's units out of the store's available stock, if it has every one."""
    if any(available.get((store_id, sku_id), 0) < q for sku_id, q in lines.items()):
        return False
    for sku_id, quantity in lines.items():
        available[(store_id, sku_id)] -= quantity
    return True


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


def _move_bulk(moves, *, stores, next_plan, lines, now, policy) -> bool:
    """The batch's common cases in one savepoint: one guarded update expires their offers, one
    reservations_move_many takes their stock to their next stores, one insert writes the new
    offers (and one each their events and outbox rows). False, with nothing done, if any of it
    fails: those orders then take the one-by-one path."""
    offers = [offer for offer, _ in moves]
    deadline = now + timedelta(minutes=policy.accept_timeout_minutes)
    to_store = {offer.pk: stores[next_plan[offer.pk]["store"]] for offer in offers}
    try:
        with transaction.atomic():
            offers_transition(
                offers=offers, to=OfferStatus.EXPIRED, now=now, note=EXPIRY_NOTE, reason=EXPIRY_NOTE
            )
            reservations_move_many(
                moves=[(ids, to_store[offer.pk]) for offer, ids in moves],
                expires_at=deadline + hold_grace(),
            )
            new = DispatchOffer.objects.bulk_create(
                DispatchOffer(
                    order=offer.order,
                    dispatch_id=offer.dispatch_id,
                    store=to_store[offer.pk],
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
        logger.warning("dispatch sweep: a bulk move was undone; its offers go one by one")
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
