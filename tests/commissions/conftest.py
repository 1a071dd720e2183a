"""A referral chain in the order tests' small shop: A referred B, B referred C (the shop's
member, the buyer), C is bound to the shop's clerk K; HQ's default rule pays the clerk 5 %,
level 1 3 %, level 2 2 %, level 3 1 %."""

import pytest

from catalog.models import SKU
from commissions.models import CommissionRule
from inventory.services import stock_adjust
from members.services.accounts import member_get_or_create_by_phone
from members.services.binding import member_touch
from members.services.referrals import member_referrer_set
from tests.orders.conftest import shop  # noqa: F401

DEFAULT_RATES = {"clerk_rate_bp": 500, "level1_rate_bp": 300, "level2_rate_bp": 200}


def member(phone, **fields):
    created, _new = member_get_or_create_by_phone(phone=phone, **fields)
    return created


@pytest.fixture
def chain(shop):  # noqa: F811 - the imported fixture
    shop.a = member("13700000001", nickname="Alice")
    shop.b = member("13700000002", nickname="Bella")
    shop.c = shop.member
    shop.z = member("13700000009", nickname="Zoe")  # A's referrer: level 3, never paid by default
    member_referrer_set(member=shop.a, referrer=shop.z)
    member_referrer_set(member=shop.b, referrer=shop.a)
    member_referrer_set(member=shop.c, referrer=shop.b)
    member_touch(member=shop.c, clerk=shop.clerk, source="test")
    for sku in SKU.objects.all():
        stock_adjust(store=shop.store, sku=sku, delta=20, reason="receipt")
    shop.default_rule = CommissionRule.objects.create(
        scope=CommissionRule.Scope.DEFAULT, level3_rate_bp=100, **DEFAULT_RATES
    )
    for m in (shop.a, shop.b, shop.c, shop.z):
        m.refresh_from_db()
    return shop
