"""扫码购 in a real browser: scan a shelf label, log in with the phone, buy here, pay in the
sandbox (the page posts the signed notification to /wechat/pay/notify), see the paid mark; the
clerk sees the order in the hand-over queue and hands it over."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order, Payment
from tests.orders.shopper_helpers import log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scan_buy_here_pay_in_sandbox_and_show_the_paid_mark(page, screenshot, shop, settings):
    settings.DEMO_MODE = True
    settings.WECHAT_PAY_SANDBOX = True

    page.goto(f"/q/{shop.sku_m.code}?s={shop.store.code}")
    buy = page.get_by_test_id("buy-here")
    expect(buy).to_be_visible()
    screenshot(page, "1-product")
    buy.click()

    # Not logged in yet: the phone login (demo mode shows the code), then back to the product.
    expect(page).to_have_url(re.compile(r"/m/login/"))
    page.locator("input[name=phone]").fill(shop.member.phone)
    page.locator("form.mb-login-form button[type=submit]").click()
    code = page.locator("#demo-code").inner_text().strip()
    page.locator("input[name=code]").fill(code)
    page.locator("form.mb-login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/p/dress/"))

    page.get_by_test_id("buy-here").click()
    expect(page).to_have_url(re.compile(r"/pay/sandbox/\d+/"))
    expect(page.get_by_test_id("sandbox")).to_contain_text("SANDBOX")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("¥599.00")
    screenshot(page, "2-sandbox")

    page.get_by_test_id("sandbox-pay").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/receipt/"))
    expect(page.get_by_test_id("paid-mark")).to_be_visible()
    screenshot(page, "3-receipt")

    order = Order.objects.get()
    assert (order.status, order.channel, order.fulfillment) == ("paid", "in_store", "in_store")
    assert order.fulfilling_store == shop.store and order.member == shop.member
    assert Payment.objects.get().status == "paid"
    expect(page.get_by_test_id("order-number")).to_have_text(order.number)

    # At the door, on the clerk's phone: the paid order is in the store's hand-over queue.
    clerk_phone = page.context.browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        base_url=page.base_url,
    )
    try:
        clerk = clerk_phone.new_page()
        clerk.goto("/staff/login/")
        clerk.fill("input[name=username]", shop.clerk.user.username)
        clerk.fill("input[name=password]", "pw")
        clerk.locator(".bo-login button[type=submit]").click()
        clerk.goto("/staff/orders/")
        card = clerk.locator(f"#order-{order.number}")
        expect(card).to_be_visible()
        screenshot(clerk, "4-clerk-queue")
        card.get_by_role("button", name="Hand over").click()
        expect(clerk.locator(".messages")).to_contain_text("handed over")
    finally:
        clerk_phone.close()
    order.refresh_from_db()
    shop.member.refresh_from_db()
    assert order.status == "completed"
    assert shop.member.points_balance == 599  # points are earned when the order completes


def test_checkout_try_in_store_books_a_slot(page, screenshot, shop):
    from orders.services.cart import cart_get_or_create, cart_line_add

    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=2)
    log_in_by_cookie(page, shop.member)

    page.goto("/cart/")
    screenshot(page, "1-cart")
    page.get_by_test_id("checkout").click()
    expect(page.get_by_text("All in stock")).to_be_visible()
    screenshot(page, "2-checkout-pickup")

    page.get_by_text("Try in store", exact=True).click()
    slots = page.get_by_test_id("slots")
    expect(slots).to_be_visible()
    slots.locator("label.od-slot").nth(3).click()
    screenshot(page, "3-checkout-try")
    page.get_by_test_id("place-order").click()

    expect(page.get_by_test_id("order-status")).to_have_text("Booked to try")
    screenshot(page, "4-booked")
    order = Order.objects.get()
    assert order.status == "booked" and order.appointment_at is not None
