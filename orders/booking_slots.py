"""网订店试: the times a store offers for a try-in-store visit.

One generator for both sides: the checkout page lists these slots (and /checkout/slots/ for the
store just picked), and `order_place` accepts an appointment only if it is one of them, so a
forged POST cannot book 10:07:13, a slot running past closing, or a day years ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from stores.models import Store

SLOT_MINUTES = 30


def appointment_slots(
    *, store: Store, days: int, now: datetime | None = None
) -> list[tuple[datetime, list[datetime]]]:
    """30-minute slots inside the store's opening hours, today and the next `days - 1` days.

    [(day, [slot start, ...]), ...]; only slots starting at least 30 minutes from now and ending
    by closing time, days with no slot left out. Spans past midnight offer their part up to
    midnight.
    """
    now = timezone.localtime(now or timezone.now())
    earliest = now + timedelta(minutes=SLOT_MINUTES)
    length = timedelta(minutes=SLOT_MINUTES)
    result = []
    for offset in range(days):
        day = (now + timedelta(days=offset)).date()
        hours = store.hours_on(day)
        if not hours:
            continue
        opens, closes = hours
        start = timezone.make_aware(datetime.combine(day, opens))
        end = timezone.make_aware(datetime.combine(day, closes))
        if closes <= opens:
            end = timezone.make_aware(datetime.combine(day, datetime.max.time()))
        slots = []
        slot = start
        while slot + length <= end + timedelta(seconds=1):
            if slot >= earliest:
                slots.append(slot)
            slot += length
        if slots:
            result.append((start, slots))
    return result


def slot_is_offered(
    *, store: Store, moment: datetime, days: int, now: datetime | None = None
) -> bool:
    """Whether `moment` is exactly one of the slots `appointment_slots` lists."""
    return any(
        moment == slot
        for _day, slots in appointment_slots(store=store, days=days, now=now)
        for slot in slots
    )


def last_bookable_day(*, days: int, now: datetime | None = None):
    """The last local date inside a booking horizon of `days` days (today counts as one)."""
    return timezone.localdate(now or timezone.now()) + timedelta(days=days - 1)
