"""A live delivery offer to one store, made through the real services, for tests of the pages
that show and answer offers (the store desk, HQ's admin)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from dispatch.models import DispatchOffer, RouteDecision
from dispatch.services import dispatch_offer_make
from inventory.services import stock_reserve
from orders.models import Order, OrderLine
from orders.services.numbers import order_number_next
from stores.models import WEEKDAYS, Store

ALL_DAY = {day: ["00:00", "23:59"] for day in WEEKDAYS}


def delivery_offer_make(
    *, store: Store, lines: list, member=None, now: datetime | None = None, also: list = ()
) -> DispatchOffer:
    """A paid delivery order for [(sku, quantity), ...], its stock reserved at `store`, routed
    to `store` first (then to the stores in `also`), and offered to it at `now`. The stores are
    made to open all day, so the offer does not depend on when the test runs."""
    now = now or timezone.now()
    Store.objects.filter(pk__in=[store.pk, *(s.pk for s in also)]).update(opening_hours=ALL_DAY)
    goods = sum(sku.price * quantity for sku, quantity in lines)
    order = Order.objects.create(
        number=order_number_next(),
        member=member,
        channel=Order.Channel.H5,
        fulfillment=Order.Fulfillment.DELIVERY,
        status=Order.Status.PAID,
        goods_amount=goods,
        total_amount=goods,
        address={"address": "南京西路 100 号 3 楼", "latitude": 31.23, "longitude": 121.45},
        paid_at=now,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=sku,
            product_name=sku.product.name,
            color=sku.color,
            size=sku.size,
            unit_price=sku.price,
            quantity=quantity,
        )
        for sku, quantity in lines
    )
    stock_reserve(
        store=store,
        lines=[(sku.pk, quantity) for sku, quantity in lines],
        expires_at=now + timedelta(hours=2),
        owner=order.reservation_owner,
    )
    covers = sorted(sku.pk for sku, _quantity in lines)
    decision = RouteDecision.objects.create(
        latitude=31.23,
        longitude=121.45,
        lines=[[sku.pk, quantity] for sku, quantity in lines],
        outcome=RouteDecision.Outcome.NEAREST,
        store=store,
        plans=[
            {"store": s.pk, "code": s.code, "kind": "full", "covers": covers, "distance_km": 1.0}
            for s in (store, *also)
        ],
        reason=f"test: routed to {store.code}",
    )
    return dispatch_offer_make(order=order, decision=decision, now=now)
