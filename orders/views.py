"""Shopper H5 pages of the order flow: cart, checkout, pay, receipt, my orders, favorites, and
the order bits of the product page. Thin: parse, check, call one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import scanning
from catalog.models import SKU, Product
from inventory.exceptions import InsufficientStock
from inventory.selectors import sku_available_at
from members.auth import current_member, member_required
from members.models import LoyaltyPolicy
from o2o import wechat_pay
from o2o.errors import DomainError
from o2o.geo import position_from_query
from o2o.parsing import whole_number
from o2o.qr import qr_data_uri
from o2o.redirects import redirect_to_next, safe_next_url
from o2o.security_headers import csp_allow
from orders import selectors
from orders.forms import BuyNowForm, CartAddForm, CartLineForm, CheckoutForm
from orders.models import Order, Payment
from orders.services import cart as cart_service
from orders.services import favorites as favorite_service
from orders.services.checkout import Line, order_place, points_value_fen
from orders.services.expiry import order_cancel
from orders.services.fulfilment import order_confirm_received, pickup_token
from orders.services.payment import payment_start, sandbox_pay
from orders.services.sharing import share_sharer_get, share_visit_record
from stores.selectors import shopper_visible_stores

S = Order.Status
F = Order.Fulfillment
PAID_STATES = {S.PAID, S.READY, S.SHIPPED, S.COMPLETED}
# The WeChat pay page loads WeChat's JS-SDK (jweixin) from here.
WECHAT_JS_SDK_HOST = "https://res.wx.qq.com"


# ---- helpers ----------------------------------------------------------------------------------


def _session_key(request) -> str:
    """The visitor's session key, creating the session when she has none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _cart(request, *, create: bool = False):
    """The shopper's cart: the member's when logged in, else this session's."""
    member = current_member(request)
    if create:
        if member is not None:
            return cart_service.cart_get_or_create(member=member)
        return cart_service.cart_get_or_create(session_key=_session_key(request))
    return selectors.cart_find(member=member, session_key=request.session.session_key)


def _login_url(next_url: str) -> str:
    return f"{reverse('members:login')}?{urlencode({'next': next_url})}"


def _member_order_or_404(request, number: str) -> Order:
    order = selectors.member_order_get(member=current_member(request), number=number)
    if order is None:
        raise Http404
    return order


def _error_text(error: Exception) -> str:
    return str(error)[:1].upper() + str(error)[1:] if str(error) else _("Something went wrong.")


def _shortage_text(error: InsufficientStock, lines) -> str:
    """'Not enough stock at this store for: dress black M (2 left)' naming the short lines."""
    names = {line.sku.code: line.sku for line in lines}
    parts = []
    for shortage in error.shortages:
        sku = names.get(shortage.get("sku"))
        label = (
            " ".join(filter(None, [sku.product.name, sku.color, sku.size]))
            if sku
            else shortage.get("sku", "")
        )
        parts.append(
            _("%(item)s (%(available)s left)")
            % {"item": label, "available": max(0, shortage.get("available", 0))}
        )
    if not parts:
        return _("Not enough stock at this store. Nothing was ordered.")
    return _("Not enough stock at this store for: %(items)s. Nothing was ordered.") % {
        "items": ", ".join(parts)
    }


EVENT_LABELS = {
    "placed": gettext_lazy("Order placed"),
    "duplicate_payment": gettext_lazy("Second payment received"),
    "converted_from": gettext_lazy("Converted from booking"),
}


def _timeline(order: Order) -> list[dict]:
    labels = dict(Order.Status.choices)
    rows = []
    for event in order.events.all():
        if event.kind == "placed":
            label = EVENT_LABELS["placed"]
        elif event.to_status:
            label = labels.get(event.to_status, event.to_status)
        else:
            label = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
        rows.append({"at": event.created_at, "label": label, "to": event.to_status})
    return rows


# ---- product page (called by catalog.views.product) ---------------------------------------------


def product_page_extras(
    request, *, product: Product, selected_sku: SKU | None, scanned_store=None
) -> dict:
    """What the product page adds for ordering: cart, "buy here now", favorite, share link.

    A visit through a share link (?r=<referral code>) is recorded here. At most one query when
    a store is remembered (its stock of the picked SKU), one more for a member (the heart).
    """
    member = current_member(request)
    referral_code = request.GET.get("r", "")
    if referral_code:
        _session_key(request)
        share_visit_record(
            session=request.session, referral_code=referral_code, product=product, visitor=member
        )
    buy_here = bool(
        scanned_store is not None
        and selected_sku is not None
        and selected_sku.is_active
        and sku_available_at(sku=selected_sku, store=scanned_store) > 0
    )
    share_url = settings.SITE_URL + reverse("catalog:product", args=[product.code])
    if member is not None:
        share_url += "?" + urlencode({"r": member.referral_code})
    return {
        "buy_here_store": scanned_store if buy_here else None,
        "is_favorite": selectors.favorite_exists(member=member, product=product),
        "share_url": share_url,
        "share_referral_code": member.referral_code if member is not None else "",
    }


# ---- cart -------------------------------------------------------------------------------------


@never_cache
@require_GET
def cart(request):
    basket = _cart(request)
    if basket is not None:
        dropped = cart_service.cart_prune_inactive(cart=basket)
        for name in dropped:
            messages.warning(
                request, _("%(item)s is no longer sold and was removed.") % {"item": name}
            )
    lines = selectors.cart_lines(basket)
    return render(
        request,
        "orders/cart.html",
        {"lines": lines, "goods_total": sum(line.sku.price * line.quantity for line in lines)},
    )


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    back = safe_next_url(request, request.POST.get("next"), default="orders:cart")
    if not form.is_valid():
        messages.error(request, _("Choose a color and size first."))
        return redirect(back)
    sku = SKU.objects.select_related("product").filter(code=form.cleaned_data["sku"]).first()
    if sku is None:
        raise Http404
    try:
        cart_service.cart_line_add(
            cart=_cart(request, create=True), sku=sku, quantity=form.cleaned_data["quantity"]
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@require_POST
def cart_line(request, sku_id: int):
    form = CartLineForm(request.POST)
    basket = _cart(request)
    if basket is not None and form.is_valid():
        cart_service.cart_line_set(
            cart=basket, sku_id=sku_id, quantity=form.cleaned_data["quantity"]
        )
    return redirect("orders:cart")


@never_cache
@require_http_methods(["GET", "POST"])
def shared_cart(request, token: str):
    """导购代下单: the cart a clerk built, opened by the customer; "Pay" places and pays it."""
    basket = selectors.cart_by_token(token)
    if basket is None:
        raise Http404
    member = current_member(request)
    if basket.claimed_order_id:
        if member is not None and basket.claimed_order.member_id == member.pk:
            return redirect("orders:detail", number=basket.claimed_order.number)
        return render(request, "orders/shared_cart.html", {"basket": basket, "claimed": True})
    if request.method == "POST":
        if member is None:
            return redirect(_login_url(request.path))
        try:
            order = cart_service.clerk_cart_claim(
                cart=basket,
                member=member,
                shared_by=share_sharer_get(session=request.session, member=member),
            )
        except InsufficientStock as error:
            messages.error(request, _shortage_text(error, selectors.cart_lines(basket)))
            return redirect(request.path)
        except DomainError as error:
            messages.error(request, _error_text(error))
            return redirect(request.path)
        return redirect("orders:pay", number=order.number)
    lines = selectors.cart_lines(basket)
    return render(
        request,
        "orders/shared_cart.html",
        {
            "basket": basket,
            "lines": lines,
            "goods_total": sum(line.sku.price * line.quantity for line in lines),
        },
    )


# ---- checkout ---------------------------------------------------------------------------------


def _position_or_none(request) -> tuple[float, float] | None:
    """The shopper's ?lat=&lng=, or None when absent or not a real position (then the stores
    are ranked from her home or scanned store instead)."""
    try:
        return position_from_query(request.GET)
    except ValueError:
        return None


def _checkout_context(request, member, lines, form, *, store_id=None):
    basket = {line.sku_id: line.quantity for line in lines}
    scanned = scanning.scanned_store_get(request)
    position = _position_or_none(request)
    choices = selectors.checkout_store_choices(
        basket=basket,
        home_store=member.home_store,
        scanned_store=scanned,
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
    )
    stores_by_id = {choice.store.pk: choice.store for choice in choices}
    selected = stores_by_id.get(store_id) if store_id else None
    if selected is None and choices:
        selected = choices[0].store  # home store, else scanned, else the nearest
    policy = LoyaltyPolicy.current()
    goods = sum(line.sku.price * line.quantity for line in lines)
    return {
        "form": form,
        "lines": lines,
        "choices": choices,
        "selected_store": selected,
        "slots": selectors.appointment_slots(store=selected) if selected else [],
        "goods_total": goods,
        "points_balance": member.points_balance,
        "points_worth": min(points_value_fen(member.points_balance, policy), max(0, goods - 1)),
        "points_per_yuan": policy.points_per_yuan_discount,
    }


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    member = current_member(request)
    basket = _cart(request)
    if basket is not None:
        for name in cart_service.cart_prune_inactive(cart=basket):
            messages.warning(
                request, _("%(item)s is no longer sold and was removed.") % {"item": name}
            )
    lines = selectors.cart_lines(basket)
    if not lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")

    if request.method == "GET":
        form = CheckoutForm(initial={"fulfillment": F.PICKUP, "points": 0})
        context = _checkout_context(request, member, lines, form)
        return render(request, "orders/checkout.html", context)

    form = CheckoutForm(request.POST)
    store_id = whole_number(request.POST.get("store"), minimum=1)
    if form.is_valid():
        store = shopper_visible_stores().filter(pk=form.cleaned_data["store"]).first()
        if store is None:
            form.add_error("store", _("Choose an open store."))
        else:
            try:
                order = cart_service.cart_checkout(
                    cart=basket,
                    member=member,
                    store=store,
                    shared_by=share_sharer_get(session=request.session, member=member),
                    **form.order_arguments(),
                )
            except InsufficientStock as error:
                messages.error(request, _shortage_text(error, lines))
            except DomainError as error:
                form.add_error(None, _error_text(error))
            else:
                if order.status == S.BOOKED:
                    messages.success(request, _("Booked! The store keeps your items for you."))
                    return redirect("orders:detail", number=order.number)
                return redirect("orders:pay", number=order.number)
    context = _checkout_context(request, member, lines, form, store_id=store_id)
    return render(request, "orders/checkout.html", context, status=200)


@require_GET
@member_required
def checkout_slots(request):
    """htmx: the try-in-store time slots of the store just picked."""
    store_id = whole_number(request.GET.get("store"), minimum=1)
    if store_id is None:
        raise Http404
    store = get_object_or_404(shopper_visible_stores(), pk=store_id)
    return render(
        request,
        "orders/_slots.html",
        {"slots": selectors.appointment_slots(store=store), "selected_store": store},
    )


@require_POST
def buy_now(request):
    """扫码购: buy the scanned item in the store it was scanned in, pay on the phone."""
    form = BuyNowForm(request.POST)
    if not form.is_valid():
        raise Http404
    sku = SKU.objects.select_related("product").filter(code=form.cleaned_data["sku"]).first()
    if sku is None:
        raise Http404
    product_url = (
        reverse("catalog:product", args=[sku.product.code]) + "?" + urlencode({"sku": sku.code})
    )
    member = current_member(request)
    if member is None:
        return redirect(_login_url(product_url))
    store = scanning.scanned_store_get(request)
    if store is None:
        messages.error(request, _("Scan the item's label in a store to buy it there."))
        return redirect(product_url)
    try:
        order = order_place(
            member=member,
            lines=[Line(sku, 1)],
            fulfillment=F.IN_STORE,
            store=store,
            channel=Order.Channel.IN_STORE,
            shared_by=share_sharer_get(session=request.session, member=member),
        )
    except InsufficientStock:
        messages.error(request, _("Sorry, this store has none left of this item."))
        return redirect(product_url)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(product_url)
    return redirect("orders:pay", number=order.number)


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
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
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
        messages.error(request, _error_text(error))
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
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Thank you! Enjoy your purchase."))
    return redirect("orders:detail", number=number)


# ---- favorites --------------------------------------------------------------------------------


@never_cache
@require_GET
@member_required
def favorites(request):
    return render(
        request,
        "orders/favorites.html",
        {"favorites": selectors.member_favorites(current_member(request))},
    )


@require_POST
def favorite_toggle(request, code: str):
    """The heart on the product page (htmx): add or remove; answers with the new heart."""
    product = get_object_or_404(Product, code=code, is_active=True)
    member = current_member(request)
    if member is None:
        login = _login_url(reverse("catalog:product", args=[code]))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return redirect(login)
    context = {
        "product": product,
        "is_favorite": favorite_service.favorite_toggle(member=member, product=product),
    }
    if request.headers.get("HX-Request"):
        return render(request, "orders/_favorite_button.html", context)
    return redirect_to_next(request, request.POST.get("next"), default="orders:favorites")
