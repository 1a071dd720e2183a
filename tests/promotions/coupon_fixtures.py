"""Coupon templates for the coupon tests, on the order tests' small shop (sh01 with a manager
and a clerk, sh02, a dress at 599 yuan in stock at sh01 and the member 13900139000)."""

import secrets

import pytest

from promotions.models import CouponTemplate


def template_make(**fields) -> CouponTemplate:
    stores = fields.pop("stores", [])
    categories = fields.pop("categories", [])
    defaults = {
        "name": "满300减50",
        "kind": CouponTemplate.Kind.AMOUNT_OFF,
        "amount_off": 5000,
        "min_spend": 30000,
        "claimable": True,
        "claim_token": secrets.token_urlsafe(12),
        "per_member_limit": 1,
    }
    template = CouponTemplate.objects.create(**{**defaults, **fields})
    template.stores.set(stores)
    template.categories.set(categories)
    return template


@pytest.fixture
def template(db):
    return template_make()
