"""The demo chain has a live flash sale its shoppers can buy, an event at sh01 and its own
prices at sh01 (千店千面); seeding again doubles nothing."""

import pytest
from django.core.management import call_command

from catalog import store_prices
from members.models import Member
from orders.models import Order
from promotions.demo import seed_promotions
from promotions.models import FlashSale, StoreEvent, StoreProduct
from promotions.services.flash import flash_buy
from stores.models import Store

pytestmark = pytest.mark.django_db


def test_the_demo_flash_sale_sells_and_sh01_has_its_own_price():
    call_command("seed_demo")
    assert seed_promotions() == {"flash_sales": 0, "events": 0, "store_products": 0}

    sale = FlashSale.objects.get()
    sh01 = Store.objects.get(code="sh01")
    order = flash_buy(
        sale=sale,
        store=sh01,
        member=Member.objects.order_by("pk").first(),
        fulfillment=Order.Fulfillment.SHIP,
        address={"address": "上海市静安区南京西路 1 号"},
    )
    assert (order.goods_amount, order.shipping_amount) == (100, 1500)  # 1 yuan + 15 shipping
    assert StoreEvent.objects.filter(store=sh01).count() == 1
    own = StoreProduct.objects.get(store=sh01)
    sku = own.product.skus.filter(is_active=True).first()
    assert store_prices.sku_price_at(sku, sh01) == own.price < own.product.base_price
