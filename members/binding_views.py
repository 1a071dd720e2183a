"""Binding links (what clerks' and stores' H5 QR codes encode) and their QR images."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from members.auth import current_member
from members.binding_links import (
    CLERK,
    STORE,
    binding_link_apply,
    binding_target_get,
    pending_binding_remember,
)
from o2o.qr import qr_image_make


def _unknown(request, kind: str):
    return render(request, "members/binding_unknown.html", {"kind": kind}, status=404)


def _follow(request, kind: str, code: str):
    target = binding_target_get(kind=kind, code=code)
    if target is None:
        return _unknown(request, kind)
    member = current_member(request)
    if member:
        messages.success(request, binding_link_apply(member=member, target=target))
        return redirect("catalog:home")
    # Not logged in yet: keep the touch for after the login, so the clerk who brought her in
    # still gets her (and a new member records that she joined through this QR code).
    pending_binding_remember(request.session, target)
    return redirect(reverse("members:login") + "?" + urlencode({"next": reverse("catalog:home")}))


@require_GET
def clerk_link(request, staff_code):
    return _follow(request, CLERK, staff_code)


@require_GET
def store_link(request, code):
    return _follow(request, STORE, code)


def _qr_png(request, kind: str, code: str):
    target = binding_target_get(kind=kind, code=code)
    if target is None:
        return HttpResponse(status=404, content_type="text/plain")
    url_name = "binding:clerk" if kind == CLERK else "binding:store"
    link = settings.SITE_URL + reverse(url_name, args=[code])
    response = HttpResponse(content_type="image/png")
    qr_image_make(link, box_size=8, border=2).save(response, format="PNG")
    response["Content-Disposition"] = f'inline; filename="qr-{kind}-{code}.png"'
    # The image depends only on the code and SITE_URL, so browsers and proxies may keep it a day
    # (a 404 is not cached: a clerk added a minute later must get her QR).
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


@require_GET
def clerk_qr_png(request, staff_code):
    return _qr_png(request, CLERK, staff_code)


@require_GET
def store_qr_png(request, code):
    return _qr_png(request, STORE, code)
