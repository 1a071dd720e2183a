"""千店千面: a store's own price within HQ's limits and its own range, resolved in one place
for the product and category pages, the store page and checkout."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from catalog import store_prices
from catalog.models import Product
from catalog.scanning import COOKIE_NAME, scanned_store_get, scanned_store_remember
from orders.services.checkout import InvalidCheckout, Line
from promotions.exceptions import RepriceNotAllowed
from promotions.models import RepriceRule, StoreProduct
from promotions.services.storefront import store_product_set
from tests.orders.placing import F, place
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def repriceable(shop):
    """HQ lets stores take the dress (599.00) down by up to 20% or up by 5%."""
    RepriceRule.objects.create(product=shop.product, max_discount_bp=2000, max_markup_bp=500)
    return shop


def test_a_store_price_within_the_rule_holds_at_that_store_only(repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)

    assert store_prices.sku_price_at(shop.sku_m, shop.store) == 49900
    assert store_prices.sku_price_at(shop.sku_m, shop.other_store) == 59900
    assert store_prices.sku_price_at(shop.sku_m, None) == 59900


def test_prices_outside_hqs_limits_are_refused(repriceable):
    shop = repriceable
    for price in (47919, 62896, 0, -5, 1.5, True, "499"):
        with pytest.raises(RepriceNotAllowed):
            store_product_set(store=shop.store, product=shop.product, price=price)
    other = Product.objects.create(
        code="scarf", name="丝巾", category=shop.product.category, base_price=19900
    )
    with pytest.raises(RepriceNotAllowed):  # no rule: HQ keeps the chain price
        store_product_set(store=shop.store, product=other, price=18900)
    assert StoreProduct.objects.count() == 0


def test_hq_tightening_the_rule_brings_the_store_back_to_the_chain_price(repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)
    RepriceRule.objects.filter(product=shop.product).update(max_discount_bp=1000)

    assert store_prices.sku_price_at(shop.sku_m, shop.store) == 59900


def test_checkout_charges_the_stores_price(repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)

    order = place(shop, F.PICKUP, lines=[Line(shop.sku_m, 2)])

    assert order.goods_amount == 99800
    assert order.lines.get().unit_price == 49900


def test_a_product_the_store_does_not_show_is_not_sold_there(repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, is_listed=False)

    with pytest.raises(InvalidCheckout):
        place(shop, F.PICKUP, lines=[Line(shop.sku_m, 1)])
    offered = store_prices.products_offered_at(Product.objects.all(), shop.store)
    assert list(offered) == []
    assert list(store_prices.products_offered_at(Product.objects.all(), shop.other_store)) == [
        shop.product
    ]


def test_the_product_and_category_pages_show_the_scanned_stores_price_and_range(
    client, repriceable
):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)
    hidden = Product.objects.create(
        code="coat", name="羊毛大衣", category=shop.product.category, base_price=99900
    )
    hidden.skus.create(code="coat-m", color="灰色", size="M")
    store_product_set(store=shop.store, product=hidden, is_listed=False)

    assert "¥599.00" in client.get("/p/dress/?sku=dress-m").content.decode()
    assert "羊毛大衣" in client.get("/c/women/").content.decode()
    client.get(f"/q/dress-m?s={shop.store.code}")  # scanning the shelf label in sh01

    assert "¥499.00" in client.get("/p/dress/?sku=dress-m").content.decode()
    assert "羊毛大衣" not in client.get("/c/women/").content.decode()


def test_the_store_page_shows_its_range_at_its_prices(client, repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)

    page = client.get(f"/stores/{shop.store.code}/").content.decode()
    other = client.get(f"/stores/{shop.other_store.code}/").content.decode()

    assert "¥499.00" in page and "¥599.00" not in page
    assert "¥599.00" in other
    # Its tiles open the product at the store's price (shown, not remembered as scanned).
    assert f"/p/dress/?store={shop.store.code}" in page
    product = client.get(f"/p/dress/?sku=dress-m&store={shop.store.code}").content.decode()
    assert "¥499.00" in product and "Price at sh01 店" in product
    assert "scanned_store" not in client.session
    for code in ["nope", "..", "a" * 80, "wh"]:
        assert "¥599.00" in client.get(f"/p/dress/?sku=dress-m&store={code}").content.decode()
    assert client.get("/p/dress/?sku=dress-m&store=%00").status_code == 400


def test_checkout_page_shows_the_chosen_stores_price(client, repriceable):
    shop = repriceable
    store_product_set(store=shop.store, product=shop.product, price=49900)
    from orders.services.cart import cart_get_or_create, cart_line_add

    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)
    shop.member.home_store = shop.store
    shop.member.save(update_fields=["home_store"])

    page = client.get(f"/checkout/?store={shop.store.pk}").content.decode()

    assert "¥499.00" in page


def test_hostile_store_codes_answer_404(client, shop):
    for code in ["nope", "a" * 65, "%00", "..", "%E5%BA%97", "wh"]:
        assert 400 <= client.get(f"/stores/{code}/").status_code < 500, code
    # The store finder's own page keeps its address.
    assert client.get("/stores/nearby/").status_code < 500


def test_scanned_store_remember_is_what_the_pages_use(rf, shop):
    # The resolver reads the store the shopper scanned in: the scanning helpers are the contract
    # (a signed cookie set with the landing's response).
    response = HttpResponse()
    scanned_store_remember(response, shop.store)
    request = rf.get("/")
    request.COOKIES = {COOKIE_NAME: response.cookies[COOKIE_NAME].value}
    request.session = {}
    assert scanned_store_get(request) == shop.store


def test_a_store_price_change_shows_at_once_on_the_cached_product_page(client, repriceable):
    shop = repriceable
    url = f"/p/dress/?sku=dress-m&store={shop.store.code}"
    assert "¥599.00" in client.get(url).content.decode()

    store_product_set(store=shop.store, product=shop.product, price=49900)
    assert "¥499.00" in client.get(url).content.decode()

    RepriceRule.objects.filter(product=shop.product).delete()
    assert "¥599.00" in client.get(url).content.decode()
