"""Placing an order: prices, attribution, points discount and the stock reservation, in one
transaction (DESIGN §4 "Orders", "Attribution")."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import store_prices
from catalog.models import SKU
from inventory.services import stock_reserve
from members.models import LoyaltyPolicy, PointsEntry
from members.services.points import points_add
from o2o.parsing import is_whole_number
from orders import hooks
from orders.exceptions import EmptyOrder, OrderError
from orders.models import BookingPolicy, Order, OrderEvent
from orders.services.attribution import credited_clerk_for, credited_store_for
from orders.services.booking_rules import booking_limits_check, booking_slot_check
from orders.services.creation import order_create
from orders.services.discounts import order_shipping_set
from stores.models import Store

F = Order.Fulfillment


class InvalidCheckout(OrderError):
    """The checkout cannot be placed as asked."""

    code = "invalid_checkout"


@dataclass(frozen=True)
class Line:
    sku: SKU
    quantity: int


def payment_window() -> timedelta:
    return timedelta(minutes=getattr(settings, "PAYMENT_WINDOW_MINUTES", 15))


def try_in_store_grace() -> timedelta:
    return timedelta(hours=getattr(settings, "TRY_IN_STORE_GRACE_HOURS", 2))


def points_value_fen(points: int, policy: LoyaltyPolicy) -> int:
    """What `points` are worth at checkout, in fen (HQ sets how many points make one yuan)."""
    return points * 100 // max(1, policy.points_per_yuan_discount)


def _check_lines(lines: list[Line]) -> dict[int, Line]:
    if not lines:
        raise EmptyOrder()
    merged: dict[int, Line] = {}
    for line in lines:
        if not is_whole_number(line.quantity, minimum=1):
            raise InvalidCheckout("quantities must be whole numbers above zero")
        if not (line.sku.is_active and line.sku.product.is_active):
            raise InvalidCheckout(f"{line.sku.product.name} is no longer sold")
        previous = merged.get(line.sku.pk)
        merged[line.sku.pk] = Line(line.sku, line.quantity + (previous.quantity if previous else 0))
    return merged


def _check_store(store: Store, fulfillment: str) -> None:
    if store is None or not store.is_active:
        raise InvalidCheckout("choose an open store")
    if fulfillment in {F.PICKUP, F.TRY_IN_STORE, F.IN_STORE} and store.is_warehouse:
        raise InvalidCheckout("the warehouse does not serve shoppers")


def _check_booking(*, member, store: Store, appointment_at: datetime | None, now: datetime):
    """网订店试: one of the store's offered slots, within HQ's limits (see booking_rules)."""
    if appointment_at is None:
        raise InvalidCheckout("choose a date and time to try")
    policy = BookingPolicy.current()
    booking_slot_check(store=store, appointment_at=appointment_at, now=now, policy=policy)
    booking_limits_check(member=member, store=store, policy=policy)


@transaction.atomic
def order_place(
    *,
    member,
    lines: list[Line],
    fulfillment: str,
    store: Store,
    channel: str = Order.Channel.H5,
    assisted_by=None,
    shared_by=None,
    appointment_at: datetime | None = None,
    address: dict | None = None,
    note: str = "",
    points_to_use: int = 0,
    coupon_code: str = "",
    unit_prices: dict[int, int] | None = None,
    shipping_amount: int = 0,
    shipping_rule: Callable[[int], int] | None = None,
    held_skus: Collection[int] | None = None,
    before_hold: Callable[[Order], None] | None = None,
    now: datetime | None = None,
) -> Order:
    """Place an order and hold its stock at `store`.

    Pickup, in-store and parcel orders wait for payment for the payment window (the stock is
    reserved until then); a try-in-store booking holds the stock until the appointment plus a
    grace period and is paid in the store, so it is taken only for an offered slot within HQ's
    limits (BookingRefused otherwise). Attribution (credited store and clerk) is computed
    here and frozen. Points used as a discount are spent now and restored if the order lapses.
    A `coupon_code` is handed to the `COUPON_APPLY` hook (promotions), which takes the coupon
    and lowers the amounts after the points discount; it is given back if the order lapses.
    Raises InsufficientStock (nothing written) when the store lacks a line.

    A delivery order (网订店送) is placed by dispatch once it has routed the basket: `store` is
    the routed store, `address` carries the map point, `shipping_amount` the delivery fee, and
    `held_skus` the lines that store holds (the others come by transfer after payment).

    Each line costs the store's price (千店千面, `catalog.store_prices`: the chain price unless
    the store reprices it) unless the caller fixes it in `unit_prices` {sku_id: fen} (a flash
    sale's price, held by the shopper's claim); a product the store does not offer is refused.
    `shipping_amount` (fen) is added to the total (a delivery fee, a flash sale's shipping fee).
    A `shipping_rule` instead prices it from the goods after the coupon (fen → fee in fen): a
    delivery's free-delivery threshold is judged on what the goods cost once the coupon is off,
    so a coupon cannot bring a basket below the threshold and keep the free delivery.

    The stock is held last: its level rows stay locked until the transaction commits, and on a
    hot SKU every shopper waits for that lock, so nothing else may happen after it. A caller with
    more to write in the same transaction (empty the cart, link a claim) passes it as
    `before_hold(order)`, which runs after the order, coupon and points are written.
    """
    now = now or timezone.now()
    if fulfillment == F.DELIVERY and not (
        address and address.get("address") and "latitude" in address and "longitude" in address
    ):
        raise InvalidCheckout("a delivery needs an address with its place on the map")
    if shipping_amount < 0:
        raise InvalidCheckout("a fee cannot be negative")
    merged = _check_lines(lines)
    _check_store(store, fulfillment)
    if fulfillment == F.TRY_IN_STORE:
        _check_booking(member=member, store=store, appointment_at=appointment_at, now=now)
    if fulfillment == F.SHIP and not (address and address.get("address")):
        raise InvalidCheckout("a parcel needs an address")
    coupon_code = (coupon_code or "").strip()
    if coupon_code and (member is None or fulfillment == F.TRY_IN_STORE):
        raise InvalidCheckout("coupons can be used by members paying online")
    if coupon_code and not hooks.hooks_registered(hooks.COUPON_APPLY):
        raise InvalidCheckout("coupons cannot be used here")
    if shared_by is not None and member is not None and shared_by.pk == member.pk:
        shared_by = None  # no commission to the buyer herself

    policy = LoyaltyPolicy.current()
    ordered = [merged[sku_id] for sku_id in sorted(merged)]
    for line in ordered:
        if not store_prices.product_offered_at(line.sku.product, store):
            raise InvalidCheckout(f"{line.sku.product.name} is not sold at {store.name}")
    prices = store_prices.sku_prices_at([line.sku for line in ordered], store)
    prices.update(unit_prices or {})
    goods = sum(prices[line.sku.pk] * line.quantity for line in ordered)
    if shipping_rule is not None:
        shipping_amount = shipping_rule(goods)
    points_to_use = max(0, int(points_to_use or 0))
    if points_to_use and (member is None or fulfillment == F.TRY_IN_STORE):
        raise InvalidCheckout("points can be used by members paying online")
    # WeChat Pay needs at least one fen to pay, so points cover all but that.
    points_discount = min(points_value_fen(points_to_use, policy), max(0, goods - 1))
    if points_to_use and points_discount <= 0:
        raise InvalidCheckout("not enough points for a discount")
    # The points actually spent for that discount (fewer when the discount was capped).
    points_used = -(-points_discount * policy.points_per_yuan_discount // 100)

    booked = fulfillment == F.TRY_IN_STORE
    expires_at = appointment_at + try_in_store_grace() if booked else now + payment_window()
    order = order_create(
        lines=[(line.sku, line.quantity, prices[line.sku.pk]) for line in ordered],
        channel=channel,
        fulfillment=fulfillment,
        status=Order.Status.BOOKED if booked else Order.Status.PENDING_PAYMENT,
        store=store,
        actor_label=assisted_by.display_name if assisted_by else OrderEvent.ACTOR_SHOPPER,
        event_note=f"{Order.Fulfillment(fulfillment).label} @ {store.name}",
        points_discount_amount=points_discount,
        shipping_amount=shipping_amount,
        member=member,
        credited_store=credited_store_for(member=member, fulfilling_store=store, channel=channel),
        credited_clerk=credited_clerk_for(member=member, assisting=assisted_by),
        assisted_by=assisted_by,
        shared_by=shared_by,
        points_used=points_used,
        address=address or {},
        appointment_at=appointment_at,
        note=note[:200],
        expires_at=expires_at,
    )
    added: list[tuple[int, int]] = []  # lines a coupon added (its gift item), held like any
    if coupon_code:
        placed = set(order.lines.values_list("pk", flat=True))
        hooks.hooks_run(hooks.COUPON_APPLY, order=order, code=coupon_code)
        added = list(
            order.lines.exclude(pk__in=placed).values_list("sku_id", "quantity").order_by("pk")
        )
        if shipping_rule is not None:
            # Points are not a discount on the goods (they pay for them): only the coupon counts.
            order_shipping_set(
                order=order, amount=shipping_rule(order.goods_amount - order.discount_amount)
            )
    if points_used:
        points_add(
            member=member,
            delta=-points_used,
            reason=PointsEntry.Reason.DISCOUNT,
            reference=order.reservation_owner,
        )
    if before_hold is not None:
        before_hold(order)
    held = ordered if held_skus is None else [x for x in ordered if x.sku.pk in set(held_skus)]
    stock_reserve(
        store=store,
        lines=[(line.sku.pk, line.quantity) for line in held] + added,
        expires_at=expires_at,
        owner=order.reservation_owner,
    )
    return order
