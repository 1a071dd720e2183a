"""Stores around the order tests' shop for the stock room: the second store 2 km away holding
the dress, a third 9 km away with fewer, HQ's warehouse (never offered to clerks), each with a
clerk. tests/backoffice/conftest.py makes `nearby` a fixture of every back-office test.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from inventory.services import stock_adjust
from stores.models import Staff, Store


def staff_make(code: str, store: Store, role: str = Staff.Role.CLERK) -> Staff:
    return Staff.objects.create(
        user=get_user_model().objects.create_user(code.lower(), password="pw"),
        store=store,
        role=role,
        staff_code=code,
        display_name=f"店员 {code}",
    )


@pytest.fixture
def nearby(shop):
    """Given sh01 (3 M, 3 L) at 31.23/121.45, sh02 2 km north with 4 M, sh03 9 km east with
    2 M, and the warehouse with 50 M; sh03 has its own clerk (sh03-c1)."""
    Store.objects.filter(pk=shop.other_store.pk).update(
        latitude=Decimal("31.248000"), longitude=Decimal("121.450000"), name="静安寺店"
    )
    shop.other_store.refresh_from_db()
    shop.third_store = Store.objects.create(
        code="sh03",
        name="陆家嘴店",
        region=shop.store.region,
        city="上海",
        district="浦东新区",
        address="世纪大道 8 号",
        latitude=Decimal("31.230000"),
        longitude=Decimal("121.545000"),
    )
    shop.warehouse = Store.objects.create(
        code="wh",
        name="总仓",
        kind=Store.Kind.WAREHOUSE,
        region=shop.store.region,
        city="上海",
        address="仓库路 1 号",
        latitude=Decimal("31.231000"),
        longitude=Decimal("121.451000"),
    )
    shop.third_clerk = staff_make("SH03-C1", shop.third_store)
    for store, units in [(shop.other_store, 4), (shop.third_store, 2), (shop.warehouse, 50)]:
        stock_adjust(store=store, sku=shop.sku_m, delta=units, reason="receipt")
    return shop
