"""Dispatch services: routing, offers with deadlines, the sweep (DESIGN §4 "Routing")."""

from dispatch.services.offers import (
    dispatch_assign,
    dispatch_cancel,
    dispatch_offer_accept,
    dispatch_offer_decline,
    dispatch_offer_make,
)
from dispatch.services.routing import dispatch_route
from dispatch.services.sweep import dispatch_offers_expire

__all__ = [
    "dispatch_assign",
    "dispatch_cancel",
    "dispatch_offer_accept",
    "dispatch_offer_decline",
    "dispatch_offer_make",
    "dispatch_offers_expire",
    "dispatch_route",
]
