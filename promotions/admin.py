"""Admin registrations live beside each concept's models; this module imports them."""

from promotions import (  # noqa: F401
    coupons_admin,
    event_admin,
    flash_admin,
    segments_admin,
    storefront_admin,
)
