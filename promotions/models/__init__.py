"""Promotions' models, one module per concept (coupons, flash sales, events, storefront prices,
segments); this package re-exports them so `from promotions.models import X` works."""
