"""Store events at the desk (活动预约): the store's events, who booked, check-in at the door.

A clerk sees her store's events only (another store's event does not exist for her: 404). The
voucher the shopper shows is scanned (a handheld scanner types into the field) or typed; the
promotions services check it and record who checked her in.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import MANAGERS_AND_HQ, staff_required
from backoffice.event_forms import StoreEventForm
from o2o.errors import DomainError
from promotions.exceptions import BookingNotAllowed, VoucherUnknown
from promotions.models import EventBooking, StoreEvent
from promotions.selectors import event_attendees
from promotions.services.events import (
    event_check_in,
    event_no_shows_record,
    store_event_publish,
)

VOUCHER_MAX = 64


def access_store_event(staff, pk) -> StoreEvent:
    event = StoreEvent.objects.filter(pk=pk, store=staff.store).select_related("store").first()
    if event is None:
        raise Http404
    return event


def _refusal(error: DomainError) -> str:
    if isinstance(error, VoucherUnknown):
        return _("No booking of this event has that voucher.")
    if isinstance(error, BookingNotAllowed):
        return _("This voucher cannot be checked in: %(detail)s") % {"detail": error}
    return _("This cannot be done: %(detail)s") % {"detail": error}


@staff_required
def event_list(request):
    now = timezone.now()
    events = StoreEvent.objects.filter(store=request.staff.store).order_by("starts_at")
    return TemplateResponse(
        request,
        "backoffice/events/list.html",
        {
            "upcoming": list(events.filter(ends_at__gt=now)[:50]),
            "past": list(events.filter(ends_at__lte=now).order_by("-starts_at")[:20]),
        },
    )


@staff_required(roles=MANAGERS_AND_HQ)
def event_create(request):
    """The store manager publishes an event of her store."""
    form = StoreEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = store_event_publish(
                store=request.staff.store,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.ends_at(),
                capacity=form.cleaned_data["capacity"],
                cancel_cutoff_hours=form.cleaned_data["cancel_cutoff_hours"],
            )
        except DomainError as error:
            form.add_error(None, _("This cannot be done: %(detail)s") % {"detail": error})
        else:
            messages.success(request, _("The event is published."))
            return redirect("events_backoffice:detail", pk=event.pk)
    return TemplateResponse(request, "backoffice/events/create.html", {"form": form})


@staff_required
def event_detail(request, pk: int):
    event = access_store_event(request.staff, pk)
    attendees = event_attendees(event=event)
    counts = {status: 0 for status in EventBooking.Status.values}
    for booking in attendees:
        counts[booking.status] += 1
    return TemplateResponse(
        request,
        "backoffice/events/detail.html",
        {
            "event": event,
            "attendees": attendees,
            "checked_in": counts[EventBooking.Status.CHECKED_IN],
            "ended": event.ends_at <= timezone.now(),
        },
    )


@require_POST
@staff_required
def check_in(request, pk: int):
    event = access_store_event(request.staff, pk)
    voucher = (request.POST.get("voucher") or "").strip()
    if not voucher or len(voucher) > VOUCHER_MAX or "\x00" in voucher:
        messages.error(request, _("Scan or type the voucher code."))
        return redirect("events_backoffice:detail", pk=event.pk)
    try:
        booking = event_check_in(event=event, voucher_code=voucher, staff=request.staff)
    except DomainError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(
            request, _("%(name)s is checked in.") % {"name": booking.member.display_name}
        )
    return redirect("events_backoffice:detail", pk=event.pk)


@require_POST
@staff_required
def no_shows(request, pk: int):
    event = access_store_event(request.staff, pk)
    try:
        count = event_no_shows_record(event=event, staff=request.staff)
    except DomainError as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("%(count)s no-shows recorded.") % {"count": count})
    return redirect("events_backoffice:detail", pk=event.pk)
