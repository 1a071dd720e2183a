"""Store events (活动预约): workshops and trials a store publishes and shoppers book.

`booked_count` counts the live bookings and never passes `capacity` (CHECK), so the guarded
increment in `promotions.services.events` cannot overbook under concurrency. A booking carries
an unguessable voucher code (shown as a QR) the store scans at the door.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class StoreEvent(models.Model):
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="events", verbose_name=_("store")
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancel up to (hours before)"), default=2
    )
    follow_up_tag = models.ForeignKey(
        "members.MemberTag",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tag attendees with"),
    )
    is_published = models.BooleanField(_("published"), default=True)
    booked_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("store event")
        verbose_name_plural = _("store events")
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("capacity")), name="event_never_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_window_ordered"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked_count)


class EventBooking(models.Model):
    """booked → checked_in | cancelled | no_show (`promotions.services.events.TRANSITIONS`)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Did not come")

    event = models.ForeignKey(StoreEvent, on_delete=models.PROTECT, related_name="bookings")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="event_bookings"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    voucher_code = models.CharField(max_length=32, unique=True)
    checked_in_by = models.ForeignKey(
        "stores.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One live booking per member and event; a cancelled one may be followed by another.
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="event_one_live_booking_per_member",
            )
        ]

    def __str__(self):
        return f"{self.event} · {self.member_id} ({self.status})"


class EventBookingEvent(models.Model):
    """Each move of a booking, typed by its target status, with who made it."""

    booking = models.ForeignKey(EventBooking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=EventBooking.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=EventBooking.Status.choices)
    actor_label = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
