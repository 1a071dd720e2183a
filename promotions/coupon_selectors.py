"""Reads of coupons used by the shopper pages, the back office and the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, Sum

from catalog import store_prices
from promotions.exceptions import CouponNotValid, CouponUsed
from promotions.models import Coupon, CouponRedemption, CouponTemplate, PushOptOut
from promotions.services.coupon_redemption import (
    CouponQuote,
    coupon_check,
    coupon_quote_lines,
    gift_check,
)


def member_coupons(member, *, now: datetime) -> tuple[list[Coupon], list[Coupon]]:
    """Her coupons: (usable now or soon, used or expired), newest first, 100 of each at most."""
    coupons = Coupon.objects.filter(member=member).select_related("template__gift_sku__product")
    usable_filter = Q(status=Coupon.Status.AVAILABLE) & (
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    usable = list(coupons.filter(usable_filter).order_by("valid_until", "-id")[:100])
    past = list(coupons.exclude(usable_filter).exclude(status=Coupon.Status.VOID)[:100])
    for coupon in past:
        coupon.expired = coupon.status == Coupon.Status.AVAILABLE
    return usable, past


def claimable_templates(member, *, now: datetime, limit: int = 10) -> list[CouponTemplate]:
    """Coupons she may still claim: claimable, active, not ended or sold out, below her limit."""
    # As coupon_issue counts: a reward for sharing does not use up her own claim.
    held = (
        Coupon.objects.filter(member=member)
        .exclude(status=Coupon.Status.VOID)
        .exclude(source=Coupon.Source.SHARE_REWARD)
    )
    templates = (
        CouponTemplate.objects.filter(claimable=True, is_active=True)
        .select_related("gift_sku__product")
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .filter(Q(total_limit__isnull=True) | Q(issued_count__lt=F("total_limit")))
        .annotate(held=Count("coupons", filter=Q(coupons__in=held)))
        .filter(held__lt=F("per_member_limit"))
        .order_by("-created_at")
    )
    return list(templates[:limit])


def member_coupon_get(member, code: str) -> Coupon | None:
    return Coupon.objects.select_related("template").filter(member=member, code=code).first()


def member_pushes_allowed(member) -> bool:
    return not PushOptOut.objects.filter(member=member).exists()


@dataclass
class CouponChoice:
    coupon: Coupon
    discount: int
    reason: str  # the CouponNotValid code when the coupon does not fit this cart and store
    reason_text: str = ""


def checkout_coupon_choices(*, member, lines, store, now: datetime) -> list[CouponChoice]:
    """Her coupons that could go on a cart of `lines` (CartLine) at `store`, best first; those
    that do not fit say why (expired ones are not listed at all)."""
    usable, _past = member_coupons(member, now=now)
    # The store's own prices (千店千面) where it sets them, as checkout charges.
    prices = store_prices.sku_prices_at([line.sku for line in lines], store) if store else {}
    choices = []
    for coupon in usable:
        reason = ""
        quote = CouponQuote(coupon=coupon, eligible_amount=0, discount=0)
        try:
            if store is not None:
                coupon_check(coupon=coupon, store=store, channel="online", now=now)
        except (CouponNotValid, CouponUsed) as refused:
            reason = refused.code
        else:
            quote = coupon_quote_lines(
                coupon=coupon,
                lines=[
                    (line.sku.product.category_id, amount, amount)
                    for line in lines
                    for amount in [prices.get(line.sku.pk, line.sku.price) * line.quantity]
                ],
            )
            if quote.eligible_amount == 0:
                reason = CouponNotValid.NO_ELIGIBLE_ITEMS
            elif quote.eligible_amount < coupon.template.min_spend:
                reason = CouponNotValid.BELOW_MIN_SPEND
            elif coupon.template.kind == CouponTemplate.Kind.GIFT_ITEM and store is not None:
                gift_id = coupon.template.gift_sku_id
                try:
                    gift_check(
                        template=coupon.template,
                        store=store,
                        already=sum(line.quantity for line in lines if line.sku_id == gift_id),
                    )
                except CouponNotValid as refused:
                    reason = refused.code
        choices.append(CouponChoice(coupon=coupon, discount=quote.discount, reason=reason))
    choices.sort(key=lambda choice: (bool(choice.reason), -choice.discount))
    return choices


def coupon_template_counters(template_ids) -> dict[int, dict]:
    """Live counters per template: issued and used (redemptions not given back)."""
    rows = (
        CouponTemplate.objects.filter(pk__in=list(template_ids))
        .annotate(
            used=Count(
                "coupons__redemptions",
                filter=Q(coupons__redemptions__reversed_at__isnull=True),
            )
        )
        .values("pk", "issued_count", "used")
    )
    return {row["pk"]: {"issued": row["issued_count"], "used": row["used"]} for row in rows}


def redemption_report(*, since: datetime | None = None, store=None) -> list[dict]:
    """Issued / used / discount and gifts' value and who bears them, per template (HQ's and a
    store's settlement: hq_cost + store_cost = discount + gift_value)."""
    redemptions = CouponRedemption.objects.filter(reversed_at__isnull=True)
    if since is not None:
        redemptions = redemptions.filter(created_at__gte=since)
    if store is not None:
        redemptions = redemptions.filter(store=store)
    rows = (
        redemptions.values("coupon__template_id", "coupon__template__name")
        .annotate(
            used=Count("pk"),
            discount=Sum("discount"),
            gift_value=Sum("gift_value"),
            hq_cost=Sum("hq_cost"),
            store_cost=Sum("store_cost"),
        )
        .order_by("coupon__template__name")
    )
    issued = dict(CouponTemplate.objects.values_list("pk", "issued_count"))
    return [
        {
            "template": row["coupon__template__name"],
            "issued": issued.get(row["coupon__template_id"], 0),
            "used": row["used"],
            "discount": row["discount"] or 0,
            "gift_value": row["gift_value"] or 0,
            "hq_cost": row["hq_cost"] or 0,
            "store_cost": row["store_cost"] or 0,
        }
        for row in rows
    ]
