"""Clerk-assisted carts (导购代下单): a clerk builds a basket for a customer, who pays by QR."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import access_assisted_cart, check_assisted_cart, staff_required
from backoffice.forms import AssistCartForm, AssistLineForm, AssistSearchForm
from backoffice.responses import domain_error_message, forbidden, redirect_back
from o2o.errors import DomainError
from o2o.qr import qr_svg
from orders import selectors
from orders.services.assisted import (
    NotYourCart,
    assisted_cart_create,
    assisted_cart_discard,
    assisted_cart_line_set,
)


@staff_required
def assist(request):
    """The clerk's carts for customers, and a button to start a new one."""
    form = AssistCartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cart = assisted_cart_create(staff=request.staff, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, domain_error_message(error))
        else:
            return redirect("orders_backoffice:assist_cart", cart_id=cart.pk)
    return TemplateResponse(
        request,
        "backoffice/assist/carts.html",
        {"form": form, "carts": selectors.assisted_carts(request.staff)},
    )


@staff_required
def assist_cart(request, cart_id):
    """Build the cart: search, set quantities; the customer scans the QR to pay."""
    if request.method == "POST":
        cart = check_assisted_cart(request.staff, cart_id)
        form = AssistLineForm(request.POST)
        if form.is_valid():
            sku = selectors.assist_sku_search_by_id(form.cleaned_data["sku"])
            if sku is None:
                messages.error(request, _("This item is no longer sold."))
            else:
                try:
                    assisted_cart_line_set(
                        cart=cart,
                        staff=request.staff,
                        sku=sku,
                        quantity=form.cleaned_data["quantity"],
                    )
                except NotYourCart:
                    return forbidden(
                        request, _("Only the clerk who built this cart can change it.")
                    )
                except DomainError as error:
                    messages.error(request, domain_error_message(error))
        else:
            messages.error(request, _("Enter a quantity between 0 and 99."))
        return redirect_back(request, reverse("orders_backoffice:assist_cart", args=[cart_id]))
    cart = access_assisted_cart(request.staff, cart_id)
    search = AssistSearchForm(request.GET or None)
    results = []
    if search.is_valid():
        results = selectors.assist_sku_search(
            store=request.staff.store, query=search.cleaned_data["q"]
        )
    lines = selectors.cart_lines(cart)
    in_cart = {line.sku_id: line.quantity for line in lines}
    for sku in results:
        sku.in_cart = in_cart.get(sku.pk, 0)
    link = settings.SITE_URL + reverse("orders:shared_cart", args=[cart.token])
    return TemplateResponse(
        request,
        "backoffice/assist/cart.html",
        {
            "cart": cart,
            "lines": lines,
            "goods_total": sum(line.sku.price * line.quantity for line in lines),
            "search": search,
            "results": results,
            "link": link,
            "qr": qr_svg(link) if lines and not cart.claimed_order_id else "",
        },
    )


@staff_required
def assist_discard(request, cart_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cart = check_assisted_cart(request.staff, cart_id)
    try:
        assisted_cart_discard(cart=cart, staff=request.staff)
    except NotYourCart:
        return forbidden(request, _("Only the clerk who built this cart can change it."))
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect("orders_backoffice:assist_cart", cart_id=cart_id)
    messages.success(request, _("Cart discarded; its link no longer works."))
    return redirect("orders_backoffice:assist")
