"""The desk scanner: one page, the phone's camera (WeChat's scanner inside WeChat) or a typed
code, and one endpoint that decides on the server what was read (`backoffice.recognisers`).

Opened from an assisted cart (`?cart=<id>`), item labels go into that cart; otherwise an order
QR verifies the pickup, a member card opens her page, an item label shows its stock.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import access_assisted_cart, check_assisted_cart, staff_required
from backoffice.forms import ScanForm
from backoffice.recognisers import ScanContext, ScanOutcome, problem, scan_dispatch
from o2o.parsing import whole_number
from o2o.security_headers import allows_wechat_jssdk


def _page(request, *, form, cart, outcome: ScanOutcome | None = None, status: int = 200):
    return TemplateResponse(
        request,
        "backoffice/scanner/page.html",
        {"form": form, "cart": cart, "outcome": outcome},
        status=status,
    )


@staff_required
@allows_wechat_jssdk  # inside WeChat the page scans with wx.scanQRCode
def scanner(request):
    """The scanner page; `?cart=<id>` scans items into the clerk's assisted cart."""
    cart_id = whole_number(request.GET.get("cart"), minimum=1)
    cart = access_assisted_cart(request.staff, cart_id) if cart_id is not None else None
    form = ScanForm(initial={"cart": cart.pk if cart else None})
    return _page(request, form=form, cart=cart)


@require_POST
@staff_required
def scan_resolve(request):
    """POST the raw text → the result partial (htmx), a redirect, or the page with the result."""
    form = ScanForm(request.POST)
    cart = None
    if form.is_valid():
        cart_id = form.cleaned_data["cart"]
        cart = check_assisted_cart(request.staff, cart_id) if cart_id else None
        outcome = scan_dispatch(
            ScanContext(request=request, staff=request.staff, cart=cart),
            form.cleaned_data["text"],
        )
    else:
        outcome = problem(_("Nothing readable was scanned or typed (at most 500 characters)."))
    is_htmx = bool(request.headers.get("HX-Request"))
    if outcome.redirect:
        if is_htmx:
            return HttpResponse(headers={"HX-Redirect": outcome.redirect})
        return redirect(outcome.redirect)
    if is_htmx:
        return TemplateResponse(
            request,
            "backoffice/scanner/result.html",
            {"outcome": outcome, "cart": cart},
            status=outcome.status,
        )
    form = ScanForm(initial={"cart": cart.pk if cart else None})
    return _page(request, form=form, cart=cart, outcome=outcome, status=outcome.status)
