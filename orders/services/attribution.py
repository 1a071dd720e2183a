"""Who gets the sale (DESIGN §4 "Attribution"), computed at placement and frozen on the order."""

from __future__ import annotations


def credited_clerk_for(*, member, assisting=None):
    """The member's bound clerk if active; else the clerk who assisted (cart, QR referral)."""
    if member is not None and member.bound_clerk_id:
        clerk = member.bound_clerk
        if clerk.is_active:
            return clerk
    if assisting is not None and assisting.is_active:
        return assisting
    return None


def credited_store_for(*, member, fulfilling_store, channel: str):
    """The store of an in-store sale; online, the home store if set, else the fulfilling one."""
    from orders.models import Order

    if channel in {Order.Channel.IN_STORE, Order.Channel.POS}:
        return fulfilling_store
    if member is not None and member.home_store_id:
        return member.home_store
    return fulfilling_store
