"""The store's deliveries (网订店送, /staff/deliveries/): accepted delivery orders to pack, a
courier (a clerk of the store) to assign, and the courier's page at the door: the address with
navigation (Amap link; WeChat's map inside WeChat), the customer's phone, the lines she keeps or
sends back (try at home), and her 6-digit code to confirm the hand-over.

The store's customers delivered by another store show here as "fulfilled for you by …".
Another store's deliveries do not exist here (404); actions on them answer 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.access import access_store_order, check_store_order, staff_required
from backoffice.responses import domain_error_message, forbidden
from dispatch import selectors
from dispatch.exceptions import NotYourDelivery, WrongDeliveryCode
from dispatch.models import Delivery
from dispatch.services.delivery import (
    delivery_courier_assign,
    delivery_hand_over,
    delivery_pack,
)
from o2o.errors import DomainError
from o2o.geo import amap_marker_url
from o2o.parsing import whole_number
from orders.models import Order
from stores.models import Staff


def _delivery(order: Order) -> Delivery:
    delivery = Delivery.objects.select_related("courier", "store").filter(order=order).first()
    if delivery is None:
        raise Http404
    return delivery


def _couriers(store):
    return Staff.objects.filter(
        store=store, is_active=True, role__in=[Staff.Role.CLERK, Staff.Role.MANAGER]
    ).order_by("display_name")


@staff_required
def delivery_list(request):
    store = request.staff.store
    return TemplateResponse(
        request,
        "backoffice/deliveries/list.html",
        {
            "deliveries": list(selectors.store_deliveries(store)),
            "done": list(selectors.store_deliveries_done(store)),
            "fulfilled_for_us": list(selectors.fulfilled_for_store(store)),
        },
    )


@staff_required
def delivery_detail(request, number):
    """The courier's page: where to go, whom to call, what she keeps, her code."""
    order = access_store_order(request.staff, number)
    delivery = _delivery(order)
    address = order.address or {}
    map_url = ""
    if address.get("latitude") is not None and address.get("longitude") is not None:
        map_url = amap_marker_url(
            address["latitude"], address["longitude"], address.get("address", "")
        )
    return TemplateResponse(
        request,
        "backoffice/deliveries/detail.html",
        {
            "order": order,
            "delivery": delivery,
            "lines": list(order.lines.all()),
            "address": address,
            "map_url": map_url,
            "couriers": list(_couriers(delivery.store)),
        },
    )


def _act(request, number, action, success: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = check_store_order(request.staff, number)
    _delivery(order)
    try:
        action(order)
    except NotYourDelivery:
        return forbidden(request, _("This delivery belongs to another store."))
    except WrongDeliveryCode:
        messages.error(request, _("Wrong code. Ask the customer for the 6 digits on her order."))
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, success % {"number": order.number})
    return redirect("deliveries_backoffice:detail", number=order.number)


@staff_required
def delivery_pack_view(request, number):
    return _act(
        request,
        number,
        lambda order: delivery_pack(order=order, staff=request.staff),
        _("Order %(number)s packed."),
    )


@staff_required
def delivery_assign_view(request, number):
    def assign(order):
        courier_id = whole_number(request.POST.get("courier"), minimum=1)
        courier = Staff.objects.filter(pk=courier_id).first() if courier_id else None
        delivery_courier_assign(order=order, staff=request.staff, courier=courier)

    return _act(request, number, assign, _("Order %(number)s is on the way."))


@staff_required
def delivery_hand_over_view(request, number):
    """At the door: the code, and per line how many units come back (returned_<line id>)."""

    def hand_over(order):
        returned = {
            key.removeprefix("returned_"): value
            for key, value in request.POST.items()
            if key.startswith("returned_") and value not in ("", "0")
        }
        delivery_hand_over(
            order=order,
            staff=request.staff,
            code=(request.POST.get("code") or "")[:12],
            returned=returned,
        )

    return _act(request, number, hand_over, _("Order %(number)s delivered."))
