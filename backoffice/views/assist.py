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
from inventory.exceptions import InsufficientStock
from inventory.selectors import basket_availability_across_stores, sku_availability_nearby
from o2o.errors import DomainError
from o2o.qr import qr_svg
from orders import selectors
from orders.services.assisted import (
    NotYourCart,
    assisted_cart_create,
    assisted_cart_discard,
    assisted_cart_line_set,
)


def _not_here_message(*, sku, store, error: InsufficientStock) -> str:
    """ "Only 1 left here", and which nearby stores have it: the customer can get it there."""
    available = error.shortages[0]["available"] if error.shortages else 0
    item = " ".join(filter(None, [sku.product.name, sku.color, sku.size]))
    text = _("Only %(available)s of %(item)s left in this store; the line was not added.") % {
        "available": available,
        "item": item,
    }
    elsewhere = sku_availability_nearby(
        sku=sku,
        latitude=float(store.latitude),
        longitude=float(store.longitude),
        exclude_store=store,
        limit=3,
    )
    if elsewhere:
        text += " " + _(
            "Available at %(stores)s: she can order it there for pickup, or ask for a transfer."
        ) % {"stores": ", ".join(f"{row.store.name} ({row.available})" for row in elsewhere)}
    return text


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
                except InsufficientStock as error:
                    messages.error(
                        request, _not_here_message(sku=sku, store=cart.store, error=error)
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
    # Stock is not held by a cart: a line can run short after it was added (the customer's
    # payment would then fail), so the clerk sees which ones to remove or lower.
    [here] = basket_availability_across_stores(stores=[cart.store], basket=in_cart)
    for line in lines:
        line.short_by = here.short_lines.get(line.sku_id, 0)
        line.available_here = max(here.available.get(line.sku_id, 0), 0)
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
            # No QR while a line is short: her payment would only fail on it.
            "qr": qr_svg(link) if lines and not cart.claimed_order_id and here.covers_all else "",
            "short": not here.covers_all,
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
