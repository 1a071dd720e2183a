"""The bounds on a try-in-store booking (网订店试), checked when it is placed.

A booking holds stock until its appointment plus the grace period, so it is accepted only for a
slot the store offers (the generator the checkout page lists), within HQ's booking horizon, and
while the member has fewer open bookings than HQ allows, in all and at that store
(`orders.models.BookingPolicy`). The page only shows what may be booked; the POST can be forged,
so the rule lives here.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from members.models import Member
from orders.booking_slots import last_bookable_day, slot_is_offered
from orders.exceptions import OrderError
from orders.models import BookingPolicy, Order
from stores.models import Store


class BookingRefused(OrderError):
    """The booking is refused; `code` says which rule and `params` carry its numbers."""

    code = "booking_refused"
    http_status = 409

    NEEDS_MEMBER = "booking_needs_member"
    PAST = "booking_past"
    BEYOND_HORIZON = "booking_beyond_horizon"
    STORE_CLOSED = "booking_store_closed"
    NOT_OFFERED = "booking_slot_not_offered"
    MEMBER_LIMIT = "booking_member_limit"
    STORE_LIMIT = "booking_store_limit"

    def __init__(self, message: str, *, code: str, **params):
        super().__init__(message, code=code)
        self.params = params


def booking_slot_check(
    *, store: Store, appointment_at: datetime, now: datetime, policy: BookingPolicy
) -> None:
    """Refuse an appointment that is not one of the store's offered slots."""
    if appointment_at <= now:
        raise BookingRefused("the appointment must be in the future", code=BookingRefused.PAST)
    last_day = last_bookable_day(days=policy.horizon_days, now=now)
    if timezone.localdate(appointment_at) > last_day:
        raise BookingRefused(
            f"bookings are taken at most {policy.horizon_days} days ahead",
            code=BookingRefused.BEYOND_HORIZON,
            days=policy.horizon_days,
        )
    if slot_is_offered(store=store, moment=appointment_at, days=policy.horizon_days, now=now):
        return
    if not store.is_open_at(appointment_at):
        raise BookingRefused("the store is closed at that time", code=BookingRefused.STORE_CLOSED)
    raise BookingRefused(
        "choose one of the times the store offers", code=BookingRefused.NOT_OFFERED
    )


def booking_limits_check(*, member: Member | None, store: Store, policy: BookingPolicy) -> None:
    """Refuse a booking past HQ's count of open bookings per member, in all and at `store`.

    Must run inside the placing transaction: the member's row is locked first (before any stock
    row), so two bookings placed by one member at the same moment are counted one after the
    other and the second sees the first. Open = booked and not yet visited, cancelled or swept
    as a no-show: it still holds stock.
    """
    if member is None:
        raise BookingRefused("a booking needs a member", code=BookingRefused.NEEDS_MEMBER)
    list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True))
    open_stores = list(
        Order.objects.filter(
            member=member, fulfillment=Order.Fulfillment.TRY_IN_STORE, status=Order.Status.BOOKED
        ).values_list("fulfilling_store_id", flat=True)
    )
    if len(open_stores) >= policy.max_open_per_member:
        raise BookingRefused(
            f"at most {policy.max_open_per_member} open bookings per member",
            code=BookingRefused.MEMBER_LIMIT,
            limit=policy.max_open_per_member,
        )
    if open_stores.count(store.pk) >= policy.max_open_per_member_per_store:
        raise BookingRefused(
            f"at most {policy.max_open_per_member_per_store} open bookings at one store",
            code=BookingRefused.STORE_LIMIT,
            limit=policy.max_open_per_member_per_store,
        )
