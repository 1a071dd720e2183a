"""Periodic sweeps: unpaid orders expire, try-in-store no-shows release their stock.

Orders are selected by state in batches with SKIP LOCKED and moved by guarded transitions, so a
duplicated or overlapping sweep changes each order once (DESIGN §4; Celery notes in the README).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from inventory.models import Reservation
from inventory.services import reservations_release
from members.models import PointsEntry
from members.services.points import points_add
from orders import hooks
from orders.models import Order
from orders.services.status import order_transition


def order_release_holds(order: Order) -> None:
    """Give back what a lapsed order held: its stock reservations and the points it spent;
    then the apps above give back theirs (`hooks.ORDER_LAPSED`: a flash sale's quota)."""
    reservations_release(
        reservations=Reservation.objects.filter(
            owner=order.reservation_owner, state=Reservation.State.ACTIVE
        ).values_list("pk", flat=True)
    )
    if order.points_used and order.member_id:
        points_add(
            member=order.member,
            delta=order.points_used,
            reason=PointsEntry.Reason.RESTORE,
            reference=order.reservation_owner,
            note="order lapsed",
        )
    hooks.hooks_run(hooks.ORDER_LAPSED, order=order)


def _sweep(status: str, target: str, note: str, *, now, batch_size: int) -> int:
    moved = 0
    while True:
        with transaction.atomic():
            batch = list(
                Order.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=status, expires_at__lte=now)
                .select_related("member")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return moved
            for order in batch:
                order_transition(order=order, to=target, note=note, actor_label="system")
                order_release_holds(order)
                moved += 1


def orders_expire(*, now=None, batch_size: int = 200) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "expired": _sweep(
            Order.Status.PENDING_PAYMENT,
            Order.Status.EXPIRED,
            "payment window passed",
            now=now,
            batch_size=batch_size,
        ),
        "no_show": _sweep(
            Order.Status.BOOKED,
            Order.Status.NO_SHOW,
            "appointment passed without a visit",
            now=now,
            batch_size=batch_size,
        ),
    }


@transaction.atomic
def order_cancel(*, order: Order, actor=None, note: str = "") -> Order:
    """The shopper (or staff) cancels before paying or before the try-in-store visit."""
    order = Order.objects.select_for_update(of=("self",)).select_related("member").get(pk=order.pk)
    order_transition(order=order, to=Order.Status.CANCELLED, actor=actor, note=note or "cancelled")
    order_release_holds(order)
    return order
