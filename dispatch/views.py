"""Shopper pages of delivery (网订店送): the delivery checkout at /delivery/checkout/ and the
"on the way" fragment the order page loads. Thin: parse, check, call one service, render.

The map point: a saved address (?saved=<id>), or the phone's position (?lat=&lng=, with
coords=wgs84 for a browser GPS fix, shifted to GCJ-02 by `o2o.geo.position_from_query`; WeChat's
wx.getLocation answers in GCJ-02 already).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dispatch.exceptions import InvalidDeliveryPoint, NoDeliveryRoute
from dispatch.models import Delivery
from dispatch.services.checkout import delivery_order_place, delivery_quote
from inventory.exceptions import InsufficientStock
from members.auth import current_member, member_required
from members.exceptions import InvalidPhone
from members.forms import PHONE_ERROR
from members.models import Address, LoyaltyPolicy
from members.services.accounts import phone_normalize
from members.services.sharing import share_sharer_get
from o2o.errors import DomainError
from o2o.geo import position_from_query
from o2o.parsing import whole_number
from orders import selectors as order_selectors
from orders.cart_badge import cart_badge_remember
from orders.models import Order
from orders.services.cart import cart_for_shopper
from orders.services.checkout import points_value_fen

S = Order.Status
STEPS = [S.PAID, S.ACCEPTED, S.PACKED, S.OUT_FOR_DELIVERY, S.COMPLETED]


def _error_text(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] if text else _("Something went wrong.")


def _point_from(params, member) -> tuple[tuple[float, float] | None, Address | None, str]:
    """(point, saved address, error) from the page's parameters, else her default address."""
    if params.get("saved"):
        pk = whole_number(params.get("saved"), minimum=1)
        saved = Address.objects.filter(member=member, pk=pk).first() if pk else None
        if saved is None:
            return None, None, _("Choose one of your addresses.")
        return (float(saved.latitude), float(saved.longitude)), saved, ""
    try:
        point = position_from_query(params)
    except ValueError:
        return None, None, _("We could not read that location. Try again or pick an address.")
    if point is not None:
        return point, None, ""
    saved = Address.objects.filter(member=member, is_default=True).first()
    if saved is not None:
        return (float(saved.latitude), float(saved.longitude)), saved, ""
    return None, None, ""


def _mobile(phone: str) -> str | None:
    """The recipient's number as 11 digits, or None when it is not a mainland mobile number."""
    try:
        return phone_normalize(phone)
    except InvalidPhone:
        return None


def _typed_address(post, point) -> tuple[dict | None, dict]:
    """The address typed on the page with the located point, or field errors."""
    fields = {key: (post.get(key) or "").strip() for key in ("name", "phone", "address")}
    limits = {"name": 40, "phone": 20, "address": 200}
    errors = {
        key: _("Needed for a delivery.") if not value else _("Too long.")
        for key, value in fields.items()
        if not value or len(value) > limits[key]
    }
    if "phone" not in errors:
        # The courier calls the recipient at the door: only a number that can be called.
        fields["phone"] = _mobile(fields["phone"]) or ""
        if not fields["phone"]:
            errors["phone"] = PHONE_ERROR
    if errors:
        return None, errors
    return {**fields, "latitude": point[0], "longitude": point[1]}, {}


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def delivery_checkout(request):
    member = current_member(request)
    basket = cart_for_shopper(session=request.session, member=member)
    lines = order_selectors.cart_lines(basket)
    if not lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    params = request.POST if request.method == "POST" else request.GET
    point, saved, error = _point_from(params, member)
    quote = None
    if point is not None:
        try:
            quote = delivery_quote(
                lines=lines, latitude=point[0], longitude=point[1], member=member
            )
        except InvalidDeliveryPoint:
            point, error = None, _("We could not read that location. Try again or pick an address.")
    field_errors: dict = {}
    status = 200
    if request.method == "POST":
        if point is None:
            error = error or _("Choose where to deliver: share your location or pick an address.")
        elif quote is not None and not quote.delivers:
            error = _("Sorry, no store delivers there.")
        else:
            if saved is not None:
                address, field_errors = saved.as_order_address(), {}
                if _mobile(address["phone"]) is None:
                    # Saved before numbers were checked: she fixes it in her address book.
                    address, error = (
                        None,
                        _(
                            "The phone number of this address is not a mobile number. "
                            "Edit the address, then order again."
                        ),
                    )
            else:
                address, field_errors = _typed_address(request.POST, point)
            if address is not None:
                try:
                    order = delivery_order_place(
                        cart=basket,
                        member=member,
                        address=address,
                        note=(request.POST.get("note") or "")[:200],
                        points_to_use=whole_number(request.POST.get("points"), minimum=0) or 0,
                        coupon_code=(request.POST.get("coupon") or "")[:32],
                        shared_by=share_sharer_get(session=request.session, member=member),
                    )
                except NoDeliveryRoute:
                    error = _("Sorry, no store delivers there.")
                except InsufficientStock:
                    error = _("An item sold out meanwhile. Nothing was ordered; please try again.")
                except DomainError as refused:
                    error = _error_text(refused)
                else:
                    cart_badge_remember(request, 0)  # the cart became the order
                    return redirect("orders:pay", number=order.number)
        status = 400
    policy = LoyaltyPolicy.current()
    goods = quote.goods if quote else sum(line.sku.price * line.quantity for line in lines)
    context = {
        "lines": lines,
        "goods_total": goods,
        "point": (f"{point[0]:.6f}", f"{point[1]:.6f}") if point else None,
        "saved": saved,
        "addresses": list(Address.objects.filter(member=member)),
        "quote": quote,
        "error": error,
        "field_errors": field_errors,
        "values": request.POST if request.method == "POST" else {},
        "points_balance": member.points_balance,
        "points_per_yuan": policy.points_per_yuan_discount,
        "points_worth": min(points_value_fen(member.points_balance, policy), max(0, goods - 1)),
    }
    return render(request, "dispatch/checkout.html", context, status=status)


@never_cache
@member_required
@require_GET
def delivery_progress(request, number: str):
    """htmx fragment of the shopper's order page: each delivery step, and while it is on the
    way the courier's name and phone and the code to give at the door."""
    order = order_selectors.member_order_get(member=current_member(request), number=number)
    if order is None or order.fulfillment != Order.Fulfillment.DELIVERY:
        raise Http404
    delivery = Delivery.objects.select_related("store", "courier__user").filter(order=order).first()
    reached = {event.to_status: event.created_at for event in order.events.all()}
    steps = [
        {"status": status, "label": S(status).label, "at": reached.get(status)} for status in STEPS
    ]
    return render(
        request,
        "dispatch/_progress.html",
        {"order": order, "delivery": delivery, "steps": steps},
    )
