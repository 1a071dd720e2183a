"""The store's order back office (phone-first, at the counter): the hand-over queue, order
actions, the order page with refunds, and pickup verification.

Every view reads the same way: the staff check (`staff_required`), the order check
(`access_store_order` to look, `check_store_order` to act), one service call, then a page or a
redirect with a message. Orders of another store are invisible on detail pages (404) and every
action on them answers 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import MANAGERS, access_store_order, check_store_order, staff_required
from backoffice.forms import PickupVerifyForm, RefundForm
from backoffice.responses import domain_error_message, forbidden, redirect_back
from dispatch.selectors import fulfilled_for_store
from o2o.client_ip import client_ip
from o2o.errors import DomainError
from o2o.qr import qr_svg
from o2o.throttle import throttled_message
from orders import selectors
from orders.models import Order
from orders.services.fulfilment import (
    PICKUP_SALT,
    AlreadyCollected,
    NotYourStore,
    TooManyAttempts,
    WrongPickupCode,
    order_hand_over,
    order_mark_ready,
    order_ship,
    pickup_verify,
)
from orders.services.refunds import REFUNDABLE, refund_execute, refund_quote, refund_request
from stores.models import Staff


def order_act(request, number: str, action, *, success: str, default_next: str | None = None):
    """POST-only order action: check the store, call the service, then a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = check_store_order(request.staff, number)
    try:
        action(order)
    except NotYourStore:
        return forbidden(request, _("This order belongs to another store."))
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, success % {"number": order.number})
    return redirect_back(request, default_next or reverse("orders_backoffice:queue"))


def pay_link(order: Order) -> str:
    """Where the shopper pays an in-store order on her phone (the shopper page)."""
    return settings.SITE_URL + reverse("orders:pay", args=[order.number])


# ---- hand-over queue ----------------------------------------------------------------------------


@staff_required
def queue(request):
    """扫码购 and paid orders waiting for the store; the list polls itself every few seconds."""
    context = {"queue": selectors.store_order_queue(request.staff.store)}
    if request.headers.get("HX-Request"):
        return TemplateResponse(request, "backoffice/orders/queue_list.html", context)
    # DESIGN §4 "Attribution": the store's customers another store delivered, still its sales.
    context["fulfilled_for_us"] = list(fulfilled_for_store(request.staff.store, limit=5))
    return TemplateResponse(request, "backoffice/orders/queue.html", context)


@staff_required
def badge(request):
    """The waiting count for links elsewhere in the back office (polled)."""
    return TemplateResponse(
        request,
        "backoffice/orders/badge.html",
        {"waiting": selectors.store_waiting_count(request.staff.store)},
    )


@staff_required
def hand_over(request, number):
    return order_act(
        request,
        number,
        lambda order: order_hand_over(order=order, staff=request.staff),
        success=_("Order %(number)s handed over."),
    )


@staff_required
def mark_ready(request, number):
    return order_act(
        request,
        number,
        lambda order: order_mark_ready(order=order, staff=request.staff),
        success=_("Order %(number)s is ready for pickup; the shopper has been told."),
    )


@staff_required
def ship(request, number):
    tracking = (request.POST.get("tracking") or "").strip()[:64]
    return order_act(
        request,
        number,
        lambda order: order_ship(order=order, staff=request.staff, tracking=tracking),
        success=_("Order %(number)s shipped."),
    )


# ---- order detail and refunds -------------------------------------------------------------------


def _detail_context(request, order: Order, refund_form=None) -> dict:
    staff = request.staff
    can_refund = staff.role == Staff.Role.MANAGER and order.status in REFUNDABLE
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "can_refund": can_refund,
        "cart_note": selectors.assisted_cart_note(order),
    }
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
    order = access_store_order(request.staff, number)
    return TemplateResponse(
        request, "backoffice/orders/detail.html", _detail_context(request, order)
    )


@staff_required(roles=MANAGERS)
def refund(request, number):
    """Managers refund in full or by line, in two steps: the form first shows what will be
    refunded (lines, amounts, stock back on sale or written off), and only its confirmation
    moves money. The money goes back at once (sandbox) and the stock returns to the shelf
    unless the goods are damaged."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = check_store_order(request.staff, number)
    detail_url = reverse("orders_backoffice:detail", args=[order.number])
    lines = list(order.lines.all())
    form = RefundForm(request.POST, lines=lines)
    if not form.is_valid():
        context = _detail_context(request, order, refund_form=form)
        return TemplateResponse(request, "backoffice/orders/detail.html", context, status=400)
    data = form.cleaned_data
    by_id = {line.pk: line for line in lines}
    wanted = (
        None
        if data["full"]
        else [(by_id[pk], quantity) for pk, quantity in form.quantities().items() if quantity]
    )
    try:
        quote = refund_quote(order=order, lines=wanted)
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect(detail_url)
    if not data["confirm"] or data["expected_total"] != quote.total:
        if data["confirm"]:
            # Another refund of this order went through meanwhile: show the new figures.
            messages.warning(request, _("The amounts changed meanwhile. Check them again."))
        return TemplateResponse(
            request,
            "backoffice/orders/refund_confirm.html",
            {
                "order": order,
                "quote": quote,
                "reason": data["reason"],
                "damaged": data["damaged"],
                "confirm_fields": form.confirmation_fields(total=quote.total),
            },
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
        messages.error(request, domain_error_message(error))
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
            order = pickup_verify(
                staff=request.staff, token=token, code=code, client_ip=client_ip(request)
            )
        except NotYourStore:
            store_name = _store_of_token(token)
            context["error"] = (
                _("This order belongs to %(store)s. It can only be collected there.")
                % {"store": store_name}
                if store_name
                else _("This order belongs to another store.")
            )
            status = 403
        except TooManyAttempts as error:
            context["error"] = throttled_message(error.retry_after)
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
            context["error"] = domain_error_message(error)
            status = 409
        else:
            context["verified"] = order
            context["lines"] = list(order.lines.all())
            context["form"] = PickupVerifyForm()
    return TemplateResponse(request, "backoffice/orders/verify.html", context, status=status)
