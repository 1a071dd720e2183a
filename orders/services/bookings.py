"""Try-in-store bookings (网订店试) handled by the store: a manager marks a no-show by hand.

The expiry sweep (`orders.services.expiry.orders_expire`) does the same after the appointment
plus the grace period; this is the manager's button for a booking whose time has passed, so the
held sizes go back on sale without waiting for the sweep.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services.expiry import order_release_holds
from orders.services.fulfilment import check_store_staff
from orders.services.status import order_transition


@transaction.atomic
def order_no_show(*, order: Order, staff, now=None) -> Order:
    """Mark a booking whose appointment has passed as a no-show and release its stock.

    Only staff of the fulfilling store (the view limits it to managers). A booking still in
    the future cannot be marked: the shopper may yet come.
    """
    now = now or timezone.now()
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("member", "fulfilling_store")
        .get(pk=order.pk)
    )
    check_store_staff(staff=staff, order=order)
    if order.status != Order.Status.BOOKED:
        raise InvalidTransition(f"order {order.number} is not a booking waiting for a visit")
    if order.appointment_at is None or order.appointment_at > now:
        raise InvalidTransition(f"the appointment of order {order.number} has not passed yet")
    order_transition(
        order=order,
        to=Order.Status.NO_SHOW,
        actor=staff.user,
        note="marked as no-show by the store",
    )
    order_release_holds(order)
    return order
