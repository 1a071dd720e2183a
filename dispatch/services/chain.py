"""Offering an order to one store after another: the routing's plans in order, never a store
offered before, each with a deadline; the order's stock follows each offer; when no store is
left, the order waits in HQ's queue (DESIGN §4 "Routing", step 4)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dispatch import hooks
from dispatch.exceptions import NoTransferSource
from dispatch.models import Dispatch, DispatchEvent, DispatchOffer, DispatchPolicy
from dispatch.selectors import transfer_sources
from dispatch.services.alerts import offers_alert_queue
from dispatch.services.holds import order_stock_follow
from dispatch.services.transitions import (
    actor_label_of,
    dispatch_event_add,
    dispatch_transition,
    offer_transition,
)
from inventory.exceptions import InactiveStore, InsufficientStock, InvalidState
from inventory.models import Reservation, Transfer
from inventory.services import transfer_cancel, transfer_request
from orders.models import Order, OrderLine
from stores.models import Store

DispatchState, OfferStatus = Dispatch.State, DispatchOffer.Status
# A store that cannot take the order when its turn comes is skipped (the next one is asked).
SKIPPABLE = (InsufficientStock, InactiveStore, InvalidState, NoTransferSource)


def hold_grace() -> timedelta:
    """How long past an offer's deadline its stock stays held, so that the sweep moves it on
    before the reservation sweep could release it."""
    return timedelta(minutes=settings.DISPATCH_HOLD_GRACE_MINUTES)


def order_lines(order: Order) -> dict[int, int]:
    return order_lines_many([order.pk]).get(order.pk, {})


def order_lines_many(order_ids: list[int]) -> dict[int, dict[int, int]]:
    """{order_id: {sku_id: quantity}} in one query."""
    lines: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = OrderLine.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "sku_id", "quantity"
    )
    for order_id, sku_id, quantity in rows:
        lines[order_id][sku_id] += quantity
    return {order_id: dict(skus) for order_id, skus in lines.items()}


def offered_stores_many(order_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """{order_id: [(store_id, basis), ...]}: the stores each order was offered to so far."""
    offered: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = DispatchOffer.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "store_id", "basis"
    )
    for order_id, store_id, basis in rows:
        offered[order_id].append((store_id, basis))
    return offered


def plans_left(
    *, dispatch: Dispatch, offered: list[tuple[int, str]], policy: DispatchPolicy
) -> list[dict]:
    """The routing plans still to try, in order: never a store offered before (by routing or by
    HQ), and none once HQ's number of stores has been offered the order automatically."""
    automatic = sum(1 for _, basis in offered if basis != DispatchOffer.Basis.HQ_ASSIGNMENT)
    if automatic >= policy.max_stores_tried:
        return []
    tried = {store_id for store_id, _ in offered}
    return [plan for plan in dispatch.decision.plans if plan["store"] not in tried]


def offers_announce(
    *, offers: list[DispatchOffer], now: datetime, actor=None, note: str = ""
) -> None:
    """Each new offer's event, and the stores' alerts after commit (one task for the lot; a
    failure to queue them never undoes the offers)."""
    label = actor_label_of(actor)
    DispatchEvent.objects.bulk_create(
        DispatchEvent(
            dispatch_id=offer.dispatch_id,
            offer=offer,
            kind=DispatchEvent.Kind.OFFERED,
            store_id=offer.store_id,
            to_state=OfferStatus.OFFERED,
            actor=actor,
            actor_label=label,
            note=(note or f"deadline {timezone.localtime(offer.deadline):%Y-%m-%d %H:%M}")[:300],
            created_at=now,
        )
        for offer in offers
    )
    for offer in offers:
        hooks.offer_made.send(order=offer.order, offer=offer)
    if offers:
        transaction.on_commit(
            partial(offers_alert_queue, [offer.pk for offer in offers]), robust=True
        )


def _request_transfers(*, order: Order, store: Store, missing: dict[int, int]) -> list[Transfer]:
    """Ask the nearest stores holding the missing lines to send them to `store` (one transfer
    per source store); each request holds its units at the source."""
    sources = transfer_sources(
        latitude=float(store.latitude),
        longitude=float(store.longitude),
        lines=missing,
        exclude_store_id=store.pk,
    )
    if len(sources) < len(missing):
        raise NoTransferSource(f"no store holds {sorted(set(missing) - set(sources))}")
    by_store: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for source in sources.values():
        by_store[source.store_id].append((source.sku_id, source.quantity))
    from_stores = Store.objects.in_bulk(list(by_store))
    return [
        transfer_request(
            from_store=from_stores[store_id],
            to_store=store,
            lines=lines,
            note=f"delivery order {order.number}",
        )
        for store_id, lines in sorted(by_store.items())
    ]


def offer_create(
    *,
    dispatch: Dispatch,
    order: Order,
    store: Store,
    covers: list[int],
    kind: str,
    basis: str,
    lines: dict[int, int],
    now: datetime,
    policy: DispatchPolicy,
    actor=None,
    note: str = "",
) -> DispatchOffer:
    """Offer the order to `store`: its stock follows (held until past the deadline), transfers
    are requested for the lines it lacks, the offer is written with its event. Raises a
    skippable error (see SKIPPABLE) when the store cannot take it; the caller's savepoint
    undoes what was done."""
    deadline = now + timedelta(minutes=policy.accept_timeout_minutes)
    own = {sku_id: lines[sku_id] for sku_id in covers if sku_id in lines}
    missing = {sku_id: q for sku_id, q in lines.items() if sku_id not in own}
    order_stock_follow(order=order, store=store, lines=own, hold_until=deadline + hold_grace())
    transfers = _request_transfers(order=order, store=store, missing=missing) if missing else []
    offer = DispatchOffer.objects.create(
        order=order,
        dispatch=dispatch,
        store=store,
        basis=basis,
        kind=_offer_kind(kind, missing),
        covers=sorted(own),
        deadline=deadline,
        created_at=now,
    )
    if transfers:
        offer.transfers.set(transfers)
    offers_announce(offers=[offer], now=now, actor=actor, note=note)
    if dispatch.state != DispatchState.OFFERED:
        dispatch_transition(
            dispatch=dispatch, to=DispatchState.OFFERED, now=now, actor=actor, store_id=store.pk
        )
    return offer


def _offer_kind(plan_kind: str, missing: dict) -> str:
    if plan_kind == DispatchOffer.Kind.PARCEL:
        return DispatchOffer.Kind.PARCEL
    return DispatchOffer.Kind.PARTIAL if missing else DispatchOffer.Kind.FULL


def offer_end(
    *, offer: DispatchOffer, to: str, now: datetime, actor=None, reason: str = ""
) -> DispatchOffer:
    """Close a live offer without acceptance (declined, expired, withdrawn) and cancel the
    transfers it had requested; the caller offers the next store in the same transaction."""
    fields = {"reason": reason[:200]}
    if to == OfferStatus.DECLINED:
        fields["responded_at"] = now
    offer_transition(offer=offer, to=to, now=now, actor=actor, note=reason, **fields)
    if offer.kind == DispatchOffer.Kind.PARTIAL:
        for transfer in offer.transfers.filter(state=Transfer.State.REQUESTED):
            transfer_cancel(transfer=transfer, actor=actor, note=f"offer {offer.pk} {to}")
    return offer


def offer_next(
    *,
    dispatch: Dispatch,
    order: Order,
    now: datetime,
    policy: DispatchPolicy,
    basis: str = DispatchOffer.Basis.NEXT_CANDIDATE,
    after: DispatchOffer | None = None,
    stores: dict[int, Store] | None = None,
) -> DispatchOffer | None:
    """Offer the order to the next store of its routing plans that was never offered it, up to
    HQ's number of stores; a store that cannot take it now (stock gone, closed, inactive) is
    skipped with an event. None when no store is left: the order then waits in HQ's queue with
    its stock held where it is. Call with the previous offer closed and locked. `stores` lets a
    sweep share store lookups between the offers of one run."""
    lines = order_lines(order)
    offered = offered_stores_many([order.pk]).get(order.pk, [])
    plans = plans_left(dispatch=dispatch, offered=offered, policy=policy)
    stores = stores_cached(stores, [plan["store"] for plan in plans])
    for plan in plans:
        store = stores.get(plan["store"])
        reason = unable(store, plan, now, policy)
        if reason is None:
            try:
                with transaction.atomic():
                    return offer_create(
                        dispatch=dispatch,
                        order=order,
                        store=store,
                        covers=plan["covers"],
                        kind=plan["kind"],
                        basis=basis,
                        lines=lines,
                        now=now,
                        policy=policy,
                    )
            except SKIPPABLE as error:
                reason = f"{error.code}: {error}"
        dispatch_event_add(
            dispatch_id=dispatch.pk,
            kind=DispatchEvent.Kind.SKIPPED,
            now=now,
            store_id=plan["store"],
            note=reason,
        )
    _queue(dispatch=dispatch, order=order, now=now, after=after)
    return None


def stores_cached(cache: dict[int, Store] | None, store_ids) -> dict[int, Store]:
    """`cache` (a sweep run's store lookups) completed with `store_ids` in one query."""
    cache = {} if cache is None else cache
    unknown = [store_id for store_id in store_ids if store_id not in cache]
    if unknown:
        cache.update(Store.objects.in_bulk(unknown))
    return cache


def open_or_soon(store: Store, now: datetime, policy: DispatchPolicy) -> bool:
    soon = now + timedelta(minutes=policy.opening_soon_minutes)
    return store.is_open_at(now) or store.is_open_at(soon)


def unable(store: Store | None, plan: dict, now: datetime, policy: DispatchPolicy) -> str | None:
    if store is None or not store.is_active:
        return "store not active"
    if plan["kind"] != DispatchOffer.Kind.PARCEL and not open_or_soon(store, now, policy):
        return "store closed"
    return None


def _queue(*, dispatch: Dispatch, order: Order, now: datetime, after: DispatchOffer | None):
    """Every candidate tried: HQ assigns by hand. The stock stays held where it last was (the
    last store offered, or where checkout reserved it) for HQ's queue hold."""
    if dispatch.state != DispatchState.QUEUED:
        dispatch_transition(
            dispatch=dispatch, to=DispatchState.QUEUED, now=now, note="every candidate store tried"
        )
    store = after.store if after is not None else _store_holding(order)
    if store is not None:
        hold_until = now + timedelta(hours=settings.DISPATCH_QUEUE_HOLD_HOURS)
        covers = after.covers if after is not None else list(order_lines(order))
        lines = order_lines(order)
        try:
            with transaction.atomic():
                order_stock_follow(
                    order=order,
                    store=store,
                    lines={sku_id: lines[sku_id] for sku_id in covers if sku_id in lines},
                    hold_until=hold_until,
                )
        except SKIPPABLE as error:
            dispatch_event_add(
                dispatch_id=dispatch.pk,
                kind=DispatchEvent.Kind.SKIPPED,
                now=now,
                store_id=store.pk,
                note=f"stock no longer held: {error.code}",
            )
    hooks.dispatch_queued.send(order=order, dispatch=dispatch)


def _store_holding(order: Order) -> Store | None:
    store_ids = set(
        Reservation.objects.filter(
            owner=order.reservation_owner, state=Reservation.State.ACTIVE
        ).values_list("store_id", flat=True)
    )
    return Store.objects.get(pk=store_ids.pop()) if len(store_ids) == 1 else None
