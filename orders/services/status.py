"""The one door through which an order's status changes."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import hooks
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent
from orders.models.order import PICKUP_CODE_OPEN_STATUSES
from orders.services.numbers import is_pickup_code_clash, pickup_code_assign
from orders.services.outbound import order_status_outbound_record
from orders.status import can_move


def actor_label_for(actor) -> str:
    """The name an event shows for `actor` (a user), or "system" when no one acted."""
    if actor is None:
        return OrderEvent.ACTOR_SYSTEM
    staff = getattr(actor, "staff", None)
    return getattr(staff, "display_name", None) or actor.get_username()


def _guarded_update(order: Order, source: str, to: str, fields: dict) -> int:
    def update(**extra) -> int:
        return Order.objects.filter(pk=order.pk, status=source).update(
            status=to, updated_at=timezone.now(), **fields, **extra
        )

    revives_code = (
        bool(order.pickup_code)
        and source not in PICKUP_CODE_OPEN_STATUSES
        and to in PICKUP_CODE_OPEN_STATUSES
    )
    if not revives_code:
        return update()
    # A late payment revives an expired or cancelled order, whose pickup code another open order
    # of the store may have been given meanwhile: then this one gets a fresh code.
    try:
        with transaction.atomic():
            return update()
    except IntegrityError as error:
        if not is_pickup_code_clash(error):
            raise
    updated = update(pickup_code="")
    if updated:
        pickup_code_assign(order=order)
    return updated


@transaction.atomic
def order_transition(
    *, order: Order, to: str, actor=None, note: str = "", actor_label: str = "", **fields
) -> Order:
    """Move `order` to status `to` if the table allows it and nobody moved it first.

    A guarded UPDATE (`WHERE status = <current>`): of two concurrent callers exactly one wins;
    the other gets InvalidTransition. Extra `fields` (paid_at, completed_at...) are written in
    the same statement. Writes an OrderEvent and the outbound event of the status reached
    (`orders.services.outbound`), then runs the hooks of the point reached
    (`orders.hooks`): paid, or completed after being paid (a try-in-store booking completing
    by its visit sold nothing itself: its kept items are a new order).
    """
    source = order.status
    if not can_move(source, to):
        raise InvalidTransition(f"order {order.number}: {source} → {to} is not allowed")
    updated = _guarded_update(order, source, to, fields)
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
    order_status_outbound_record(order=order)
    if to == Order.Status.PAID:
        hooks.hooks_run(hooks.ORDER_PAID, order=order)
    elif to == Order.Status.COMPLETED and order.paid_at is not None:
        hooks.hooks_run(hooks.ORDER_COMPLETED, order=order)
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
