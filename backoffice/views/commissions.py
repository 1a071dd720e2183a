"""Store back office for commissions: the clerk's earnings and withdrawals, her bound customers'
orders with what each earned her, and a share poster for any product carrying her code (a
customer who scans it is bound to her and sees the product)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from catalog.models import Product
from catalog.selectors import code_is_plausible, product_tiles
from commissions import selectors
from commissions.forms import WithdrawalRequestForm
from commissions.messages import commission_error_message
from commissions.models import Withdrawal
from commissions.presenters import earnings_context
from commissions.services.wallets import wallet_for
from commissions.services.withdrawals import (
    withdrawal_accepted,
    withdrawal_cancel,
    withdrawal_request,
)
from o2o.errors import DomainError
from o2o.qr import qr_data_uri

BACKOFFICE_URLS = {
    "withdraw": "commissions_backoffice:withdraw",
    "cancel": "commissions_backoffice:withdrawal_cancel",
    "accept": "commissions_backoffice:withdrawal_accept",
}
POSTER_SEARCH_RESULTS = 20


@staff_required
def earnings(request):
    """My commission: the wallet's figures from the ledger, each entry, withdrawals."""
    wallet = selectors.wallet_of(staff=request.staff)
    return TemplateResponse(
        request,
        "backoffice/commissions/earnings.html",
        earnings_context(wallet, urls=BACKOFFICE_URLS),
    )


def _own_withdrawal(staff, pk: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.filter(pk=pk, wallet__staff=staff).first()
    if withdrawal is None:
        raise Http404
    return withdrawal


@require_POST
@staff_required
def withdraw(request):
    form = WithdrawalRequestForm(request.POST)
    if form.is_valid():
        try:
            withdrawal_request(
                wallet=wallet_for(staff=request.staff),
                real_name=form.cleaned_data["real_name"],
                actor=request.user,
            )
            messages.success(
                request, _("Withdrawal requested. HQ reviews it within 2 working days.")
            )
        except DomainError as error:
            messages.error(request, commission_error_message(error))
    return redirect("commissions_backoffice:earnings")


@require_POST
@staff_required
def withdrawal_cancel_view(request, pk: int):
    try:
        withdrawal_cancel(
            withdrawal=_own_withdrawal(request.staff, pk),
            actor_label=request.staff.display_name,
        )
        messages.success(request, _("Withdrawal cancelled; the money is available again."))
    except DomainError as error:
        messages.error(request, commission_error_message(error))
    return redirect("commissions_backoffice:earnings")


@require_POST
@staff_required
def withdrawal_accept_view(request, pk: int):
    withdrawal = withdrawal_accepted(withdrawal=_own_withdrawal(request.staff, pk))
    if withdrawal.status == Withdrawal.Status.PAID:
        messages.success(request, _("The money is in your WeChat balance."))
    else:
        messages.info(request, _("WeChat has not confirmed the transfer yet."))
    return redirect("commissions_backoffice:earnings")


@staff_required
def customers(request):
    """Orders of the customers bound to me, and my commission on each."""
    return TemplateResponse(
        request,
        "backoffice/commissions/customers.html",
        {"rows": selectors.clerk_customer_orders(request.staff)},
    )


def poster_link(staff, product: Product) -> str:
    """What the poster's QR encodes: her binding link, opening the product."""
    path = reverse("binding:clerk", args=[staff.staff_code])
    return f"{settings.SITE_URL}{path}?{urlencode({'p': product.code})}"


@staff_required
def poster(request):
    """Pick a product (search by name or code), get its poster with my QR code."""
    query = (request.GET.get("q") or "").strip()[:64]
    code = request.GET.get("product", "")
    product = None
    if code:
        if not code_is_plausible(code):
            raise Http404
        product = product_tiles(Product.objects.filter(code=code)).first()
        if product is None:
            raise Http404
    results = []
    if query and product is None:
        results = list(
            product_tiles(Product.objects.filter(name__icontains=query))[:POSTER_SEARCH_RESULTS]
        ) or list(product_tiles(Product.objects.filter(code__iexact=query))[:1])
    context = {"query": query, "results": results, "product": product}
    if product is not None:
        link = poster_link(request.staff, product)
        context.update({"link": link, "qr": qr_data_uri(link), "media_url": settings.MEDIA_URL})
    return TemplateResponse(request, "backoffice/commissions/poster.html", context)
