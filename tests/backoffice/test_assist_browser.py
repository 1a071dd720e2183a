"""On the clerk's phone: a cart line that ran short is flagged and removed with one tap."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from inventory.services import stock_adjust
from orders.services.assisted import assisted_cart_create, assisted_cart_line_set
from tests.backoffice.test_orders_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US"}


def test_the_clerk_removes_a_short_line_with_one_tap(shop, page, screenshot):
    cart = assisted_cart_create(staff=shop.clerk, note="王女士")
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=2)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_l, quantity=1)
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=-3, reason="sale")
    log_in(page, "sh01-c1")

    page.goto(page.base_url + reverse("orders_backoffice:assist_cart", args=[cart.pk]))
    short_line = page.locator(f"#line-{shop.sku_m.pk}")
    expect(short_line.get_by_test_id("short-line")).to_contain_text("Only 0 left here")
    remove = short_line.get_by_role("button", name="Remove")
    box = remove.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    screenshot(page, "short-line")

    remove.click()

    expect(page.locator(f"#line-{shop.sku_m.pk}")).to_have_count(0)
    expect(page.locator(f"#line-{shop.sku_l.pk}")).to_be_visible()
    screenshot(page, "removed")
    assert [line.sku_id for line in cart.lines.all()] == [shop.sku_l.pk]
