"""Checkout and the cart icon in a phone browser: the preselected store can serve every line
(the shopper's GPS position ranks the stores), the page says why, the first submit goes
through; the cart icon shows its count on the product page."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.shopper_helpers import GPS, log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    """The shopper has allowed this site her location before (so the page asks no question)."""
    return {
        "geolocation": {"latitude": GPS[0], "longitude": GPS[1]},
        "permissions": ["geolocation"],
    }


def test_checkout_preselects_the_nearest_store_with_every_item_and_the_first_submit_succeeds(
    page, screenshot, town, settings
):
    settings.DEMO_MODE = True
    settings.WECHAT_PAY_SANDBOX = True
    cart = cart_get_or_create(member=town.member)
    cart_line_add(cart=cart, sku=town.sku_m, quantity=1)
    cart_line_add(cart=cart, sku=town.skirt, quantity=1)
    log_in_by_cookie(page, town.member)

    page.goto("/checkout/")

    # The page sends her GPS fix (WGS-84); the server ranks stores on the GCJ-02 map.
    expect(page).to_have_url(re.compile(r"coords=wgs84"))
    why = page.get_by_test_id("store-why")
    expect(why).to_contain_text("Your usual store sh01 店 does not have every item.")
    expect(why).to_contain_text("near-her 店 is the nearest store to you with every item.")
    expect(page.locator(f'input[name=store][value="{town.near_her.pk}"]')).to_be_checked()
    screenshot(page, "1-preselected")

    # Her usual store lacks the skirt; the page names the nearest store that has it.
    page.locator(f'input[name=store][value="{town.store.pk}"]').check()
    home_row = page.locator(".od-stores > li").filter(has_text="sh01 店")
    expect(home_row).to_contain_text("Not enough here: 百褶半身裙")
    expect(home_row).to_contain_text("Nearest store with it: near-her 店")
    screenshot(page, "2-usual-store-lacks-the-skirt")
    home_row.get_by_role("button", name="Choose this store").click()
    expect(page.locator(f'input[name=store][value="{town.near_her.pk}"]')).to_be_checked()

    page.get_by_test_id("place-order").click()

    expect(page).to_have_url(re.compile(r"/pay/sandbox/"))
    screenshot(page, "3-pay")
    order = Order.objects.get()
    assert order.fulfilling_store == town.near_her and order.fulfillment == "pickup"


def test_cart_icon_count_shows_on_the_product_page_after_adding(page, screenshot, shop):
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_l, quantity=2)
    log_in_by_cookie(page, shop.member)

    page.goto(f"/p/{shop.product.code}/?sku={shop.sku_m.code}")
    count = page.get_by_test_id("cart-count")
    expect(count).to_have_text("2")  # fetched once, nothing was counted in this session yet
    page.get_by_test_id("add-to-cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))

    page.goto(f"/p/{shop.product.code}/?sku={shop.sku_m.code}")

    expect(count).to_have_text("3")
    expect(page.get_by_test_id("cart-icon")).to_have_attribute("href", "/cart/")
    screenshot(page, "product-with-cart-count")
    page.get_by_test_id("cart-icon").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator(".od-cart-line")).to_have_count(2)
