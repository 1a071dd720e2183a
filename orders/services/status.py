"""The one door through which an order's status changes."""

from django.db import transaction
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent
from orders.status import can_move


def actor_label_for(actor) -> str:
    """The name an event shows for `actor` (a user), or "system" when no one acted."""
    if actor is None:
        return OrderEvent.ACTOR_SYSTEM
    staff = getattr(actor, "staff", None)
    return getattr(staff, "display_name", None) or actor.get_username()


@transaction.atomic
def order_transition(
    *, order: Order, to: str, actor=None, note: str = "", actor_label: str = "", **fields
) -> Order:
    """Move `order` to status `to` if the table allows it and nobody moved it first.

    A guarded UPDATE (`WHERE status = <current>`): of two concurrent callers exactly one wins;
    the other gets InvalidTransition. Extra `fields` (paid_at, completed_at...) are written in
    the same statement. Writes an OrderEvent.
    """
    source = order.status
    if not can_move(source, to):
        raise InvalidTransition(f"order {order.number}: {source} → {to} is not allowed")
    now = timezone.now()
    updated = Order.objects.filter(pk=order.pk, status=source).update(
        status=to, updated_at=now, **fields
    )
    if not updated:
        current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        raise InvalidTransition(f"order {order.number} is already {current}")
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.STATUS,
        from_status=source,
        to_status=to,
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        note=note[:300],
    )
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    return order


def order_event_add(
    *, order: Order, kind: OrderEvent.Kind, note: str = "", actor=None, actor_label: str = ""
) -> OrderEvent:
    """A timeline entry that is not a status change (a second payment, a refund...).

    `kind` is an `OrderEvent.Kind`: an unknown code raises ValueError instead of reaching a
    timeline people read.
    """
    return OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind(kind),
        note=note[:300],
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
    )
