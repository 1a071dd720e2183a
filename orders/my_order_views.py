"""Shopper H5 pages after checkout: paying (WeChat's pay sheet or the sandbox), the receipt,
her orders with their timelines, cancelling and confirming receipt. Thin: parse, check, call
one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.auth import current_member, member_required
from o2o import wechat_pay
from o2o.client_ip import client_ip
from o2o.errors import DomainError
from o2o.qr import qr_data_uri
from o2o.security_headers import csp_allow
from orders import selectors
from orders.models import Order, OrderEvent, Payment
from orders.services.expiry import order_cancel
from orders.services.fulfilment import order_confirm_received, pickup_token
from orders.services.payment import payment_start, sandbox_pay
from orders.views import error_text

# The WeChat pay page loads WeChat's JS-SDK (jweixin) from here.
WECHAT_JS_SDK_HOST = "https://res.wx.qq.com"

S = Order.Status
F = Order.Fulfillment
PAID_STATES = {S.PAID, S.ACCEPTED, S.PACKED, S.OUT_FOR_DELIVERY, S.READY, S.SHIPPED, S.COMPLETED}


def _member_order_or_404(request, number: str) -> Order:
    order = selectors.member_order_get(member=current_member(request), number=number)
    if order is None:
        raise Http404
    return order


def _timeline(order: Order) -> list[dict]:
    """The shopper's timeline: where the order went (its new status), or what happened."""
    rows = []
    for event in order.events.all():
        if event.to_status and event.kind != OrderEvent.Kind.PLACED:
            label = event.get_to_status_display()
        else:
            label = event.get_kind_display()
        rows.append({"at": event.created_at, "label": label, "to": event.to_status})
    return rows


# ---- paying -----------------------------------------------------------------------------------


@never_cache
@require_GET
@member_required
@csp_allow(script_src=[WECHAT_JS_SDK_HOST])
def order_pay(request, number: str):
    """The pay step: WeChat's pay sheet inside WeChat, or the local sandbox pay page."""
    order = _member_order_or_404(request, number)
    if order.status in PAID_STATES:
        return redirect("orders:receipt", number=order.number)
    try:
        started = payment_start(
            order=order,
            openid=order.member.openid,
            client_ip=client_ip(request),
        )
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect("orders:detail", number=order.number)
    if started.sandbox_url:
        return redirect(started.sandbox_url)
    return render(
        request,
        "orders/pay_wechat.html",
        {"order": order, "jsapi": started.jsapi, "payment": started.payment},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def sandbox_pay_page(request, out_trade_no: str):
    """SANDBOX: a stand-in for WeChat's pay sheet. "Pay" hands the browser a notification signed
    as WeChat Pay signs it, which the page posts to the real /wechat/pay/notify."""
    if not wechat_pay.is_sandbox():
        raise Http404
    payment = get_object_or_404(
        Payment.objects.select_related("order"),
        out_trade_no=out_trade_no,
        sandbox=True,
        order__member=current_member(request),
    )
    order = payment.order
    if order.status in PAID_STATES:
        return redirect("orders:receipt", number=order.number)
    if request.method == "POST":
        if order.status != S.PENDING_PAYMENT or payment.status != Payment.Status.CREATED:
            messages.error(request, _("This order can no longer be paid."))
            return redirect("orders:detail", number=order.number)
        transaction_id = sandbox_pay(payment=payment)
        body = wechat_pay.sandbox_notification(
            out_trade_no=payment.out_trade_no,
            amount=payment.amount,
            transaction_id=transaction_id,
            openid=order.member.openid or "sandbox-openid",
        )
        return render(
            request,
            "orders/sandbox_paying.html",
            {"order": order, "payment": payment, "notification": body.decode("utf-8")},
        )
    return render(request, "orders/sandbox_pay.html", {"order": order, "payment": payment})


@never_cache
@require_GET
@member_required
def order_receipt(request, number: str):
    """After paying: a large paid mark (shown at the door), items, amounts, store, the clerk."""
    order = _member_order_or_404(request, number)
    return render(request, "orders/receipt.html", _order_context(order))


def _order_context(order: Order) -> dict:
    show_pickup = order.fulfillment == F.PICKUP and order.status == S.READY
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "is_paid": order.status in PAID_STATES or (order.status == S.REFUNDED and order.paid_at),
        "pickup_qr": qr_data_uri(pickup_token(order)) if show_pickup else None,
        "can_cancel": order.status in {S.PENDING_PAYMENT, S.BOOKED},
        "can_pay": order.status == S.PENDING_PAYMENT,
        "can_confirm": order.status == S.SHIPPED,
    }


# ---- my orders --------------------------------------------------------------------------------


@never_cache
@require_GET
@member_required
def order_list(request):
    orders = list(selectors.member_orders(current_member(request))[:50])
    return render(request, "orders/order_list.html", {"orders": orders})


@never_cache
@require_GET
@member_required
def order_detail(request, number: str):
    order = _member_order_or_404(request, number)
    context = _order_context(order)
    context["timeline"] = _timeline(order)
    return render(request, "orders/order_detail.html", context)


@require_POST
@member_required
def order_cancel_view(request, number: str):
    order = _member_order_or_404(request, number)
    if order.status not in {S.PENDING_PAYMENT, S.BOOKED}:
        messages.error(request, _("This order can no longer be cancelled."))
        return redirect("orders:detail", number=number)
    try:
        order_cancel(order=order, note="cancelled by the shopper")
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Order cancelled."))
    return redirect("orders:detail", number=number)


@require_POST
@member_required
def order_received(request, number: str):
    order = _member_order_or_404(request, number)
    try:
        order_confirm_received(order=order, member=current_member(request))
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Thank you! Enjoy your purchase."))
    return redirect("orders:detail", number=number)
