"""The store's answer to a delivery offer (网订店送), from the Today board: accept, or decline
with a reason. The board lists the offers (the `offers` section of backoffice.views.today);
these two actions call dispatch's services and come back to the board with a message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import access_store_offer, staff_required
from backoffice.responses import domain_error_message, redirect_back
from dispatch.services import dispatch_offer_accept, dispatch_offer_decline
from inventory.exceptions import InsufficientStock
from o2o.errors import DomainError

DECLINE_REASON_MAX = 200


def _offer_act(request, pk: int, action, *, success: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    offer = access_store_offer(request.staff, pk)
    try:
        action(offer)
    except InsufficientStock:
        # Its hold lapsed and the goods were sold meanwhile: the store cannot take it now.
        messages.error(
            request,
            _(
                "The store no longer has every item of this order in stock: decline it, so it "
                "goes to the next store."
            ),
        )
    except DomainError as error:
        # Not only dispatch's refusals: accepting also moves stock and the order's status.
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, success % {"number": offer.order.number})
    return redirect_back(request, reverse("backoffice:home"))


@staff_required
def offer_accept(request, pk):
    return _offer_act(
        request,
        pk,
        lambda offer: dispatch_offer_accept(offer=offer, staff=request.staff),
        success=_("Delivery order %(number)s accepted: it is yours to pack and deliver."),
    )


@staff_required
def offer_decline(request, pk):
    reason = (request.POST.get("reason") or "").strip()[:DECLINE_REASON_MAX]
    return _offer_act(
        request,
        pk,
        lambda offer: dispatch_offer_decline(offer=offer, staff=request.staff, reason=reason),
        success=_("Delivery order %(number)s declined: it goes to the next store."),
    )
