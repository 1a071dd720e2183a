"""Members: one shopper everywhere (WeChat H5, store counter, POS), with her points, tier, home
store, bound clerk and referrer (DESIGN §4 "Attribution", "Points and tiers", "Follow-up tasks").
One module per concept:

- `member`: Member, MemberTag, BindingChange, ReferralChange, Favorite, ShareVisit;
- `loyalty`: LoyaltyPolicy, PointsEntry, ClerkPointsEntry, Subscription, Gift, GiftRedemption,
  FollowUpTask;
- `notices`: Notice, WeChatEvent;
- `address`: Address (saved delivery addresses).

Only `members.services` writes these tables.
"""

from members.models.address import Address
from members.models.loyalty import (
    ClerkPointsEntry,
    FollowUpTask,
    Gift,
    GiftRedemption,
    LoyaltyPolicy,
    PointsEntry,
    Subscription,
)
from members.models.member import (
    BindingChange,
    Favorite,
    Member,
    MemberTag,
    ReferralChange,
    ShareVisit,
)
from members.models.notices import Notice, WeChatEvent

__all__ = [
    "Address",
    "BindingChange",
    "ClerkPointsEntry",
    "Favorite",
    "FollowUpTask",
    "Gift",
    "GiftRedemption",
    "LoyaltyPolicy",
    "Member",
    "MemberTag",
    "Notice",
    "PointsEntry",
    "ReferralChange",
    "ShareVisit",
    "Subscription",
    "WeChatEvent",
]
