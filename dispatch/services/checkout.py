"""Delivery at checkout (网订店送, DESIGN §4 "Routing", step 3): where the basket can go, when it
arrives, what the delivery costs, and placing the order on the routed store.

The shopper's point is GCJ-02 (wx.getLocation answers in it; a browser's WGS-84 fix is shifted by
`o2o.geo.position_from_query` before it gets here). The quote is a preview: its routing decision
is rolled back; placing routes again and keeps that decision, which payment then claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from catalog import store_prices
from dispatch.exceptions import NoDeliveryRoute
from dispatch.models import DispatchPolicy, RouteDecision
from dispatch.services.routing import dispatch_route
from orders.exceptions import EmptyOrder
from orders.models import Order
from orders.services.cart import cart_checkout
from stores.models import Store
from stores.selectors import stores_nearest

Outcome = RouteDecision.Outcome
# How far ahead the next opening of a closed store is looked for.
OPENING_DAYS_AHEAD = 8


@dataclass(frozen=True)
class Promise:
    """When the goods arrive: "within_hour", "at_opening" (with `at`), "transfer" (with `at`,
    the transfer's expected arrival) or "parcel"."""

    kind: str
    at: datetime | None = None


@dataclass(frozen=True)
class DeliveryQuote:
    store: Store | None  # the store routing would offer first; None: nobody delivers there
    outcome: str
    promise: Promise | None
    goods: int
    fee: int
    nearest_pickup: Store | None = None  # when nobody delivers: the nearest store to collect
    nearest_distance: str = ""
    # HQ's rule, for the page to show the fee again once a coupon lowers the goods.
    delivery_fee: int = 0
    free_delivery_from: int = 0

    @property
    def delivers(self) -> bool:
        return self.store is not None

    @property
    def total(self) -> int:
        return self.goods + self.fee


def next_opening(store: Store, now: datetime) -> datetime | None:
    """The next moment `store` opens after `now` (in the platform's time zone), if within a week."""
    local = timezone.localtime(now)
    for days in range(OPENING_DAYS_AHEAD):
        day = local + timedelta(days=days)
        hours = store.hours_on(day)
        if not hours:
            continue
        opens = day.replace(hour=hours[0].hour, minute=hours[0].minute, second=0, microsecond=0)
        if opens > local:
            return opens
    return None


def delivery_promise(decision: RouteDecision, store: Store, now: datetime) -> Promise:
    if decision.outcome == Outcome.PARCEL:
        return Promise("parcel")
    if decision.outcome == Outcome.PARTIAL and decision.ready_at:
        return Promise("transfer", decision.ready_at)
    if store.is_open_at(now):
        return Promise("within_hour")
    return Promise("at_opening", next_opening(store, now))


def _basket(lines) -> list[tuple[int, int]]:
    return [(line.sku_id, line.quantity) for line in lines]


def delivery_quote(
    *, lines, latitude: float, longitude: float, member=None, now: datetime | None = None
) -> DeliveryQuote:
    """Can this basket be delivered to this point, from which store, when and for how much.
    Writes nothing (the routing decision of a preview is rolled back). Raises
    InvalidDeliveryPoint for a point that is not one."""
    now = now or timezone.now()
    policy = DispatchPolicy.current()
    goods = sum(line.sku.price * line.quantity for line in lines)
    with transaction.atomic():
        try:
            decision = dispatch_route(
                latitude=latitude,
                longitude=longitude,
                lines=_basket(lines),
                member=member,
                now=now,
                policy=policy,
            )
        except NoDeliveryRoute:
            decision = None
        store = Store.objects.filter(pk=decision.store_id).first() if decision else None
        transaction.set_rollback(True)  # a preview: nothing to keep
    if store is None:
        near = stores_nearest(latitude=latitude, longitude=longitude, limit=1)
        return DeliveryQuote(
            store=None,
            outcome=Outcome.REFUSED,
            promise=None,
            goods=goods,
            fee=0,
            nearest_pickup=near[0].store if near else None,
            nearest_distance=near[0].display if near else "",
        )
    # What the routed store charges (千店千面: its own price where it sets one), as placing does.
    prices = store_prices.sku_prices_at([line.sku for line in lines], store)
    goods = sum(prices.get(line.sku.pk, line.sku.price) * line.quantity for line in lines)
    return DeliveryQuote(
        store=store,
        outcome=decision.outcome,
        promise=delivery_promise(decision, store, now),
        goods=goods,
        fee=policy.fee_for(goods),
        delivery_fee=policy.delivery_fee,
        free_delivery_from=policy.free_delivery_from,
    )


def delivery_order_place(
    *,
    cart,
    member,
    address: dict,
    note: str = "",
    points_to_use: int = 0,
    coupon_code: str = "",
    shared_by=None,
    now: datetime | None = None,
) -> Order:
    """Place the cart as a delivery order to `address` ({name, phone, address, latitude,
    longitude}, GCJ-02): routed now (the decision is kept, with the order), priced with HQ's
    fee, its stock held at the routed store for the payment window. Payment then starts the
    offers (dispatch's ORDER_PAID hook). Raises NoDeliveryRoute when nobody can deliver (the
    refusal is kept for HQ), InsufficientStock or a checkout error (nothing placed).

    A `coupon_code` goes through checkout's COUPON_APPLY hook as for a pickup: the coupon comes
    off the goods (never the fee), and the free-delivery threshold is judged on the goods after
    the coupon (a ¥209 basket with ¥20 off pays the fee when delivery is free from ¥199)."""
    now = now or timezone.now()
    lines = list(cart.lines.select_related("sku__product"))
    if not lines:
        raise EmptyOrder("the cart is empty")
    decision = dispatch_route(
        latitude=address.get("latitude"),
        longitude=address.get("longitude"),
        lines=_basket(lines),
        member=member,
        now=now,
    )
    plan = decision.plans[0]
    return cart_checkout(
        cart=cart,
        member=member,
        fulfillment=Order.Fulfillment.DELIVERY,
        store=Store.objects.get(pk=decision.store_id),
        address=address,
        note=note,
        points_to_use=points_to_use,
        coupon_code=coupon_code,
        shared_by=shared_by,
        shipping_rule=DispatchPolicy.current().fee_for,
        held_skus=plan["covers"],
        # Linked before the stock is held (order_place holds it last).
        before_hold=lambda order: RouteDecision.objects.filter(
            pk=decision.pk, order__isnull=True
        ).update(order=order),
        now=now,
    )
