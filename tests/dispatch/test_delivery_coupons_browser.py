"""A shopper on her phone (390×844) chooses a coupon at the delivery checkout: the coupon row
appears, the free delivery she had turns into the fee once the goods drop below the threshold,
the total follows at once, and the order is placed and paid at that amount."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from promotions.models import Coupon
from promotions.services.coupons import coupon_claim
from tests.dispatch.conftest import JING_AN
from tests.orders.shopper_helpers import log_in_by_cookie
from tests.promotions.coupon_fixtures import template_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coupon_at_the_delivery_checkout_brings_back_the_fee(page, screenshot, city, settings):
    settings.WECHAT_PAY_SANDBOX = True
    city.stock(city.near, city.dress_m, 2)
    member = city.member()
    cart_line_add(cart=cart_get_or_create(member=member), sku=city.dress_m, quantity=1)
    coupon = coupon_claim(
        claim_token=template_make(name="满199减20", amount_off=2000, min_spend=19900).claim_token,
        member=member,
    )
    log_in_by_cookie(page, member)

    page.goto(f"/delivery/checkout/?lat={JING_AN[0]:.6f}&lng={JING_AN[1]:.6f}&coords=gcj02")
    expect(page.get_by_test_id("delivery-fee")).to_have_text("Free")  # ¥199 of goods
    expect(page.get_by_test_id("delivery-total")).to_have_text("¥199.00")
    choice = page.locator(f'input[name=coupon][value="{coupon.code}"]')
    expect(choice).to_be_enabled()
    choice.check()

    expect(page.locator("[data-coupon-discount]")).to_have_text("-¥20.00")
    expect(page.get_by_test_id("delivery-fee")).to_have_text("¥8.00")
    expect(page.get_by_test_id("delivery-total")).to_have_text("¥187.00")
    page.fill("input[name=name]", "李女士")
    page.fill("input[name=phone]", "13900000001")
    page.fill("input[name=address]", "南京西路 1 号 2 室")
    page.locator(".od-coupons").scroll_into_view_if_needed()
    screenshot(page, "1-coupon-chosen")

    page.get_by_test_id("place-delivery").click()
    expect(page).to_have_url(re.compile(r"/pay/sandbox/"))
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("paid-mark")).to_be_visible()
    order = Order.objects.get()
    assert (order.status, order.total_amount) == (Order.Status.PAID, 18700)
    assert (order.discount_amount, order.shipping_amount) == (2000, 800)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED
    page.goto(f"/orders/{order.number}/receipt/")
    expect(page.locator("body")).to_contain_text("-¥20.00")
    screenshot(page, "2-receipt")
