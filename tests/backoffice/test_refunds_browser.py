"""On the manager's phone: a refund shows what will be refunded, and only the confirmation
moves the money."""

import pytest
from playwright.sync_api import expect

from orders.models import Refund
from orders.services.checkout import Line
from orders.services.fulfilment import order_hand_over
from tests.backoffice.test_orders_browser import log_in, pay
from tests.orders.placing import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US"}


def test_the_manager_reviews_then_confirms_a_refund(shop, page, screenshot):
    order = pay(place(shop, lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)]))
    order_hand_over(order=order, staff=shop.clerk)
    line_m = order.lines.get(sku=shop.sku_m)
    log_in(page, "sh01-m")
    page.goto(f"{page.base_url}/staff/orders/{order.number}/")

    page.fill(f"#id_line-{line_m.pk}", "1")
    page.fill("#id_reason", "too small")
    page.get_by_role("button", name="Review the refund").click()

    confirm = page.get_by_test_id("refund-confirm")
    expect(confirm).to_contain_text("Refund ¥599.00?")
    expect(page.get_by_test_id("refund-total")).to_have_text("¥599.00")
    screenshot(page, "confirm")
    assert not Refund.objects.exists()

    page.get_by_role("button", name="Refund ¥599.00 now").click()

    expect(page.locator(".messages")).to_contain_text("done")
    assert Refund.objects.get().amount == 59900
    screenshot(page, "done")
