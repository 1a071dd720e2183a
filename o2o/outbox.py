"""The transactional outbox (DESIGN §4 "Outbound events"): the one door an app uses to tell the
chain's other systems that something changed.

    outbox_event_record(
        event_type=EventType.ORDER_PAID, aggregate=f"order:{order.number}", data={...}
    )

is called inside the transaction of the change, after the change is written, so the event
commits with it or not at all: a rolled-back change leaves no event, and a crash after the commit
loses none (the relay, `o2o.webhooks`, delivers whatever is in the table). The relay keeps the
events of one `aggregate` in order for each subscriber; `data` is plain JSON the receiver reads.

The catalogue of event types lives here, below every app, so the admin can offer it; each app
owns the payload of its own events.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from o2o.models import OutboxEvent


class EventType:
    ORDER_PLACED = "order.placed"
    ORDER_PAID = "order.paid"
    ORDER_ACCEPTED = "order.accepted"
    ORDER_PACKED = "order.packed"
    ORDER_OUT_FOR_DELIVERY = "order.out_for_delivery"
    ORDER_READY = "order.ready"
    ORDER_SHIPPED = "order.shipped"
    ORDER_COMPLETED = "order.completed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_EXPIRED = "order.expired"
    ORDER_NO_SHOW = "order.no_show"
    ORDER_REFUNDED = "order.refunded"
    REFUND_SUCCEEDED = "refund.succeeded"
    DISPATCH_OFFER_MADE = "dispatch.offer_made"
    DISPATCH_OFFER_ACCEPTED = "dispatch.offer_accepted"
    DISPATCH_OFFER_EXPIRED = "dispatch.offer_expired"
    STOCK_CHANGED = "stock.changed"
    MEMBER_CREATED = "member.created"
    MEMBER_UPDATED = "member.updated"
    COMMISSION_CONFIRMED = "commission.confirmed"


EVENT_TYPE_CHOICES = [
    (EventType.ORDER_PLACED, _("Order placed")),
    (EventType.ORDER_PAID, _("Order paid")),
    (EventType.ORDER_ACCEPTED, _("Order accepted by the store")),
    (EventType.ORDER_PACKED, _("Order packed")),
    (EventType.ORDER_OUT_FOR_DELIVERY, _("Order out for delivery")),
    (EventType.ORDER_READY, _("Order ready for pickup")),
    (EventType.ORDER_SHIPPED, _("Order shipped")),
    (EventType.ORDER_COMPLETED, _("Order completed")),
    (EventType.ORDER_CANCELLED, _("Order cancelled")),
    (EventType.ORDER_EXPIRED, _("Order expired unpaid")),
    (EventType.ORDER_NO_SHOW, _("Order not collected")),
    (EventType.ORDER_REFUNDED, _("Order refunded in full")),
    (EventType.REFUND_SUCCEEDED, _("Refund paid back")),
    (EventType.DISPATCH_OFFER_MADE, _("Delivery offered to a store")),
    (EventType.DISPATCH_OFFER_ACCEPTED, _("Delivery offer accepted")),
    (EventType.DISPATCH_OFFER_EXPIRED, _("Delivery offer expired")),
    (EventType.STOCK_CHANGED, _("Stock level changed")),
    (EventType.MEMBER_CREATED, _("Member created")),
    (EventType.MEMBER_UPDATED, _("Member updated")),
    (EventType.COMMISSION_CONFIRMED, _("Commission confirmed")),
]
EVENT_TYPES = frozenset(code for code, _label in EVENT_TYPE_CHOICES)


def outbox_event_record(*, event_type: str, aggregate: str, data: dict) -> OutboxEvent:
    """Write one outbound event in the caller's transaction (see the module docstring).

    An unknown `event_type` raises ValueError rather than reach a receiver nobody told about it.
    Called outside any transaction it raises too: an event without its change is the bug the
    outbox exists to prevent.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown outbound event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an outbox event is written inside the transaction of its change")
    return OutboxEvent.objects.create(event_type=event_type, aggregate=aggregate, payload=data)


def outbox_events_record(events: list[tuple[str, str, dict]]) -> list[OutboxEvent]:
    """Several (event_type, aggregate, data) in one INSERT, in the order given."""
    for event_type, _aggregate, _data in events:
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown outbound event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an outbox event is written inside the transaction of its change")
    return OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(event_type=event_type, aggregate=aggregate, payload=data)
            for event_type, aggregate, data in events
        ]
    )
