"""Admin registrations live beside each concept's models; this module imports them."""

from promotions import coupons_admin, segments_admin  # noqa: F401
