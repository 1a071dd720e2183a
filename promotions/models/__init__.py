"""Promotions: one module per concept (coupons beside these):

- `flash`: FlashSale, FlashStoreQuota, FlashQuotaBucket, FlashClaim, FlashClaimEvent;
- `events`: StoreEvent, EventBooking, EventBookingEvent;
- `storefront`: RepriceRule, StoreProduct.

Only `promotions.services` writes these tables.
"""

from promotions.models.events import EventBooking, EventBookingEvent, StoreEvent
from promotions.models.flash import (
    FlashClaim,
    FlashClaimEvent,
    FlashQuotaBucket,
    FlashSale,
    FlashStoreQuota,
)
from promotions.models.storefront import RepriceRule, StoreProduct

__all__ = [
    "EventBooking",
    "EventBookingEvent",
    "FlashClaim",
    "FlashClaimEvent",
    "FlashQuotaBucket",
    "FlashSale",
    "FlashStoreQuota",
    "RepriceRule",
    "StoreEvent",
    "StoreProduct",
]
