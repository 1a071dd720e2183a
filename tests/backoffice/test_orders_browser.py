"""On the clerk's phone: mark a pickup ready and verify its code; a no-show releasing its stock;
a newly paid in-store order appearing in the queue without a reload, then handed over."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from inventory.models import StockLevel
from o2o import wechat_pay
from orders.models import Order
from orders.services.checkout import Line, order_place, try_in_store_grace
from orders.services.expiry import orders_expire
from orders.services.payment import payment_notification_handle, payment_start
from tests.orders.placing import next_opening_slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
F = Order.Fulfillment


@pytest.fixture
def browser_context_options():
    # Assertions read the English strings; the zh-hans catalogue comes later.
    return {"locale": "en-US"}


def pay(order):
    payment = payment_start(order=order).payment
    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.out_trade_no,
        amount=order.total_amount,
        transaction_id=f"TX{order.number}",
    )
    assert payment_notification_handle(body=body) is True
    order.refresh_from_db()
    return order


def log_in(page, username):
    page.goto(f"{page.base_url}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.locator(".bo-login button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/staff/")


def reserved(shop, sku):
    return StockLevel.objects.get(store=shop.store, sku=sku).reserved


def test_pickup_marked_ready_then_verified_by_code(shop, page, screenshot):
    order = pay(
        order_place(
            member=shop.member,
            lines=[Line(shop.sku_l, 1)],
            fulfillment=F.PICKUP,
            store=shop.store,
        )
    )
    log_in(page, "sh01-c1")
    screenshot(page, "home")

    page.goto(f"{page.base_url}/staff/orders/")
    card = page.locator(f"#order-{order.number}")
    expect(card).to_contain_text("真丝连衣裙")
    screenshot(page, "queue")
    card.get_by_role("button", name="Packed: mark ready").click()
    expect(page.locator(".messages")).to_contain_text("ready for pickup")
    expect(page.locator(f"#order-{order.number}")).to_contain_text("Waiting for the shopper")

    page.goto(f"{page.base_url}/staff/orders/verify/")
    screenshot(page, "verify")
    page.fill("#id_code", order.pickup_code)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.locator(".ob-verified")).to_contain_text("Verified")
    expect(page.locator(".ob-verified")).to_contain_text("真丝连衣裙")
    screenshot(page, "verified")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED

    page.fill("#id_code", order.pickup_code)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.locator(".ob-error")).to_contain_text("Already collected")
    screenshot(page, "already-collected")


def test_try_in_store_no_show_releases_the_stock(shop, page, screenshot):
    appointment = next_opening_slot(shop.store)
    swept = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 2)],
        fulfillment=F.TRY_IN_STORE,
        store=shop.store,
        appointment_at=appointment,
    )
    assert (reserved(shop, shop.sku_m), reserved(shop, shop.sku_l)) == (1, 2)
    log_in(page, "sh01-m")
    page.goto(f"{page.base_url}/staff/orders/appointments/")
    expect(page.locator(f"#booking-{swept.number}")).to_contain_text("真丝连衣裙")
    expect(page.locator(".ob-pick")).to_contain_text("真丝连衣裙")
    screenshot(page, "appointments")

    moved = orders_expire(now=appointment + try_in_store_grace() + timedelta(minutes=1))

    assert moved["no_show"] == 1
    page.reload()
    expect(page.locator(f"#booking-{swept.number}")).to_have_count(0)
    assert (reserved(shop, shop.sku_m), reserved(shop, shop.sku_l)) == (0, 0)
    swept.refresh_from_db()
    assert swept.status == Order.Status.NO_SHOW

    # The manager's button does the same for a booking whose time has just passed.
    late = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 2)],
        fulfillment=F.TRY_IN_STORE,
        store=shop.store,
        appointment_at=appointment,
    )
    Order.objects.filter(pk=late.pk).update(appointment_at=late.appointment_at - timedelta(days=2))
    assert reserved(shop, shop.sku_m) == 2
    page.reload()
    booking = page.locator(f"#booking-{late.number}")
    expect(booking).to_contain_text("has passed")
    screenshot(page, "late-booking")
    booking.get_by_role("button", name="Mark no-show").click()
    expect(page.locator(".messages")).to_contain_text("no-show")
    expect(page.locator(f"#booking-{late.number}")).to_have_count(0)
    assert reserved(shop, shop.sku_m) == 0
    screenshot(page, "after-no-show")


def test_queue_shows_a_newly_paid_order_without_reload_and_hands_it_over(shop, page, screenshot):
    log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/orders/")
    expect(page.locator("[data-ob-count]")).to_have_text("0")
    page.get_by_role("button", name="Sound on").click()
    screenshot(page, "empty-queue")

    order = pay(
        order_place(
            member=shop.member,
            lines=[Line(shop.sku_m, 2)],
            fulfillment=F.IN_STORE,
            store=shop.store,
            channel=Order.Channel.IN_STORE,
        )
    )

    card = page.locator(f"#order-{order.number}")
    expect(card).to_be_visible(timeout=12_000)  # the list polls every 5 s
    expect(page.locator("[data-ob-count]")).to_have_text("1")
    assert page.title().startswith("(1)")
    screenshot(page, "new-order")
    card.get_by_role("button", name="Hand over").click()
    expect(page.locator(".messages")).to_contain_text("handed over")
    expect(page.locator(f"#order-{order.number}")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    screenshot(page, "handed-over")


def test_visit_checkout_shows_the_pay_qr_and_a_clerk_builds_a_cart(shop, page, screenshot):
    booked = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)],
        fulfillment=F.TRY_IN_STORE,
        store=shop.store,
        appointment_at=next_opening_slot(shop.store),
    )
    returned = booked.lines.get(sku=shop.sku_m)
    log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/orders/appointments/")
    page.fill(f"#id_line-{returned.pk}", "0")  # she keeps the L only
    page.get_by_role("button", name="Check out what she keeps").click()
    sale = Order.objects.exclude(pk=booked.pk).get()
    expect(page.locator(".ob-pay")).to_contain_text("¥599.00")
    assert page.locator(".ob-pay input").input_value().endswith(f"/orders/{sale.number}/pay/")
    assert page.locator(".ob-qr svg").count() == 1
    screenshot(page, "pay-qr")

    page.goto(f"{page.base_url}/staff/orders/assist/")
    page.fill("#id_note", "王女士")
    page.get_by_role("button", name="New cart").click()
    page.fill("input[name=q]", "连衣裙")
    page.get_by_role("button", name="Search").click()
    page.locator(".ob-results li").first.get_by_role("button", name="Add").click()
    expect(page.locator(".ob-qr svg")).to_have_count(1)
    assert "/cart/shared/" in page.locator("[data-ob-copy]").input_value()
    screenshot(page, "assisted-cart")
