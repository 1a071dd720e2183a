"""Admin registrations live beside each concept's models; this module imports them."""

from promotions import event_admin, flash_admin, storefront_admin  # noqa: F401
