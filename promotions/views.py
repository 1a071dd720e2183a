"""Shopper pages of promotions: a store's own front (千店千面), flash sales, event booking.

Thin: parse, check, call one service, render. Refusals become a message and a redirect back;
nothing a shopper types can raise a server error.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from inventory.exceptions import InsufficientStock
from members.auth import current_member, member_required
from o2o.errors import DomainError
from o2o.qr import qr_data_uri
from orders.models import Order
from promotions import exceptions, selectors
from promotions.forms import FlashGrabForm
from promotions.services.events import event_book, event_booking_cancel
from promotions.services.flash import flash_buy

REFUSALS = {
    exceptions.FlashSaleClosed: gettext_lazy("This flash sale is not open now."),
    exceptions.FlashSoldOut: gettext_lazy(
        "This store's share is gone. Another store may still have some."
    ),
    exceptions.FlashLimitReached: gettext_lazy(
        "You already have as many as one member may buy in this sale."
    ),
    exceptions.EventFull: gettext_lazy("Every place of this event is taken."),
    exceptions.BookingNotAllowed: gettext_lazy("This booking cannot be changed now."),
    InsufficientStock: gettext_lazy("The store has run out of this item. Nothing was ordered."),
}


def refusal_text(error: DomainError) -> str:
    for kind, text in REFUSALS.items():
        if isinstance(error, kind):
            return str(text)
    return _("This cannot be done: %(detail)s") % {"detail": error}


@require_GET
def store_front(request, code: str):
    """/stores/<code>/: the store's own face: its range at its prices, flash sales, events."""
    store = selectors.store_front_get(code=code)
    if store is None:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "promotions/store_front.html",
        {
            "store": store,
            "flash_sales": selectors.flash_sales_live(store=store, now=now),
            "events": selectors.store_events_upcoming(store=store, now=now),
            "products": selectors.store_products(store=store),
            "now": now,
        },
    )


@require_GET
def flash_strip(request):
    """htmx fragment for the home page: the flash sales open now (nothing when there are none)."""
    now = timezone.now()
    sales = [sale for sale in selectors.flash_sales_live(now=now) if sale.starts_at <= now]
    return render(request, "promotions/_flash_strip.html", {"sales": sales})


def _pk(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


def _flash_page(request, sale, form: FlashGrabForm, rows):
    now = timezone.now()
    return render(
        request,
        "promotions/flash_sale.html",
        {
            "sale": sale,
            "rows": rows,
            "form": form,
            "is_open": sale.is_open(now),
            "not_yet": now < sale.starts_at,
            "seconds_to_start": max(0, int((sale.starts_at - now).total_seconds())),
            "seconds_to_end": max(0, int((sale.ends_at - now).total_seconds())),
        },
    )


@never_cache
@require_GET
def flash_sale(request, pk: int):
    sale = selectors.flash_sale_get(pk=pk)
    if sale is None:
        raise Http404
    rows = selectors.flash_store_rows(sale=sale)
    picked = _pk(request.GET.get("store"))
    form = FlashGrabForm(
        stores=[row["store"] for row in rows],
        initial={
            "store": picked or next((row["store"].pk for row in rows if row["left"]), None),
            "fulfillment": Order.Fulfillment.PICKUP,
        },
    )
    return _flash_page(request, sale, form, rows)


@require_POST
@member_required
def flash_grab(request, pk: int):
    """抢: claim one unit at the picked store and place its order, then pay. A refusal shows
    the sale's page again with what she chose and why (no redirect: her input stays)."""
    sale = selectors.flash_sale_get(pk=pk)
    if sale is None:
        raise Http404
    rows = selectors.flash_store_rows(sale=sale)
    stores = {row["store"].pk: row["store"] for row in rows}
    form = FlashGrabForm(request.POST, stores=stores.values(), ships=bool(sale.shipping_fee))
    if form.is_valid():
        try:
            order = flash_buy(
                sale=sale,
                store=stores[form.cleaned_data["store"]],
                member=current_member(request),
                fulfillment=form.cleaned_data["fulfillment"],
                address=form.address_dict(),
            )
        except DomainError as error:
            form.add_error(None, refusal_text(error))
            rows = selectors.flash_store_rows(sale=sale)  # the counts as they are now
        else:
            return redirect("orders:pay", number=order.number)
    return _flash_page(request, sale, form, rows)


def _event_or_404(pk: int):
    event = selectors.store_event_get(pk=pk)
    if event is None:
        raise Http404
    return event


@never_cache
@require_GET
def store_event(request, pk: int):
    event = _event_or_404(pk)
    booking = selectors.event_booking_of(event=event, member=current_member(request))
    return render(
        request,
        "promotions/store_event.html",
        {
            "event": event,
            "booking": booking,
            "voucher_qr": qr_data_uri(booking.voucher_code) if booking else None,
            "can_book": event.starts_at > timezone.now(),
        },
    )


@require_POST
@member_required
def event_book_view(request, pk: int):
    event = _event_or_404(pk)
    try:
        event_book(event=event, member=current_member(request))
    except DomainError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Booked. Show the voucher at the door."))
    return redirect("promotions:event", pk=event.pk)


@require_POST
@member_required
def event_cancel_view(request, pk: int):
    event = _event_or_404(pk)
    booking = selectors.event_booking_of(event=event, member=current_member(request))
    if booking is None:
        return redirect("promotions:event", pk=event.pk)
    try:
        event_booking_cancel(booking=booking)
    except DomainError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return redirect("promotions:event", pk=event.pk)
