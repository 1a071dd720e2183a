"""A small shop for order tests: a store with a manager and a clerk, a second store, stock; and
a town of stores around the shopper for choosing where to collect."""

import pytest
from django.contrib.auth import get_user_model

from catalog.models import SKU, Category, Product
from inventory.services import stock_adjust
from members.models import Member
from members.services.accounts import member_get_or_create_by_phone
from stores.models import Region, Staff, Store
from tests.orders.shopper_helpers import GPS, HERE, place_store


@pytest.fixture
def shop(db):
    region = Region.objects.create(code="sh", name="上海")
    users = get_user_model().objects

    def store(code, **extra):
        return Store.objects.create(
            code=code,
            name=f"{code} 店",
            region=region,
            city="上海",
            address="南京西路 1 号",
            latitude=31.23,
            longitude=121.45,
            phone="021-60000000",
            **extra,
        )

    main, other = store("sh01"), store("sh02")

    def staff(code, shop, role):
        return Staff.objects.create(
            user=users.create_user(code.lower(), password="pw"),
            store=shop,
            role=role,
            staff_code=code,
            display_name=f"店员 {code}",
        )

    category = Category.objects.create(name="女装", slug="women")
    product = Product.objects.create(
        code="dress", name="真丝连衣裙", category=category, base_price=59900
    )
    m = SKU.objects.create(product=product, code="dress-m", color="黑色", size="M")
    l_size = SKU.objects.create(product=product, code="dress-l", color="黑色", size="L")
    for sku in (m, l_size):
        stock_adjust(store=main, sku=sku, delta=3, reason="receipt")
    member, _ = member_get_or_create_by_phone(phone="13900139000")

    class Shop:
        pass

    shop = Shop()
    shop.store, shop.other_store = main, other
    shop.manager = staff("SH01-M", main, Staff.Role.MANAGER)
    shop.clerk = staff("SH01-C1", main, Staff.Role.CLERK)
    shop.other_clerk = staff("SH02-C1", other, Staff.Role.CLERK)
    shop.sku_m, shop.sku_l, shop.product = m, l_size, product
    shop.member = member
    return shop


@pytest.fixture
def town(shop):
    """Her usual store (sh01) has the dress but not the skirt; around it and around her:

    near-home  150 m from sh01, has everything
    near-her   110 m from her, has everything
    next-door   30 m from her, dress only
    decoy      on her raw GPS point (~500 m off): has everything; only a ranking that
               forgets the WGS-84 → GCJ-02 shift puts it first
    """
    skirt_product = Product.objects.create(
        code="skirt", name="百褶半身裙", category=shop.product.category, base_price=29900
    )
    shop.skirt = SKU.objects.create(product=skirt_product, code="skirt-s", color="", size="S")
    Member.objects.filter(pk=shop.member.pk).update(home_store=shop.store)
    shop.member.refresh_from_db()
    shop.near_home = place_store(shop, "near-home", 31.2313, 121.4505, sku_m=2, skirt=2)
    shop.near_her = place_store(shop, "near-her", HERE[0] + 0.001, HERE[1], sku_m=2, skirt=2)
    shop.next_door = place_store(shop, "next-door", HERE[0] + 0.0003, HERE[1], sku_m=2)
    shop.decoy = place_store(shop, "decoy", GPS[0], GPS[1], sku_m=2, skirt=2)
    return shop
