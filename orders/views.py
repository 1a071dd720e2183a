"""Shopper H5 pages of the order flow: the product page's order actions (an htmx fragment), the
cart, a clerk's shared cart, checkout and "buy here now". Paying and her orders are in
orders/my_order_views.py. Thin: parse, check, call one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import scanning, store_prices
from catalog import selectors as catalog_selectors
from catalog.models import SKU
from catalog.presenters import selected_sku_pick
from inventory.exceptions import InsufficientStock
from inventory.selectors import sku_available_at
from members.auth import current_member, member_required
from members.models import LoyaltyPolicy
from members.selectors import favorite_exists
from members.services.sharing import share_sharer_get, share_visit_record
from o2o.errors import DomainError
from o2o.geo import position_from_query
from o2o.parsing import whole_number
from o2o.redirects import safe_next_url
from orders import selectors
from orders.booking_slots import appointment_slots
from orders.cart_badge import cart_badge_refresh, cart_badge_remember
from orders.checkout_selectors import checkout_stores, usual_store_of
from orders.forms import BuyNowForm, CartAddForm, CartLineForm, CheckoutForm
from orders.models import BookingPolicy, Order
from orders.services import cart as cart_service
from orders.services.booking_rules import BookingRefused
from orders.services.checkout import Line, order_place, points_value_fen
from stores.selectors import shopper_visible_stores

S = Order.Status
F = Order.Fulfillment


# ---- helpers ----------------------------------------------------------------------------------


def _session_key(request) -> str:
    """The visitor's session key, creating the session when she has none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _cart(request, *, create: bool = False):
    """The shopper's cart: the member's when logged in (her visitor cart carried over into it
    on the first access after logging in), else this session's."""
    return cart_service.cart_for_shopper(
        session=request.session, member=current_member(request), create=create
    )


def _login_url(next_url: str) -> str:
    return f"{reverse('members:login')}?{urlencode({'next': next_url})}"


def error_text(error: Exception) -> str:
    """The sentence a shopper reads for a refused action (the domain error's own text)."""
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


# ---- the product page's order actions (an htmx fragment of catalog's product page) ----------


@require_GET
def product_actions(request, code: str):
    """Cart, "buy here now", the heart and the share link, for the product page to load.

    Gets the page's own query: ?sku= (the picked SKU) and ?r= (a share link: the visit is
    recorded here). At most one query for the remembered store's stock of the picked SKU, one
    more for a member's heart.
    """
    product = catalog_selectors.product_active_get(code=code)
    if product is None:
        raise Http404
    active_skus = list(product.skus.filter(is_active=True).order_by("id"))
    selected_sku = selected_sku_pick(active_skus, request.GET.get("sku", ""))
    scanned_store = scanning.scanned_store_get(request)
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
        and sku_available_at(sku=selected_sku, store=scanned_store) > 0
    )
    product_url = reverse("catalog:product", args=[product.code])
    share_url = settings.SITE_URL + product_url
    if member is not None:
        share_url += "?" + urlencode({"r": member.referral_code})
    context = {
        "product": product,
        "selected_sku": selected_sku,
        "sold_out": not active_skus,
        "buy_here_store": scanned_store if buy_here else None,
        "is_favorite": favorite_exists(member=member, product=product),
        "share_url": share_url,
        "share_referral_code": member.referral_code if member is not None else "",
        # Forms in the fragment come back to the product page, not to this fragment.
        "next_url": product_url
        + (f"?{urlencode({'sku': selected_sku.code})}" if selected_sku else ""),
    }
    return render(request, "orders/_product_actions.html", context)


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
    cart_badge_remember(request, sum(line.quantity for line in lines))
    return render(
        request,
        "orders/cart.html",
        {
            "lines": lines,
            "goods_total": sum(line.sku.price * line.quantity for line in lines),
            "max_quantity": cart_service.MAX_LINE_QUANTITY,
        },
    )


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    back = safe_next_url(request, request.POST.get("next"), default="orders:cart")
    if not form.is_valid():
        if "sku" in form.errors:
            messages.error(request, _("Choose a color and size first."))
        else:
            messages.error(
                request,
                _("Choose a quantity from 1 to %(most)d.")
                % {"most": cart_service.MAX_LINE_QUANTITY},
            )
        return redirect(back)
    sku = SKU.objects.select_related("product").filter(code=form.cleaned_data["sku"]).first()
    if sku is None:
        raise Http404
    try:
        cart_service.cart_line_add(
            cart=_cart(request, create=True), sku=sku, quantity=form.cleaned_data["quantity"]
        )
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    cart_badge_refresh(request)
    messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@require_POST
def cart_line(request, sku_id: int):
    form = CartLineForm(request.POST)
    basket = _cart(request)
    if basket is None:
        return redirect("orders:cart")
    if not form.is_valid():
        messages.error(
            request,
            _("Choose a quantity from 1 to %(most)d, or remove the item.")
            % {"most": cart_service.MAX_LINE_QUANTITY},
        )
        return redirect("orders:cart")
    cart_service.cart_line_set(cart=basket, sku_id=sku_id, quantity=form.cleaned_data["quantity"])
    cart_badge_refresh(request)
    return redirect("orders:cart")


@never_cache
@require_GET
def cart_badge(request):
    """htmx: the cart icon with its count, for a page that had no count to trust."""
    return render(
        request,
        "orders/_cart_icon.html",
        {"count": cart_badge_refresh(request), "refresh": False},
    )


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
            messages.error(request, error_text(error))
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


def _shared_position(params) -> tuple[float, float] | None:
    """The position the checkout page sent (browser GPS converted to GCJ-02), if any."""
    try:
        return position_from_query(params)
    except ValueError:
        return None  # a garbled position only loses the "nearest to you" ranking


def _checkout_context(request, member, lines, form, *, store_id=None):
    position = _shared_position(request.POST if request.method == "POST" else request.GET)
    home_store = usual_store_of(member)
    stores = checkout_stores(
        lines=lines,
        home_store=home_store,
        scanned_store=scanning.scanned_store_get(request),
        position=position,
        picked_store_id=store_id,
    )
    selected = stores.selected
    horizon = BookingPolicy.current().horizon_days
    policy = LoyaltyPolicy.current()
    # 千店千面: the lines cost what the chosen store asks (its own price or the chain's).
    prices = store_prices.sku_prices_at([line.sku for line in lines], selected)
    for line in lines:
        line.unit_price = prices[line.sku.pk]
    goods = sum(line.unit_price * line.quantity for line in lines)
    return {
        "form": form,
        "lines": lines,
        "choices": stores.choices,
        "selected_store": selected,
        "store_why": stores.why,
        "home_store": home_store,
        "home_store_lacks": stores.home_store_lacks,
        "position": (f"{position[0]:.6f}", f"{position[1]:.6f}") if position else None,
        "slots": appointment_slots(store=selected, days=horizon) if selected else [],
        "booking_days": horizon,
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

    cart_badge_remember(request, sum(line.quantity for line in lines))
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
            except BookingRefused as error:
                form.add_booking_refusal(error)
            except DomainError as error:
                form.add_error(None, error_text(error))
            else:
                cart_badge_remember(request, 0)  # the cart became the order
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
    horizon = BookingPolicy.current().horizon_days
    return render(
        request,
        "orders/_slots.html",
        {
            "slots": appointment_slots(store=store, days=horizon),
            "selected_store": store,
            "booking_days": horizon,
        },
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
        messages.error(request, error_text(error))
        return redirect(product_url)
    return redirect("orders:pay", number=order.number)
