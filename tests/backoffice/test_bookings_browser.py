"""On the clerk's phone at a try-in-store visit: the big button sells what she booked; closing a
booking with nothing kept asks first."""

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.backoffice.test_orders_browser import log_in
from tests.orders.placing import booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US"}


def test_the_big_button_sells_what_she_booked(shop, page, screenshot):
    booked = booking(shop)  # 1 × M, 2 × L
    log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/orders/appointments/")
    card = page.locator(f"#booking-{booked.number}")
    expect(card.locator("input[type=number]").first).to_have_value("1")
    expect(card.locator("input[type=number]").last).to_have_value("2")
    screenshot(page, "appointments")

    card.get_by_role("button", name="Check out what she keeps").click()

    sale = Order.objects.exclude(pk=booked.pk).get()
    expect(page.locator(".ob-pay")).to_contain_text("¥1,797.00")
    assert sale.lines.count() == 2


def test_keeping_nothing_is_confirmed_before_the_booking_closes(shop, page, screenshot):
    booked = booking(shop)
    log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/orders/appointments/")
    card = page.locator(f"#booking-{booked.number}")
    for field in card.locator("input[type=number]").all():
        field.fill("0")
    card.get_by_role("button", name="Check out what she keeps").click()

    expect(page.get_by_test_id("confirm-nothing")).to_contain_text("She keeps nothing?")
    screenshot(page, "confirm")
    booked.refresh_from_db()
    assert booked.status == Order.Status.BOOKED
    page.get_by_role("link", name="No, go back").click()
    expect(page.locator(f"#booking-{booked.number}")).to_be_visible()

    for field in page.locator(f"#booking-{booked.number} input[type=number]").all():
        field.fill("0")
    page.get_by_role("button", name="Check out what she keeps").click()
    page.get_by_role("button", name="Yes, close the booking").click()

    expect(page.locator(".messages")).to_contain_text("kept nothing")
    booked.refresh_from_db()
    assert booked.status == Order.Status.CANCELLED
