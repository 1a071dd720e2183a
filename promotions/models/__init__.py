"""Promotions' models, one module per concept (coupons, flash sales, events, storefront prices,
segments); this package re-exports them so `from promotions.models import X` works."""

from promotions.models.coupons import (
    Coupon,
    CouponCampaign,
    CouponEvent,
    CouponRedemption,
    CouponTemplate,
)
from promotions.models.segments import Push, PushDelivery, PushOptOut, Segment, SegmentMember

__all__ = [
    "Coupon",
    "CouponCampaign",
    "CouponEvent",
    "CouponRedemption",
    "CouponTemplate",
    "Push",
    "PushDelivery",
    "PushOptOut",
    "Segment",
    "SegmentMember",
]
