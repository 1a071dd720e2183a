"""Promotions: one module per concept:

- `coupons`: CouponTemplate, CouponCampaign, Coupon, CouponRedemption, CouponEvent;
- `segments`: Segment, SegmentMember, Push, PushDelivery, PushOptOut;
- `flash`: FlashSale, FlashStoreQuota, FlashQuotaBucket, FlashClaim, FlashClaimEvent;
- `events`: StoreEvent, EventBooking, EventBookingEvent;
- `storefront`: RepriceRule, StoreProduct.

Only `promotions.services` writes these tables.
"""

from promotions.models.coupons import (
    Coupon,
    CouponCampaign,
    CouponEvent,
    CouponRedemption,
    CouponTemplate,
)
from promotions.models.events import EventBooking, EventBookingEvent, StoreEvent
from promotions.models.flash import (
    FlashClaim,
    FlashClaimEvent,
    FlashQuotaBucket,
    FlashSale,
    FlashStoreQuota,
)
from promotions.models.segments import Push, PushDelivery, PushOptOut, Segment, SegmentMember
from promotions.models.storefront import RepriceRule, StoreProduct

__all__ = [
    "Coupon",
    "CouponCampaign",
    "CouponEvent",
    "CouponRedemption",
    "CouponTemplate",
    "EventBooking",
    "EventBookingEvent",
    "FlashClaim",
    "FlashClaimEvent",
    "FlashQuotaBucket",
    "FlashSale",
    "FlashStoreQuota",
    "Push",
    "PushDelivery",
    "PushOptOut",
    "RepriceRule",
    "Segment",
    "SegmentMember",
    "StoreEvent",
    "StoreProduct",
]
