"""Creating an order: the one door every new order goes through, with its lines and the first
event of its timeline (checkout, the POS, a try-in-store visit; dispatch and promotions next)."""

from __future__ import annotations

from django.db import transaction

from o2o.money import allocate_pro_rata
from o2o.outbox import EventType
from orders import hooks
from orders.models import Order, OrderEvent, OrderLine
from orders.services.numbers import order_number_next, pickup_code_assign
from orders.services.outbound import order_outbound_record
from orders.services.status import actor_label_for

# Orders collected at the counter get the 6-digit code typed when the QR cannot be scanned.
COUNTER_COLLECTED = {Order.Fulfillment.PICKUP, Order.Fulfillment.IN_STORE}


def _lines_create(*, order: Order, lines, discount: int = 0) -> list[OrderLine]:
    """Create `lines` [(sku, quantity, unit_price), ...] on `order`.

    Product name, colour and size are copied so the receipt keeps what was bought whatever the
    catalog says later. An order-level `discount` (fen) is spread over the lines in proportion to
    their amounts, exactly, so refunds and commission by line add up to the order's figures.
    """
    shares = allocate_pro_rata(
        discount, [unit_price * quantity for _sku, quantity, unit_price in lines]
    )
    return OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku=sku,
                product_name=sku.product.name,
                color=sku.color,
                size=sku.size,
                unit_price=unit_price,
                quantity=quantity,
                discount_share=share,
            )
            for (sku, quantity, unit_price), share in zip(lines, shares, strict=True)
        ]
    )


@transaction.atomic
def order_create(
    *,
    lines,
    channel: str,
    fulfillment: str,
    status: str,
    store,
    event: OrderEvent.Kind = OrderEvent.Kind.PLACED,
    event_note: str = "",
    actor=None,
    actor_label: str = "",
    discount_amount: int = 0,
    points_discount_amount: int = 0,
    shipping_amount: int = 0,
    **fields,
) -> Order:
    """Write a new order of `store` with its `lines` [(sku, quantity, unit_price), ...] and the
    first event of its timeline (`event`, from nothing to `status`).

    The amounts follow from the lines: goods is their sum, the total is goods less the discounts
    plus shipping, and the discounts are spread over the lines. An order collected at the counter
    that is not completed at once gets a pickup code. Other columns (member, attribution,
    deadlines, external id...) come in `fields`. Stock, points and payment are the caller's: this
    writes the order only, in the caller's transaction. An order created already paid (a POS
    sale) reaches the hook points `ORDER_PAID`, and `ORDER_COMPLETED` when created completed,
    once its lines are written (`orders.hooks`).
    """
    goods = sum(unit_price * quantity for _sku, quantity, unit_price in lines)
    order = Order.objects.create(
        number=order_number_next(),
        channel=channel,
        fulfillment=fulfillment,
        status=status,
        fulfilling_store=store,
        goods_amount=goods,
        discount_amount=discount_amount,
        points_discount_amount=points_discount_amount,
        shipping_amount=shipping_amount,
        total_amount=goods - discount_amount - points_discount_amount + shipping_amount,
        **fields,
    )
    if fulfillment in COUNTER_COLLECTED and status != Order.Status.COMPLETED:
        pickup_code_assign(order=order)
    _lines_create(order=order, lines=lines, discount=discount_amount + points_discount_amount)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind(event),
        to_status=status,
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        note=event_note[:300],
    )
    order_outbound_record(order=order, event_type=EventType.ORDER_PLACED)
    if order.paid_at is not None:
        order_outbound_record(order=order, event_type=EventType.ORDER_PAID)
        hooks.hooks_run(hooks.ORDER_PAID, order=order)
        if status == Order.Status.COMPLETED:
            order_outbound_record(order=order, event_type=EventType.ORDER_COMPLETED)
            hooks.hooks_run(hooks.ORDER_COMPLETED, order=order)
    return order
