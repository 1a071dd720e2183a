"""Try-in-store bookings (网订店试) in the back office: today's and tomorrow's appointments with
a pick list, the visit (what she keeps becomes a sale paid on her phone), and no-shows."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access import MANAGERS, check_store_order, staff_required
from backoffice.forms import VisitForm
from backoffice.responses import domain_error_message, forbidden
from backoffice.views.orders import order_act
from o2o.errors import DomainError
from orders import selectors
from orders.services.bookings import order_no_show
from orders.services.fulfilment import NotYourStore, try_visit_checkout
from stores.models import Staff


def _day_label(day, today) -> str:
    if day < today:
        return "past"
    return "today" if day == today else "tomorrow"


@staff_required
def appointments(request):
    """Today's and tomorrow's bookings with a pick list; at the visit, what she keeps."""
    now = timezone.now()
    bookings = selectors.store_bookings(request.staff.store, now=now)
    today = timezone.localdate(now)
    rows = []
    pick_list: dict[int, dict] = {}
    for booking in bookings:
        lines = list(booking.lines.all())
        rows.append(
            {
                "order": booking,
                "form": VisitForm(lines=lines),
                "passed": booking.appointment_at <= now,
                "day": _day_label(timezone.localdate(booking.appointment_at), today),
            }
        )
        for line in lines:
            item = pick_list.setdefault(line.sku_id, {"line": line, "quantity": 0, "orders": []})
            item["quantity"] += line.quantity
            item["orders"].append(booking.number)
    return TemplateResponse(
        request,
        "backoffice/bookings/appointments.html",
        {
            "rows": rows,
            "pick_list": sorted(
                pick_list.values(), key=lambda item: (item["line"].product_name, item["line"].pk)
            ),
            "is_manager": request.staff.role == Staff.Role.MANAGER,
            "now": now,
        },
    )


@staff_required
def visit(request, number):
    """The shopper tried her booking: the kept units become an order she pays on her phone."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = check_store_order(request.staff, number)
    back = reverse("orders_backoffice:appointments")
    form = VisitForm(request.POST, lines=order.lines.all())
    if not form.is_valid():
        messages.error(request, _("Enter the quantities kept (0 up to what was booked)."))
        return redirect(back)
    if form.keeps_nothing_unconfirmed():
        # Closing a booking with nothing sold cannot be undone: ask once more.
        return TemplateResponse(
            request, "backoffice/bookings/visit_confirm.html", {"order": order, "form": form}
        )
    try:
        sale = try_visit_checkout(order=order, staff=request.staff, kept=form.quantities())
    except NotYourStore:
        return forbidden(request, _("This order belongs to another store."))
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect(back)
    if sale is None:
        messages.success(
            request,
            _("Booking %(number)s closed: she kept nothing and the items are back on sale.")
            % {"number": order.number},
        )
        return redirect(back)
    messages.success(
        request,
        _("Order %(number)s created. Let the shopper scan the QR code to pay on her phone.")
        % {"number": sale.number},
    )
    return redirect("orders_backoffice:detail", number=sale.number)


@staff_required(roles=MANAGERS)
def no_show(request, number):
    return order_act(
        request,
        number,
        lambda order: order_no_show(order=order, staff=request.staff),
        success=_("Booking %(number)s marked as no-show; its items are back on sale."),
        default_next=reverse("orders_backoffice:appointments"),
    )
