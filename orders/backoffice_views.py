"""The store's order back office (phone-first, at the counter).

Every view reads the same way: the staff check (`staff_required`, and `check_store_staff` inside
the services), one service call, then a page or a redirect with a message. Orders of another
store are invisible on detail pages (404) and every action on them answers 403: the services
raise NotYourStore, which is turned into the back office's 403 page here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock
from o2o.errors import DomainError
from o2o.qr import qr_svg
from o2o.redirects import redirect_to_next
from orders import selectors
from orders.backoffice_forms import (
    PickupVerifyForm,
    RefundForm,
    VisitForm,
)
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services.assisted import (
    AssistedCartClaimed,
)
from orders.services.bookings import order_no_show
from orders.services.fulfilment import (
    PICKUP_SALT,
    AlreadyCollected,
    NotYourStore,
    TooManyAttempts,
    WrongPickupCode,
    check_store_staff,
    order_hand_over,
    order_mark_ready,
    order_ship,
    pickup_verify,
    try_visit_checkout,
)
from orders.services.refunds import REFUNDABLE, InvalidRefund, refund_execute, refund_request
from stores.models import Staff
from stores.permissions import staff_required

MANAGERS = [Staff.Role.MANAGER]


# ---- helpers ----------------------------------------------------------------------------------


def _forbidden(request, reason: str) -> TemplateResponse:
    return TemplateResponse(
        request,
        "backoffice/forbidden.html",
        {"reason": reason, "user_is_admin": request.user.is_staff},
        status=403,
    )


def _not_your_store(request) -> TemplateResponse:
    return _forbidden(request, _("This order belongs to another store."))


def _order(number: str) -> Order:
    order = Order.objects.filter(number=number).select_related("fulfilling_store").first()
    if order is None:
        raise Http404
    return order


def _error_text(error: DomainError) -> str:
    if isinstance(error, InsufficientStock):
        return _("Not enough stock in the store for this.")
    if isinstance(error, AssistedCartClaimed):
        return _("The customer has already paid for this cart; it cannot change any more.")
    if isinstance(error, InvalidRefund):
        return _("The refund cannot be made: %(detail)s") % {"detail": error}
    if isinstance(error, InvalidTransition):
        return _("This cannot be done now: %(detail)s") % {"detail": error}
    return _("This cannot be done: %(detail)s") % {"detail": error}


def _back(request, default: str):
    """Back where the form came from (a same-site `next`), else `default`."""
    return redirect_to_next(request, request.POST.get("next"), default=default)


def _act(request, number: str, action, *, success: str, default_next: str | None = None):
    """POST-only order action: call the service, then a message; wrong store → 403."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = _order(number)
    try:
        action(order)
    except NotYourStore:
        return _not_your_store(request)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success % {"number": order.number})
    return _back(request, default_next or reverse("orders_backoffice:queue"))


def pay_link(order: Order) -> str:
    """Where the shopper pays an in-store order on her phone (the shopper page)."""
    return settings.SITE_URL + reverse("orders:pay", args=[order.number])


# ---- hand-over queue ----------------------------------------------------------------------------


@staff_required
def queue(request):
    """扫码购 and paid orders waiting for the store; the list polls itself every few seconds."""
    context = {"queue": selectors.store_order_queue(request.staff.store)}
    if request.headers.get("HX-Request"):
        return TemplateResponse(request, "orders/backoffice_queue_list.html", context)
    return TemplateResponse(request, "orders/backoffice_queue.html", context)


@staff_required
def badge(request):
    """The waiting count for links elsewhere in the back office (polled)."""
    return TemplateResponse(
        request,
        "orders/backoffice_badge.html",
        {"waiting": selectors.store_waiting_count(request.staff.store)},
    )


@staff_required
def hand_over(request, number):
    return _act(
        request,
        number,
        lambda order: order_hand_over(order=order, staff=request.staff),
        success=_("Order %(number)s handed over."),
    )


@staff_required
def mark_ready(request, number):
    return _act(
        request,
        number,
        lambda order: order_mark_ready(order=order, staff=request.staff),
        success=_("Order %(number)s is ready for pickup; the shopper has been told."),
    )


@staff_required
def ship(request, number):
    tracking = (request.POST.get("tracking") or "").strip()[:64]
    return _act(
        request,
        number,
        lambda order: order_ship(order=order, staff=request.staff, tracking=tracking),
        success=_("Order %(number)s shipped."),
    )


# ---- order detail and refunds -------------------------------------------------------------------


def _detail_context(request, order: Order, refund_form=None) -> dict:
    staff = request.staff
    can_refund = staff.role == Staff.Role.MANAGER and order.status in REFUNDABLE
    context = {"order": order, "lines": list(order.lines.all()), "can_refund": can_refund}
    if can_refund:
        context["refund_form"] = refund_form or RefundForm(lines=context["lines"])
    if (
        order.status == Order.Status.PENDING_PAYMENT
        and order.fulfillment == Order.Fulfillment.IN_STORE
    ):
        context["pay_link"] = pay_link(order)
        context["pay_qr"] = qr_svg(context["pay_link"])
    return context


@staff_required
def order_detail(request, number):
    """One order of the store; another store's orders do not exist here (404)."""
    order = selectors.store_order_get(number)
    if order is None:
        raise Http404
    try:
        check_store_staff(staff=request.staff, order=order)
    except NotYourStore as hidden:
        raise Http404 from hidden
    return TemplateResponse(
        request, "orders/backoffice_order.html", _detail_context(request, order)
    )


@staff_required(roles=MANAGERS)
def refund(request, number):
    """Managers refund in full or by line; the money goes back at once (sandbox) and the stock
    returns to the shelf unless the goods are damaged."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = selectors.store_order_get(number)
    if order is None:
        raise Http404
    try:
        check_store_staff(staff=request.staff, order=order)
    except NotYourStore:
        return _not_your_store(request)
    detail_url = reverse("orders_backoffice:detail", args=[order.number])
    lines = list(order.lines.all())
    form = RefundForm(request.POST, lines=lines)
    if not form.is_valid():
        context = _detail_context(request, order, refund_form=form)
        return TemplateResponse(request, "orders/backoffice_order.html", context, status=400)
    data = form.cleaned_data
    by_id = {line.pk: line for line in lines}
    wanted = (
        None
        if data["full"]
        else [(by_id[pk], quantity) for pk, quantity in form.quantities().items() if quantity]
    )
    try:
        requested = refund_request(
            order=order,
            lines=wanted,
            reason=data["reason"],
            damaged=data["damaged"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(detail_url)
    done = refund_execute(refund=requested)
    amount = f"¥{done.amount / 100:.2f}"
    if done.status == done.Status.SUCCEEDED:
        messages.success(
            request,
            _("Refund %(refund)s of %(amount)s done.")
            % {"refund": done.out_refund_no, "amount": amount},
        )
    elif done.status == done.Status.FAILED:
        messages.error(
            request,
            _("Refund %(refund)s failed; nothing was refunded. Try again or ask HQ.")
            % {"refund": done.out_refund_no},
        )
    else:
        messages.info(
            request,
            _("Refund %(refund)s of %(amount)s requested; WeChat is still processing it.")
            % {"refund": done.out_refund_no, "amount": amount},
        )
    return redirect(detail_url)


# ---- pickup verification ------------------------------------------------------------------------


def _store_of_token(token: str) -> str:
    """The name of the store a scanned order QR belongs to (shown to a wrong-store clerk)."""
    try:
        number = signing.loads(token, salt=PICKUP_SALT)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        return ""
    order = Order.objects.filter(number=number).select_related("fulfilling_store").first()
    return order.fulfilling_store.name if order and order.fulfilling_store else ""


@staff_required
def verify(request):
    """Scan the order QR or type the 6-digit code; success shows what to hand over."""
    form = PickupVerifyForm(request.POST or None)
    context = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        token, code = form.cleaned_token_and_code()
        try:
            order = pickup_verify(staff=request.staff, token=token, code=code)
        except NotYourStore:
            store_name = _store_of_token(token)
            context["error"] = (
                _("This order belongs to %(store)s. It can only be collected there.")
                % {"store": store_name}
                if store_name
                else _("This order belongs to another store.")
            )
            status = 403
        except TooManyAttempts:
            context["error"] = _("Too many attempts. Wait a few minutes, then try again.")
            status = 429
        except AlreadyCollected:
            context["error"] = _("Already collected: this order was handed over before.")
            status = 409
        except WrongPickupCode:
            context["error"] = (
                _("This QR code is not an order of ours.")
                if token
                else _("Wrong code: no order waiting for pickup here has this code.")
            )
            status = 400
        except DomainError as error:
            context["error"] = _error_text(error)
            status = 409
        else:
            context["verified"] = order
            context["lines"] = list(order.lines.all())
            context["form"] = PickupVerifyForm()
    return TemplateResponse(request, "orders/backoffice_verify.html", context, status=status)


# ---- try in store (网订店试) ---------------------------------------------------------------


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
        "orders/backoffice_appointments.html",
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
    order = _order(number)
    back = reverse("orders_backoffice:appointments")
    form = VisitForm(request.POST, lines=order.lines.all())
    if not form.is_valid():
        messages.error(request, _("Enter the quantities kept (0 up to what was booked)."))
        return redirect(back)
    try:
        sale = try_visit_checkout(order=order, staff=request.staff, kept=form.quantities())
    except NotYourStore:
        return _not_your_store(request)
    except DomainError as error:
        messages.error(request, _error_text(error))
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
    return _act(
        request,
        number,
        lambda order: order_no_show(order=order, staff=request.staff),
        success=_("Booking %(number)s marked as no-show; its items are back on sale."),
        default_next=reverse("orders_backoffice:appointments"),
    )
