"""What the chain's systems are told about orders and refunds (the outbox, `o2o.outbox`).

Called inside the transaction of the change, after the order row is written or moved (its row
is locked then, which keeps one order's events in the order of their changes).
"""

from __future__ import annotations

from django.utils import timezone

from o2o.outbox import EventType, outbox_event_record
from orders.models import Order

# The event each status reached is reported as; `booked` and `pending_payment` only start.
STATUS_EVENTS = {
    Order.Status.PAID: EventType.ORDER_PAID,
    Order.Status.ACCEPTED: EventType.ORDER_ACCEPTED,
    Order.Status.PACKED: EventType.ORDER_PACKED,
    Order.Status.OUT_FOR_DELIVERY: EventType.ORDER_OUT_FOR_DELIVERY,
    Order.Status.READY: EventType.ORDER_READY,
    Order.Status.SHIPPED: EventType.ORDER_SHIPPED,
    Order.Status.COMPLETED: EventType.ORDER_COMPLETED,
    Order.Status.CANCELLED: EventType.ORDER_CANCELLED,
    Order.Status.EXPIRED: EventType.ORDER_EXPIRED,
    Order.Status.NO_SHOW: EventType.ORDER_NO_SHOW,
    Order.Status.REFUNDED: EventType.ORDER_REFUNDED,
}


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def order_payload(order: Order) -> dict:
    """The order as an event carries it: what a till or ERP needs to act, ids to fetch the rest
    (`GET /api/v1/orders/<number>/`)."""
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "fulfillment": order.fulfillment,
        "store_id": order.fulfilling_store_id,
        "member_id": order.member_id,
        "external_id": order.external_id or None,
        "total_amount": order.total_amount,
        "refunded_amount": order.refunded_amount,
        "paid_at": _when(order.paid_at),
        "completed_at": _when(order.completed_at),
    }


def order_aggregate(order: Order) -> str:
    return f"order:{order.number}"


def order_outbound_record(*, order: Order, event_type: str) -> None:
    outbox_event_record(
        event_type=event_type, aggregate=order_aggregate(order), data=order_payload(order)
    )


def order_status_outbound_record(*, order: Order) -> None:
    """Report the status `order` has just reached, when it is one the systems hear about."""
    event_type = STATUS_EVENTS.get(order.status)
    if event_type:
        order_outbound_record(order=order, event_type=event_type)


def refund_outbound_record(*, order: Order, refund) -> None:
    outbox_event_record(
        event_type=EventType.REFUND_SUCCEEDED,
        aggregate=order_aggregate(order),
        data={
            "order": order_payload(order),
            "out_refund_no": refund.out_refund_no,
            "amount": refund.amount,
            "refund_id": refund.refund_id,
            "lines": [
                {"sku_id": line.order_line.sku_id, "quantity": line.quantity, "amount": line.amount}
                for line in refund.lines.select_related("order_line")
            ],
        },
    )
