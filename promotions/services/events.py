"""Store events (活动预约): book, cancel before the cut-off, check in by voucher, no-shows.

A place is taken by one guarded UPDATE (`booked_count < capacity`), so concurrent bookings can
never overbook (the CHECK on the event backs it); cancelling gives the place back the same way.
Bookings move only along TRANSITIONS through `_booking_move`, each move an event row.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.exceptions import BookingNotAllowed, EventFull, InvalidEventStart, VoucherUnknown
from promotions.models import EventBooking, EventBookingEvent, StoreEvent

B = EventBooking.Status
TRANSITIONS: dict[str, set[str]] = {
    B.BOOKED: {B.CHECKED_IN, B.CANCELLED, B.NO_SHOW},
    B.CHECKED_IN: set(),
    B.CANCELLED: set(),
    B.NO_SHOW: set(),
}
# A shopper holds at most this many upcoming bookings at once (DESIGN §4 "Trust").
MAX_UPCOMING_BOOKINGS = 5
# A voucher reads "EV" and 24 URL-safe characters, so the desk scanner tells it from other codes.
VOUCHER_PREFIX = "EV"
VOUCHER_PATTERN = re.compile(r"^EV[-_A-Za-z0-9]{24}$")


MAX_CAPACITY = 1000


def _one_year_after(moment):
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year + 1)
    except ValueError:  # 29 February
        return local.replace(year=local.year + 1, day=28)


def event_start_check(starts_at, *, now=None, previous=None) -> None:
    """Refuse an event start in the past or more than 12 months ahead (InvalidEventStart, its
    text for the person who typed it). The one check for the service, the back-office form and
    HQ's admin form.

    A start left as it was (`previous`, the saved start of the event being edited) is not
    checked again: a started or past event can still have its title or capacity corrected, and a
    typo fixed in its description must not be refused for a start nobody touched.
    """
    if previous is not None and starts_at == previous:
        return
    now = now or timezone.now()
    if starts_at <= now:
        raise InvalidEventStart(_("An event cannot start in the past: choose a later start."))
    if starts_at > _one_year_after(now):
        raise InvalidEventStart(
            _("An event starts at most 12 months ahead: choose an earlier start.")
        )


@transaction.atomic
def store_event_publish(
    *,
    store,
    title: str,
    starts_at,
    ends_at,
    capacity: int,
    description: str = "",
    cancel_cutoff_hours: int = 2,
    now=None,
) -> StoreEvent:
    """A store publishes an event (a workshop, a trial) for shoppers to book."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title or len(title) > 80:
        raise BookingNotAllowed("an event needs a title of at most 80 characters")
    event_start_check(starts_at, now=now)
    if ends_at <= starts_at:
        raise BookingNotAllowed("an event ends after it starts")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise BookingNotAllowed(f"capacity is between 1 and {MAX_CAPACITY}")
    return StoreEvent.objects.create(
        store=store,
        title=title,
        description=(description or "")[:2000],
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        cancel_cutoff_hours=max(0, min(int(cancel_cutoff_hours), 72)),
    )


def _booking_move(booking: EventBooking, to: str, *, actor_label: str, **fields) -> bool:
    if to not in TRANSITIONS[booking.status]:
        return False
    moved = EventBooking.objects.filter(pk=booking.pk, status=booking.status).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if moved:
        EventBookingEvent.objects.create(
            booking=booking, from_status=booking.status, to_status=to, actor_label=actor_label
        )
        booking.status = to
        for name, value in fields.items():
            setattr(booking, name, value)
    return bool(moved)


def _place_give_back(event_id: int) -> None:
    StoreEvent.objects.filter(pk=event_id, booked_count__gt=0).update(
        booked_count=F("booked_count") - 1
    )


@transaction.atomic
def event_book(*, event: StoreEvent, member, now=None) -> EventBooking:
    """Book a place for `member`; her live booking if she already has one (a repeat is harmless).

    Raises EventFull when every place is taken, BookingNotAllowed when the event has started or
    is not published, or she already holds MAX_UPCOMING_BOOKINGS upcoming bookings.
    """
    now = now or timezone.now()
    event = StoreEvent.objects.get(pk=event.pk)
    if not event.is_published or event.starts_at <= now:
        raise BookingNotAllowed("this event is not open for booking")
    existing = EventBooking.objects.filter(
        event=event, member=member, status__in=[B.BOOKED, B.CHECKED_IN]
    ).first()
    if existing is not None:
        return existing
    upcoming = EventBooking.objects.filter(
        member=member, status=B.BOOKED, event__starts_at__gt=now
    ).count()
    if upcoming >= MAX_UPCOMING_BOOKINGS:
        raise BookingNotAllowed("you already have as many upcoming bookings as one may hold")
    taken = StoreEvent.objects.filter(pk=event.pk, booked_count__lt=F("capacity")).update(
        booked_count=F("booked_count") + 1
    )
    if not taken:
        raise EventFull()
    try:
        with transaction.atomic():
            booking = EventBooking.objects.create(
                event=event, member=member, voucher_code=VOUCHER_PREFIX + secrets.token_urlsafe(18)
            )
    except IntegrityError:
        # Her other request booked first (the partial unique constraint): keep that one.
        _place_give_back(event.pk)
        return EventBooking.objects.get(
            event=event, member=member, status__in=[B.BOOKED, B.CHECKED_IN]
        )
    EventBookingEvent.objects.create(booking=booking, to_status=B.BOOKED, actor_label="shopper")
    return booking


@transaction.atomic
def event_booking_cancel(*, booking: EventBooking, now=None) -> EventBooking:
    """The shopper cancels before the event's cut-off; her place goes back."""
    now = now or timezone.now()
    booking = EventBooking.objects.select_for_update().select_related("event").get(pk=booking.pk)
    cutoff = booking.event.starts_at - timedelta(hours=booking.event.cancel_cutoff_hours)
    if booking.status == B.CANCELLED:
        return booking
    if now >= cutoff:
        raise BookingNotAllowed("it is too late to cancel this booking")
    if not _booking_move(booking, B.CANCELLED, actor_label="shopper"):
        raise BookingNotAllowed("this booking can no longer be cancelled")
    _place_give_back(booking.event_id)
    return booking


@transaction.atomic
def event_check_in(*, event: StoreEvent, voucher_code: str, staff) -> EventBooking:
    """The store scans (or types) a voucher at the door: the attendee is checked in, once.

    A voucher of another event (or store) is unknown here; a second scan of a checked-in
    voucher answers BookingNotAllowed and changes nothing. The attendee gets the event's
    follow-up tag, if it has one, for the clerks' later messages.
    """
    code = (voucher_code or "").strip()
    if not code or len(code) > 64 or "\x00" in code:
        raise VoucherUnknown()
    booking = (
        EventBooking.objects.select_for_update()
        .select_related("member")
        .filter(event=event, voucher_code=code)
        .first()
    )
    if booking is None:
        raise VoucherUnknown()
    if booking.status == B.CHECKED_IN:
        raise BookingNotAllowed("this voucher has already been checked in")
    if not _booking_move(
        booking, B.CHECKED_IN, actor_label=staff.display_name, checked_in_by=staff
    ):
        raise BookingNotAllowed("this booking was cancelled")
    if event.follow_up_tag_id:
        booking.member.tags.add(event.follow_up_tag_id)
    return booking


@transaction.atomic
def event_no_shows_record(*, event: StoreEvent, staff=None, now=None) -> int:
    """After the event ends, every booking not checked in is recorded as a no-show."""
    now = now or timezone.now()
    event = StoreEvent.objects.get(pk=event.pk)
    if now < event.ends_at:
        raise BookingNotAllowed("the event has not ended yet")
    label = staff.display_name if staff else "system"
    recorded = 0
    for booking in EventBooking.objects.select_for_update().filter(event=event, status=B.BOOKED):
        recorded += _booking_move(booking, B.NO_SHOW, actor_label=label)
    return recorded


def event_attendees_tag(*, event: StoreEvent, tag) -> int:
    """Tag everyone who came, for follow-up; the number tagged."""
    members = [
        booking.member
        for booking in EventBooking.objects.filter(event=event, status=B.CHECKED_IN).select_related(
            "member"
        )
    ]
    for member in members:
        member.tags.add(tag)
    return len(members)
