"""An order-level discount added after the order is written (a coupon at checkout), kept
consistent with its lines: the order's discount and total move by exactly the sum of the line
shares, so refunds and commission by line still add up to the order's figures."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from orders.exceptions import InvalidTransition, OrderError
from orders.models import Order, OrderLine


class InvalidDiscount(OrderError):
    """The discount does not fit the order's lines."""

    code = "invalid_discount"


@transaction.atomic
def order_discount_add(*, order: Order, shares: dict[int, int]) -> int:
    """Lower `order` by `shares` {order line id: fen} and return the total taken off.

    Only an order still awaiting payment (or being placed) can change its amounts: the guarded
    UPDATE refuses a paid one. A share larger than what is left of its line, a line of another
    order, or a total that would leave less than one fen to pay (WeChat Pay's minimum) is
    refused and nothing changes. Updates `order` in place.
    """
    shares = {line_id: amount for line_id, amount in shares.items() if amount}
    total = sum(shares.values())
    if total == 0:
        return 0
    if any(amount < 0 for amount in shares.values()):
        raise InvalidDiscount("a discount share cannot be negative")
    lines = {
        line.pk: line
        for line in OrderLine.objects.select_for_update().filter(order=order, pk__in=list(shares))
    }
    if set(lines) != set(shares):
        raise InvalidDiscount("a discount share names a line of another order")
    for line_id, amount in shares.items():
        if lines[line_id].discount_share + amount > lines[line_id].line_total:
            raise InvalidDiscount("a line cannot be discounted below zero")
    updated = Order.objects.filter(
        pk=order.pk, status=Order.Status.PENDING_PAYMENT, total_amount__gt=total
    ).update(discount_amount=F("discount_amount") + total, total_amount=F("total_amount") - total)
    if updated != 1:
        raise InvalidTransition("only an unpaid order with more than the discount to pay")
    for line_id in sorted(shares):
        OrderLine.objects.filter(pk=line_id).update(
            discount_share=F("discount_share") + shares[line_id]
        )
    order.refresh_from_db(fields=["discount_amount", "total_amount"])
    return total


@transaction.atomic
def order_shipping_set(*, order: Order, amount: int) -> int:
    """Set the shipping fee of an order still awaiting payment to `amount` fen (the delivery fee
    once a coupon has lowered the goods below the free-delivery threshold). The total moves by
    the difference in the same guarded UPDATE; returns that difference. Updates `order`."""
    if amount < 0:
        raise InvalidDiscount("a fee cannot be negative")
    change = amount - order.shipping_amount
    if change == 0:
        return 0
    updated = Order.objects.filter(
        pk=order.pk,
        status=Order.Status.PENDING_PAYMENT,
        shipping_amount=order.shipping_amount,
        total_amount__gt=-change,
    ).update(shipping_amount=amount, total_amount=F("total_amount") + change)
    if updated != 1:
        raise InvalidTransition("only an unpaid order's fee can change")
    order.refresh_from_db(fields=["shipping_amount", "total_amount"])
    return change


@transaction.atomic
def order_gift_line_add(*, order: Order, sku) -> OrderLine:
    """One unit of `sku` given free (a coupon's gift item) on an order being placed: a line at
    price 0, its name, colour and size copied like any line. The amounts do not move. Checkout
    holds its stock with the other lines (it reserves the lines a `COUPON_APPLY` hook added)."""
    if not Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).exists():
        raise InvalidTransition("only an order being placed can take a gift")
    return OrderLine.objects.create(
        order=order,
        sku=sku,
        product_name=sku.product.name,
        color=sku.color,
        size=sku.size,
        unit_price=0,
        quantity=1,
    )
