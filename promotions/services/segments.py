"""Segments (rule-defined member groups, refreshed periodically) and pushes to them.

A push reaches each member of its segment at most once, never one who opted out, and never one
who already got `PROMOTION_PUSH_CAP` marketing messages in the last `PROMOTION_PUSH_CAP_DAYS`
days. The message goes through the members' notice path (in-app, and a WeChat template message
when WeChat is configured), the path of the new-arrival notices too: promotions registers the
same opt-out and cap as a gate on that path, so new arrivals respect them as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from catalog.models import Category
from members.models import Member, Notice
from members.services.arrivals import category_ancestor_ids
from members.services.notices import MARKETING_KINDS, notice_send
from orders.models import Order, OrderLine
from promotions.exceptions import CouponUnavailable
from promotions.models import (
    Coupon,
    CouponCampaign,
    Push,
    PushDelivery,
    PushOptOut,
    Segment,
    SegmentMember,
)
from promotions.services.coupons import coupon_issue

PAID_STATUSES = [
    Order.Status.PAID,
    Order.Status.READY,
    Order.Status.SHIPPED,
    Order.Status.COMPLETED,
]


def push_cap() -> tuple[int, timedelta]:
    return (
        getattr(settings, "PROMOTION_PUSH_CAP", 2),
        timedelta(days=getattr(settings, "PROMOTION_PUSH_CAP_DAYS", 7)),
    )


def segment_members_query(segment: Segment, *, now: datetime):
    """The members the segment's rules select now (active members only)."""
    members = Member.objects.filter(is_active=True)
    if segment.tiers:
        members = members.filter(tier__in=segment.tiers)
    tag_ids = list(segment.tags.values_list("pk", flat=True))
    if tag_ids:
        members = members.filter(tags__in=tag_ids)
    store_ids = list(segment.home_stores.values_list("pk", flat=True))
    if store_ids:
        members = members.filter(home_store_id__in=store_ids)
    if segment.purchased_within_days is not None:
        members = members.filter(
            last_purchase_at__gte=now - timedelta(days=segment.purchased_within_days)
        )
    if segment.lapsed_days is not None:
        members = members.filter(last_purchase_at__lt=now - timedelta(days=segment.lapsed_days))
    if segment.min_spend_12m is not None:
        spent = (
            Order.objects.filter(
                member=OuterRef("pk"),
                status__in=PAID_STATUSES,
                paid_at__gte=now - timedelta(days=365),
            )
            .values("member")
            .annotate(total=Sum("total_amount"))
            .values("total")
        )
        members = members.alias(spent=spent).filter(spent__gte=segment.min_spend_12m)
    if segment.category_bought_id:
        wanted = [
            category.pk
            for category in Category.objects.only("pk", "parent_id")
            if segment.category_bought_id in category_ancestor_ids(category.pk)
        ]
        bought = OrderLine.objects.filter(
            order__member=OuterRef("pk"),
            order__status__in=PAID_STATUSES,
            sku__product__category_id__in=wanted,
        )
        members = members.filter(Exists(bought))
    return members.distinct()


@transaction.atomic
def segment_refresh(*, segment: Segment, now: datetime | None = None) -> int:
    """Recompute who is in the segment: members who left it are removed, new ones added."""
    now = now or timezone.now()
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    wanted = set(segment_members_query(segment, now=now).values_list("pk", flat=True))
    current = set(SegmentMember.objects.filter(segment=segment).values_list("member_id", flat=True))
    SegmentMember.objects.filter(segment=segment, member_id__in=current - wanted).delete()
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, member_id=pk) for pk in sorted(wanted - current)],
        ignore_conflicts=True,
    )
    Segment.objects.filter(pk=segment.pk).update(member_count=len(wanted), refreshed_at=now)
    return len(wanted)


def segments_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: every segment, one transaction each."""
    return {
        segment.name: segment_refresh(segment=segment, now=now) for segment in Segment.objects.all()
    }


def campaign_run(*, campaign: CouponCampaign) -> dict[str, int]:
    """Issue the campaign's coupon to every member of its segment who has none from it yet.

    Safe to run again (the unique (campaign, member) constraint and the per-member limit);
    members at their limit are skipped; issuing stops when the template runs out.
    """
    issued = skipped = 0
    members = (
        Member.objects.filter(
            pk__in=SegmentMember.objects.filter(segment=campaign.segment).values("member_id")
        )
        .exclude(pk__in=Coupon.objects.filter(campaign=campaign).values("member_id"))
        .order_by("pk")
    )
    for member in members.iterator():
        try:
            with transaction.atomic():
                coupon_issue(
                    template=campaign.template,
                    member=member,
                    source=Coupon.Source.CAMPAIGN,
                    campaign=campaign,
                )
        except CouponUnavailable as refused:
            skipped += 1
            if refused.code in {
                CouponUnavailable.SOLD_OUT,
                CouponUnavailable.ENDED,
                CouponUnavailable.INACTIVE,
            }:
                break
        except IntegrityError:
            skipped += 1  # a concurrent run gave her this campaign's coupon
        else:
            issued += 1
    CouponCampaign.objects.filter(pk=campaign.pk).update(
        issued=Coupon.objects.filter(campaign=campaign).count(),
        skipped=skipped,
        run_at=timezone.now(),
    )
    return {"issued": issued, "skipped": skipped}


def push_opt_out_set(*, member: Member, opted_out: bool) -> None:
    """The member turns promotion messages off (or back on)."""
    if opted_out:
        PushOptOut.objects.get_or_create(member=member)
    else:
        PushOptOut.objects.filter(member=member).delete()


def push_refusal(member: Member, *, now: datetime | None = None) -> str:
    """Why a marketing message may not reach `member` now ("" when it may): she opted out, or
    she had `PROMOTION_PUSH_CAP` of them (pushes and new-arrival notices alike) in the period."""
    if PushOptOut.objects.filter(member=member).exists():
        return "opted_out"
    cap, period = push_cap()
    recent = Notice.objects.filter(
        member=member,
        kind__in=MARKETING_KINDS,
        created_at__gte=(now or timezone.now()) - period,
    ).count()
    return "capped" if recent >= cap else ""


def marketing_gate(member: Member, kind: str) -> bool:
    """The gate promotions registers on the members' notices (`marketing_gate_register`)."""
    return not push_refusal(member)


def _deliver(push: Push, member_id: int, now: datetime) -> str:
    with transaction.atomic():
        # Her row is locked while her recent messages are counted: two pushes sent at once
        # cannot both slip under her cap.
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            return "gone"
        if PushDelivery.objects.filter(push=push, member=member).exists():
            return "already"
        refusal = push_refusal(member, now=now)
        if refusal:
            return refusal
        PushDelivery.objects.create(push=push, member=member)
        notice_send(
            member=member,
            kind="promotion",
            title=push.title,
            body=push.body,
            url=push.url,
            dedupe_key=f"push:{push.pk}",
        )
        return "sent"


def push_send(*, push: Push, now: datetime | None = None) -> dict[str, int]:
    """Send `push` to its segment's members (each member in her own short transaction)."""
    now = now or timezone.now()
    counts = {"sent": 0, "capped": 0, "opted_out": 0, "already": 0, "gone": 0}
    member_ids = SegmentMember.objects.filter(segment=push.segment).order_by("member_id")
    for member_id in member_ids.values_list("member_id", flat=True).iterator():
        counts[_deliver(push, member_id, now)] += 1
    Push.objects.filter(pk=push.pk).update(
        sent=PushDelivery.objects.filter(push=push).count(),
        capped=counts["capped"],
        opted_out=counts["opted_out"],
        sent_at=now,
    )
    return counts
