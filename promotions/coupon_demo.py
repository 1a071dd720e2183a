"""Demo coupons: an HQ coupon every demo member holds and anyone can claim (so a first-time
shopper sees one on "My coupons"), a new-member gift every member who joins from now on gets, a
store coupon of sh01 for its till, a segment of loyal customers with a campaign and a push.
Through the same services as real ones; idempotent."""

from __future__ import annotations

from django.db import transaction

from members.models import Member
from promotions.models import Coupon, CouponCampaign, CouponTemplate, Push, Segment
from promotions.services.coupons import coupon_issue
from promotions.services.segments import segment_refresh
from stores.models import Store

WELCOME = "全场满300减50"
STORE_COUPON = "南京西路店 满200减30"
NEW_MEMBER_GIFT = "新人礼 满99减10"


@transaction.atomic
def seed_coupons() -> dict:
    if CouponTemplate.objects.filter(name=WELCOME).exists():
        return {"templates_created": 0, "coupons_issued": 0}
    welcome = CouponTemplate.objects.create(
        name=WELCOME,
        description="HQ 新客礼券：线上下单或到店出示均可使用。",
        kind=CouponTemplate.Kind.AMOUNT_OFF,
        amount_off=5000,
        min_spend=30000,
        valid_days=30,
        per_member_limit=1,
        total_limit=10000,
        bearer=CouponTemplate.Bearer.SPLIT,
        hq_share_bp=5000,
        restore_on_refund=True,
        claimable=True,
        claim_token="welcome-demo",
    )
    CouponTemplate.objects.create(
        name=NEW_MEMBER_GIFT,
        description="新会员注册即得，线上线下通用。",
        kind=CouponTemplate.Kind.AMOUNT_OFF,
        amount_off=1000,
        min_spend=9900,
        valid_days=30,
        per_member_limit=1,
        new_member_gift=True,
    )
    sh01 = Store.objects.filter(code="sh01").first()
    store_coupon = CouponTemplate.objects.create(
        name=STORE_COUPON,
        kind=CouponTemplate.Kind.AMOUNT_OFF,
        amount_off=3000,
        min_spend=20000,
        valid_days=14,
        per_member_limit=1,
        channel=CouponTemplate.Channel.IN_STORE,
        bearer=CouponTemplate.Bearer.STORE,
        issuer_store=sh01,
        claimable=True,
    )
    if sh01:
        store_coupon.stores.set([sh01])
    issued = 0
    for member in Member.objects.filter(is_active=True).order_by("pk")[:20]:
        coupon_issue(template=welcome, member=member, source=Coupon.Source.HQ)
        issued += 1
    loyal = Segment.objects.create(name="忠实顾客", tiers=["loyal", "advocate"])
    segment_refresh(segment=loyal)
    CouponCampaign.objects.create(template=store_coupon, segment=loyal)
    Push.objects.create(
        segment=loyal,
        title="本周末会员专享",
        body="忠实顾客到店出示会员码，满200减30。",
        url="/m/coupons/",
    )
    return {"templates_created": 3, "coupons_issued": issued}
