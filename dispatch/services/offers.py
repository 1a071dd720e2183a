"""A delivery order's offers: made after payment, accepted or declined by the store, reassigned
by HQ (DESIGN §4 "Routing", steps 4-5). The deadline sweep lives in dispatch.services.sweep."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dispatch import hooks
from dispatch.exceptions import (
    DeclineReasonRequired,
    DispatchError,
    InvalidDispatchTransition,
    NotYourOffer,
    OfferExpired,
)
from dispatch.models import Dispatch, DispatchEvent, DispatchOffer, DispatchPolicy, RouteDecision
from dispatch.selectors import store_coverage
from dispatch.services.chain import offer_create, offer_end, offer_next, order_lines
from dispatch.services.holds import order_stock_release, order_stock_take
from dispatch.services.transitions import (
    dispatch_event_add,
    dispatch_transition,
    offer_transition,
)
from inventory.services.levels import store_check_active
from orders.models import Order
from stores.models import Staff, Store

DispatchState, OfferStatus = Dispatch.State, DispatchOffer.Status


@transaction.atomic
def dispatch_offer_make(
    *, order: Order, decision: RouteDecision, now: datetime | None = None
) -> DispatchOffer | None:
    """Start dispatching a paid delivery order along its routing decision: the first store that
    can take it gets an offer with HQ's accept deadline, and the order's stock (reserved at
    checkout) follows it. Returns the live offer, or None when no store could take it and the
    order waits in HQ's queue.

    Idempotent: a second call for the same order (a repeated payment notification) changes
    nothing and returns the live offer, if any.
    """
    now = now or timezone.now()
    # The decision becomes this order's (it was made at checkout, before the order existed).
    claimed = (
        RouteDecision.objects.filter(pk=decision.pk)
        .filter(Q(order__isnull=True) | Q(order=order))
        .update(order=order)
    )
    if not claimed:
        raise DispatchError(f"decision {decision.pk} routed another order")
    decision.order = order
    # Insert-or-keep, then lock: a concurrent second call waits here for the first to commit,
    # then finds its record already moved on.
    Dispatch.objects.bulk_create([Dispatch(order=order, decision=decision)], ignore_conflicts=True)
    dispatch = Dispatch.objects.select_for_update().select_related("decision").get(order=order)
    if dispatch.state != DispatchState.NEW:
        return dispatch.offers.filter(status=OfferStatus.OFFERED).first()
    dispatch_event_add(
        dispatch_id=dispatch.pk,
        kind=DispatchEvent.Kind.ROUTED,
        now=now,
        store_id=dispatch.decision.store_id,
        note=f"{dispatch.decision.get_outcome_display()}: {dispatch.decision.reason}",
    )
    return offer_next(
        dispatch=dispatch,
        order=order,
        now=now,
        policy=DispatchPolicy.current(),
        basis=DispatchOffer.Basis.ROUTED,
    )


def _check_answerer(offer: DispatchOffer, staff: Staff | None) -> None:
    """Only an active member of the offered store's staff, or HQ staff, answers an offer."""
    if staff is None or not staff.is_active or not staff.user.is_active:
        raise NotYourOffer()
    if staff.role != Staff.Role.HQ and staff.store_id != offer.store_id:
        raise NotYourOffer()


def _lock(offer: DispatchOffer) -> DispatchOffer:
    # Only the offer row is locked (not the joined rows): every path that changes an order's
    # offers locks its live offer first, so they queue up here in one order.
    return (
        DispatchOffer.objects.select_for_update(of=("self",))
        .select_related("order", "dispatch__decision", "store")
        .get(pk=offer.pk)
    )


@transaction.atomic
def dispatch_offer_accept(
    *, offer: DispatchOffer, staff: Staff, now: datetime | None = None
) -> DispatchOffer:
    """The store takes the order before the deadline: the offer and the order's dispatch move
    to accepted, the goods it holds for the order become a sale at that store, and the
    `offer_accepted` hook runs the order-side effect in this transaction. Raises NotYourOffer,
    OfferExpired (deadline passed: the sweep moves it on) or InvalidOfferTransition."""
    now = now or timezone.now()
    _check_answerer(offer, staff)
    offer = _lock(offer)
    if offer.status == OfferStatus.OFFERED and offer.deadline <= now:
        raise OfferExpired()
    offer_transition(
        offer=offer, to=OfferStatus.ACCEPTED, now=now, actor=staff.user, responded_at=now
    )
    dispatch_transition(
        dispatch=offer.dispatch,
        to=DispatchState.ACCEPTED,
        now=now,
        actor=staff.user,
        store_id=offer.store_id,
    )
    lines = order_lines(offer.order)
    order_stock_take(
        order=offer.order,
        store=offer.store,
        lines={sku_id: lines[sku_id] for sku_id in offer.covers if sku_id in lines},
        actor=staff.user,
    )
    hooks.offer_accepted.send(order=offer.order, offer=offer, actor=staff.user)
    return offer


@transaction.atomic
def dispatch_offer_decline(
    *, offer: DispatchOffer, staff: Staff, reason: str, now: datetime | None = None
) -> DispatchOffer | None:
    """The store says no, with a reason: the next candidate store gets an offer (never one
    offered before) and the stock moves there in this transaction; with none left, the order
    goes to HQ's queue. Returns the next offer, or None when queued."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DeclineReasonRequired()
    _check_answerer(offer, staff)
    offer = _lock(offer)
    offer_end(offer=offer, to=OfferStatus.DECLINED, now=now, actor=staff.user, reason=reason)
    return offer_next(
        dispatch=offer.dispatch,
        order=offer.order,
        now=now,
        policy=DispatchPolicy.current(),
        after=offer,
    )


@transaction.atomic
def dispatch_assign(
    *, dispatch: Dispatch, store: Store, actor, note: str = "", now: datetime | None = None
) -> DispatchOffer:
    """HQ gives the order to `store` by hand: from the queue, or instead of the live offer
    (withdrawn). The store gets an offer with the usual deadline; lines it lacks come by
    transfer. HQ may pick a store tried before. Domain errors (no stock, no transfer source,
    inactive store) change nothing."""
    now = now or timezone.now()
    store_check_active(store)
    live = (
        DispatchOffer.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(dispatch=dispatch, status=OfferStatus.OFFERED)
        .first()
    )
    if live is not None:
        offer_end(
            offer=live,
            to=OfferStatus.WITHDRAWN,
            now=now,
            actor=actor,
            reason=note or "reassigned by HQ",
        )
    dispatch = (
        Dispatch.objects.select_for_update().select_related("order", "decision").get(pk=dispatch.pk)
    )
    if dispatch.state not in {DispatchState.OFFERED, DispatchState.QUEUED}:
        raise InvalidDispatchTransition(f"dispatch {dispatch.pk} is {dispatch.state}")
    order = dispatch.order
    lines = order_lines(order)
    covers = store_coverage(store=store, lines=lines, owner=order.reservation_owner)
    kind = DispatchOffer.Kind.PARCEL if store.is_warehouse else DispatchOffer.Kind.FULL
    return offer_create(
        dispatch=dispatch,
        order=order,
        store=store,
        covers=sorted(covers),
        kind=kind,
        basis=DispatchOffer.Basis.HQ_ASSIGNMENT,
        lines=lines,
        now=now,
        policy=DispatchPolicy.current(),
        actor=actor,
        note=note,
    )


@transaction.atomic
def dispatch_cancel(
    *, order: Order, actor=None, reason: str = "", now: datetime | None = None
) -> Dispatch:
    """The order will not be delivered (cancelled or refunded before a store accepted it): the
    live offer, if any, is withdrawn (its transfers cancelled), the stock held for the order is
    released, and the dispatch ends. An accepted order's goods were sold by the store; cancelling
    it here only ends the dispatch record, and the refund returns the goods."""
    now = now or timezone.now()
    live = (
        DispatchOffer.objects.select_for_update(of=("self",))
        .filter(order=order, status=OfferStatus.OFFERED)
        .first()
    )
    if live is not None:
        offer_end(
            offer=live, to=OfferStatus.WITHDRAWN, now=now, actor=actor, reason=reason or "cancelled"
        )
    dispatch = Dispatch.objects.select_for_update().get(order=order)
    accepted = dispatch.state == DispatchState.ACCEPTED
    dispatch_transition(
        dispatch=dispatch, to=DispatchState.CANCELLED, now=now, actor=actor, note=reason
    )
    if not accepted:
        order_stock_release(order=order)
    return dispatch
