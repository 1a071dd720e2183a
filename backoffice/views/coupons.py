"""The coupon desk (核销): a clerk scans or types a shopper's coupon, sees whether it can be used
here, and uses it on the sale at the till; she can also hand a coupon to one of her customers.
A manager (and HQ) reads the store's coupon figures: issued, used, and who bears the cost."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import MANAGERS_AND_HQ, access_member, members_presented, staff_required
from backoffice.forms import CouponGiveForm, CouponRedeemForm, StoreCouponForm
from backoffice.responses import forbidden
from o2o.errors import DomainError
from promotions.coupon_selectors import coupon_template_counters, redemption_report
from promotions.exceptions import CouponNotValid, CouponUsed, coupon_error_text
from promotions.models import Coupon, CouponRedemption, CouponTemplate
from promotions.services.coupon_redemption import coupon_check, coupon_redeem_at_store
from promotions.services.coupons import (
    coupon_code_normalise,
    coupon_give,
    store_coupon_template_create,
)
from stores.models import Staff

COUNTER_ROLES = [Staff.Role.CLERK, Staff.Role.MANAGER, Staff.Role.HQ]


def _giveable_templates(staff: Staff):
    """HQ's and the store's own active templates, newest first."""
    return CouponTemplate.objects.filter(is_active=True).filter(
        Q(issuer_store__isnull=True) | Q(issuer_store_id=staff.store_id)
    )


def _desk_url(code: str = "") -> str:
    url = reverse("coupons_backoffice:desk")
    return f"{url}?code={code}" if code else url


@staff_required(roles=COUNTER_ROLES)
def desk(request):
    """The coupon read from `?code=` (the scanner sends it here): what it is, whose, and
    whether it can be used at this store now; the form to use it on a sale."""
    staff = request.staff
    code = coupon_code_normalise(request.GET.get("code"))
    coupon = refusal = None
    if code:
        coupon = (
            Coupon.objects.select_related("template__gift_sku__product", "member")
            .prefetch_related("template__stores")
            .filter(code=code)
            .first()
        )
        if coupon is None:
            refusal = coupon_error_text("coupon_not_found")
        else:
            try:
                coupon_check(
                    coupon=coupon, store=staff.store, channel="in_store", now=timezone.now()
                )
            except (CouponNotValid, CouponUsed) as refused:
                refusal = str(refused)
    elif request.GET.get("code"):
        refusal = coupon_error_text("coupon_not_found")
    form = CouponRedeemForm(initial={"code": code, "reference": f"TILL-{uuid.uuid4().hex}"})
    recent = list(
        CouponRedemption.objects.filter(store_id=staff.store_id, reversed_at__isnull=True)
        .select_related("coupon__template", "coupon__member")
        .order_by("-created_at")[:20]
    )
    return TemplateResponse(
        request,
        "backoffice/coupons/desk.html",
        {
            "code": code,
            "coupon": coupon,
            "refusal": refusal,
            "form": form,
            "recent": recent,
            "give_form": CouponGiveForm(),
            "templates": list(_giveable_templates(staff)[:50]),
        },
    )


@require_POST
@staff_required(roles=COUNTER_ROLES)
def redeem(request):
    """Use the coupon on the sale; a resent form (same reference) redeems once."""
    form = CouponRedeemForm(request.POST)
    code = coupon_code_normalise(request.POST.get("code"))
    if not form.is_valid():
        messages.error(request, _("Enter the coupon code and the sale amount."))
        return redirect(_desk_url(code))
    try:
        redemption, created = coupon_redeem_at_store(
            code=form.cleaned_data["code"],
            store=request.staff.store,
            sale_amount=form.cleaned_data["sale_amount"],
            reference=form.cleaned_data["reference"],
            staff=request.staff,
        )
    except DomainError as refused:
        messages.error(request, str(refused))
        return redirect(_desk_url(code))
    if redemption.gift_sku_id:
        sku = redemption.gift_sku
        messages.success(
            request,
            _("Coupon used: hand over the gift %(item)s (%(sku)s) with the sale.")
            % {"item": f"{sku.product.name} {sku.color} {sku.size}".strip(), "sku": sku.code},
        )
        return redirect(_desk_url())
    messages.success(
        request,
        _("Coupon used: take %(discount)s off the sale.")
        % {"discount": f"¥{redemption.discount / 100:.2f}"},
    )
    return redirect(_desk_url())


@require_POST
@staff_required(roles=COUNTER_ROLES)
def give(request):
    """Hand one of the store's (or HQ's) coupons to a customer of the store."""
    form = CouponGiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a customer and a coupon."))
        return redirect(_desk_url())
    member = access_member(
        request.staff, form.cleaned_data["member_code"], presented=members_presented(request)
    )
    template = (
        _giveable_templates(request.staff).filter(pk=form.cleaned_data["coupon_template"]).first()
    )
    if template is None:
        messages.error(request, _("Choose a coupon."))
        return redirect(_desk_url())
    try:
        coupon_give(template=template, member=member, staff=request.staff)
    except DomainError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(member)s got the coupon %(coupon)s.")
            % {"member": member.display_name, "coupon": template.name},
        )
    return redirect(_desk_url())


@staff_required(roles=MANAGERS_AND_HQ)
def report(request):
    """The store's coupons: the last 30 days' uses, discount and who bears it; the store's own
    coupons with their counters and claim links; a form for the manager to add one."""
    staff = request.staff
    since = timezone.now() - timedelta(days=30)
    rows = redemption_report(since=since, store=staff.store)
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("used", "discount", "gift_value", "hq_cost", "store_cost")
    }
    own = list(CouponTemplate.objects.filter(issuer_store_id=staff.store_id)[:50])
    counters = coupon_template_counters(template.pk for template in own)
    for template in own:
        template.used = counters.get(template.pk, {}).get("used", 0)
    form = StoreCouponForm(request.POST or None, initial={"valid_days": 14, "channel": "in_store"})
    if request.method == "POST":
        if staff.role != Staff.Role.MANAGER:
            return forbidden(request, _("Only the store's manager adds store coupons."))
        if form.is_valid():
            template = store_coupon_template_create(staff=staff, **form.cleaned_data)
            messages.success(request, _("Store coupon %(name)s added.") % {"name": template.name})
            return redirect("coupons_backoffice:report")
    return TemplateResponse(
        request,
        "backoffice/coupons/report.html",
        {"rows": rows, "totals": totals, "own": own, "form": form},
        status=400 if form.errors else 200,
    )
