"""Binding links (what clerks' and stores' H5 QR codes encode), members' invitation links, and
their QR images."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from catalog.models import Product
from members.auth import current_member
from members.binding_links import (
    CLERK,
    STORE,
    binding_link_apply,
    binding_target_get,
    pending_binding_remember,
)
from members.models import Member, ReferralChange
from members.services.sharing import share_visit_record
from o2o.qr import qr_image_make


def _unknown(request, kind: str):
    return render(request, "members/binding_unknown.html", {"kind": kind}, status=404)


def _product_url(request) -> str | None:
    """The product a clerk's share poster points at (`?p=<product code>`), if it is on sale."""
    code = request.GET.get("p", "")
    if not code or not Product.objects.filter(code=code[:64], is_active=True).exists():
        return None
    try:
        return reverse("catalog:product", args=[code])
    except NoReverseMatch:
        return None


def _follow(request, kind: str, code: str):
    target = binding_target_get(kind=kind, code=code)
    if target is None:
        return _unknown(request, kind)
    member = current_member(request)
    product_url = _product_url(request)
    if member:
        messages.success(request, binding_link_apply(member=member, target=target))
        return redirect(product_url or reverse("catalog:home"))
    # Not logged in yet: keep the touch for after the login, so the clerk who brought her in
    # still gets her (and a new member records that she joined through this QR code). A
    # product poster shows the product first; the login comes when she orders.
    pending_binding_remember(request.session, target)
    if product_url:
        return redirect(product_url)
    return redirect(reverse("members:login") + "?" + urlencode({"next": reverse("catalog:home")}))


@require_GET
def clerk_link(request, staff_code):
    return _follow(request, CLERK, staff_code)


@require_GET
def store_link(request, code):
    return _follow(request, STORE, code)


@require_GET
def invite_link(request, code):
    """A member's invitation link (her QR): whoever joins through it has her as referrer.

    Joining earns the inviter nothing (only purchases earn commission); the visit is recorded
    like a share link's.
    """
    if not request.session.session_key:
        request.session.save()
    sharer = share_visit_record(
        session=request.session,
        referral_code=code,
        visitor=current_member(request),
        reason=ReferralChange.Reason.INVITATION,
    )
    if sharer is None:
        return _unknown(request, "invite")
    if current_member(request):
        return redirect("catalog:home")
    return redirect(reverse("members:login") + "?" + urlencode({"next": reverse("catalog:home")}))


def _png(link: str, name: str) -> HttpResponse:
    # The image depends only on the code and SITE_URL, so browsers and proxies may keep it a day
    # (a 404 is not cached: a clerk or member added a minute later must get her QR).
    response = HttpResponse(content_type="image/png")
    qr_image_make(link, box_size=8, border=2).save(response, format="PNG")
    response["Content-Disposition"] = f'inline; filename="{name}.png"'
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


@require_GET
def invite_qr_png(request, code):
    if not Member.objects.filter(referral_code=code[:16], is_active=True).exists():
        return HttpResponse(status=404, content_type="text/plain")
    return _png(settings.SITE_URL + reverse("binding:invite", args=[code]), f"qr-invite-{code}")


def _qr_png(request, kind: str, code: str):
    target = binding_target_get(kind=kind, code=code)
    if target is None:
        return HttpResponse(status=404, content_type="text/plain")
    url_name = "binding:clerk" if kind == CLERK else "binding:store"
    return _png(settings.SITE_URL + reverse(url_name, args=[code]), f"qr-{kind}-{code}")


@require_GET
def clerk_qr_png(request, staff_code):
    return _qr_png(request, CLERK, staff_code)


@require_GET
def store_qr_png(request, code):
    return _qr_png(request, STORE, code)
