"""What dispatch plugs into the order's life (orders.hooks) and into its own seams
(dispatch.hooks); connected once, from DispatchConfig.ready()."""

from __future__ import annotations

from django.db.models import F

from dispatch import hooks
from dispatch.models import Dispatch, RouteDecision
from dispatch.services.delivery import order_accept_for_offer
from dispatch.services.offers import dispatch_cancel, dispatch_offer_make
from dispatch.services.routing import dispatch_route
from orders import hooks as order_hooks
from orders.models import Order


def dispatch_start_on_paid(*, order: Order) -> None:
    """ORDER_PAID: a paid delivery order goes to its routed store as an offer with HQ's accept
    deadline, in the payment's transaction (a repeated notification finds the offer made and
    changes nothing). Routed again only if checkout's decision is missing."""
    if order.fulfillment != Order.Fulfillment.DELIVERY:
        return
    decision = RouteDecision.objects.filter(order=order).order_by("-created_at", "-id").first()
    if decision is None or decision.outcome == RouteDecision.Outcome.REFUSED:
        address = order.address or {}
        decision = dispatch_route(
            latitude=address.get("latitude"),
            longitude=address.get("longitude"),
            lines=list(order.lines.values_list("sku_id", "quantity")),
            member=order.member,
            order=order,
        )
    dispatch_offer_make(order=order, decision=decision)


def dispatch_end_on_refund(*, order: Order, refund) -> None:
    """REFUND_SUCCEEDED: a delivery order refunded in full before a store accepted it is no
    longer offered; the stock held for it is released (dispatch_cancel)."""
    if order.fulfillment != Order.Fulfillment.DELIVERY:
        return
    if order.lines.filter(refunded_quantity__lt=F("quantity")).exists():
        return
    open_states = [Dispatch.State.NEW, Dispatch.State.OFFERED, Dispatch.State.QUEUED]
    if Dispatch.objects.filter(order=order, state__in=open_states).exists():
        dispatch_cancel(order=order, reason=f"refunded ({refund.out_refund_no})")


def receivers_connect() -> None:
    order_hooks.hook_register(order_hooks.ORDER_PAID, dispatch_start_on_paid)
    order_hooks.hook_register(order_hooks.REFUND_SUCCEEDED, dispatch_end_on_refund)
    hooks.offer_accepted.connect(order_accept_for_offer)
