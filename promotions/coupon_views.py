"""Shopper pages of coupons: her coupons (each with the QR the till scans), the claim page of a
shared claim link, and the coupon choice fragment the checkout page loads. Thin: parse, check,
call one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.auth import current_member, member_required
from members.services.sharing import share_visit_record
from o2o.parsing import whole_number
from o2o.qr import qr_svg
from orders import selectors as order_selectors
from orders.services.cart import cart_for_shopper
from promotions import coupon_selectors
from promotions.exceptions import CouponShareInvalid, CouponUnavailable, coupon_error_text
from promotions.services.coupons import (
    coupon_claim,
    coupon_claim_shared,
    coupon_code_normalise,
    coupon_sharer_get,
    coupon_template_claimable,
)
from promotions.services.segments import push_opt_out_set
from stores.models import Store
from stores.selectors import shopper_visible_stores


@never_cache
@require_GET
@member_required
def my_coupons(request):
    member = current_member(request)
    now = timezone.now()
    usable, past = coupon_selectors.member_coupons(member, now=now)
    return render(
        request,
        "promotions/my_coupons.html",
        {
            "to_claim": coupon_selectors.claimable_templates(member, now=now),
            "usable": usable,
            "past": past,
            "pushes_allowed": coupon_selectors.member_pushes_allowed(member),
        },
    )


@never_cache
@require_GET
@member_required
def coupon_detail(request, code: str):
    """One coupon, big, with the QR and the code the clerk scans or types at the till."""
    coupon = coupon_selectors.member_coupon_get(
        current_member(request), coupon_code_normalise(code)
    )
    if coupon is None:
        raise Http404
    return render(
        request,
        "promotions/coupon_detail.html",
        {
            "coupon": coupon,
            "qr": qr_svg(coupon.code),
            "now": timezone.now(),
            "share_url": _share_url(coupon.template, coupon.member)
            if coupon.template.claimable and coupon.template.is_active
            else "",
        },
    )


def _share_url(template, member) -> str:
    """Her share link of a claimable coupon: the claim link with her referral code."""
    path = reverse("promotions:claim", args=[template.claim_token])
    return f"{settings.SITE_URL}{path}?{urlencode({'r': member.referral_code})}"


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, token: str):
    """领券: the page a claim link opens; claiming needs a member (login comes back here).

    A link a member shared carries her referral code (?r=): the friend's coupon names her, she
    may earn one too (the template's `reward_sharer`), and the visit counts as a share (the
    sharer may become the friend's referrer, as with a product link). An unknown code is said
    plainly and changes nothing; the coupon can still be claimed without it."""
    template = coupon_template_claimable(token)
    if template is None:
        error = _("This coupon link is not valid, or the offer ended.")
        return render(request, "promotions/claim.html", {"error": error}, status=404)
    member = current_member(request)
    referral_code = (request.GET.get("r") or "").strip()[:16]
    sharer = coupon_sharer_get(referral_code) if referral_code else None
    share_error = coupon_error_text(CouponShareInvalid.code) if referral_code and not sharer else ""
    status = 200
    if request.method == "GET" and sharer is not None:
        if not request.session.session_key:
            request.session.save()
        share_visit_record(session=request.session, referral_code=referral_code, visitor=member)
    if request.method == "POST":
        if member is None:
            login = reverse("members:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        try:
            if referral_code:
                coupon, _reward = coupon_claim_shared(
                    claim_token=token, member=member, referral_code=referral_code
                )
            else:
                coupon = coupon_claim(claim_token=token, member=member)
        except (CouponUnavailable, CouponShareInvalid) as refused:
            messages.error(request, coupon_error_text(refused))
            status = 400 if isinstance(refused, CouponShareInvalid) else 200
        else:
            messages.success(
                request, _("The coupon is yours. Use it at checkout or show it at the till.")
            )
            return redirect("promotions:coupon", code=coupon.code)
    context = {
        "template": template,
        "member": member,
        "sharer": sharer if sharer is not None and sharer != member else None,
        "share_error": share_error,
        "share_url": _share_url(template, member) if member is not None else "",
    }
    return render(request, "promotions/claim.html", context, status=status)


@never_cache
@require_GET
@member_required
def checkout_choice(request):
    """htmx fragment of the pickup and delivery checkouts: her coupons for this cart at the
    chosen (or routed) store."""
    member = current_member(request)
    store_id = whole_number(request.GET.get("store"), minimum=1)
    # A delivery may be routed to HQ's warehouse (a parcel), which shoppers never pick.
    stores = shopper_visible_stores()
    if request.GET.get("delivery") == "1":
        stores = Store.objects.filter(is_active=True)
    store = stores.filter(pk=store_id).first() if store_id else None
    cart = cart_for_shopper(session=request.session, member=member)
    choices = coupon_selectors.checkout_coupon_choices(
        member=member, lines=order_selectors.cart_lines(cart), store=store, now=timezone.now()
    )
    chosen = coupon_code_normalise(request.GET.get("chosen"))
    for choice in choices:
        choice.reason_text = coupon_error_text(choice.reason) if choice.reason else ""
    return render(
        request,
        "promotions/_checkout_choice.html",
        {"choices": choices, "chosen": chosen, "store": store},
    )


@require_POST
@member_required
def push_preference(request):
    """Promotion messages on or off (every push has this opt-out)."""
    opted_out = request.POST.get("allow") != "1"
    push_opt_out_set(member=current_member(request), opted_out=opted_out)
    if opted_out:
        messages.success(request, _("You will not get promotion messages any more."))
    else:
        messages.success(request, _("You will get promotion messages again."))
    return redirect("promotions:my_coupons")
