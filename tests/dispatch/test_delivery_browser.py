"""Delivery in a phone browser (390×844): the shopper shares her location (the browser's GPS fix,
WGS-84), sees who delivers and when, places and pays in the sandbox; the store accepts, packs and
sends a courier, who hands the order over at the door with one line sent back; the shopper's
order page shows each step."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from dispatch.models import Delivery, DispatchOffer
from dispatch.services import dispatch_offer_accept
from dispatch.services.delivery import delivery_refund
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from orders.services.refunds import refund_execute
from tests.dispatch.conftest import JING_AN
from tests.orders.shopper_helpers import log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Her phone's GPS fix (WGS-84); shifted to GCJ-02 it lands in Jing'an, 150 m from the near store.
GPS_WGS84 = (31.230872, 121.443394)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def browser_context_options():
    return {
        "geolocation": {"latitude": GPS_WGS84[0], "longitude": GPS_WGS84[1]},
        "permissions": ["geolocation"],
    }


def staff_page(page, staff):
    """A second phone, logged in as `staff` (a session made by Django's test client)."""
    client = Client()
    client.force_login(staff.user)
    from django.conf import settings

    context = page.context.browser.new_context(
        base_url=page.base_url, locale="en-US", device_scale_factor=2, **PHONE
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": page.base_url,
            }
        ]
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def test_shopper_orders_delivery_store_delivers_with_one_line_returned(
    page, screenshot, city, settings
):
    settings.WECHAT_PAY_SANDBOX = True
    cheap = city.sku("sock-s", price=9900)
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, 2)
        city.stock(store, cheap, 2)
    member = city.member()
    cart = cart_get_or_create(member=member)
    cart_line_add(cart=cart, sku=city.dress_m, quantity=1)
    cart_line_add(cart=cart, sku=cheap, quantity=1)
    log_in_by_cookie(page, member)

    # Checkout: she shares her location; the page shows who delivers, when, and the fee.
    page.goto("/delivery/checkout/")
    page.get_by_test_id("locate").click()
    expect(page).to_have_url(re.compile(r"coords=wgs84"))
    expect(page.get_by_test_id("delivery-promise")).to_contain_text("Delivered within 1 hour")
    expect(page.get_by_test_id("delivery-quote")).to_contain_text("near 店")
    expect(page.get_by_test_id("delivery-fee")).to_have_text("Free")  # ¥298 of goods
    page.fill("input[name=name]", "李女士")
    page.fill("input[name=phone]", "13900000001")
    page.fill("input[name=address]", "南京西路 1 号 2 室")
    screenshot(page, "1-checkout")

    page.get_by_test_id("place-delivery").click()
    expect(page).to_have_url(re.compile(r"/pay/sandbox/"))
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("paid-mark")).to_be_visible()
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.address["latitude"] == pytest.approx(JING_AN[0], abs=0.002)

    # The near store accepts (its offer card is the alerts' work; the service is the same).
    clerk, courier = city.clerk(city.near), city.clerk(city.near)
    courier.phone = "13800000009"
    courier.save(update_fields=["phone"])
    dispatch_offer_accept(offer=DispatchOffer.objects.get(order=order), staff=clerk)

    desk = staff_page(page, clerk)
    desk.goto("/staff/deliveries/")
    desk.get_by_test_id("delivery-row").get_by_role("link", name="Open").click()
    desk.get_by_test_id("pack").click()
    expect(desk.get_by_test_id("delivery-status")).to_have_text("Packed")
    desk.get_by_test_id("courier").select_option(str(courier.pk))
    desk.get_by_test_id("assign").click()
    expect(desk.get_by_test_id("delivery-status")).to_have_text("On the way")
    expect(desk.get_by_test_id("navigate")).to_have_attribute("href", re.compile("uri.amap.com"))
    expect(desk.get_by_test_id("customer-phone")).to_have_text("13900000001")
    screenshot(desk, "2-courier")

    # The shopper sees her order on the way, with the courier and the code.
    page.goto(f"/orders/{order.number}/")
    expect(page.get_by_test_id("on-the-way")).to_contain_text(courier.display_name)
    expect(page.get_by_test_id("courier-phone")).to_have_text("13800000009")
    code = page.get_by_test_id("delivery-code").inner_text()
    assert code == Delivery.objects.get(order=order).code
    screenshot(page, "3-on-the-way")

    # At the door she keeps the dress and sends the socks back.
    desk.get_by_test_id(f"returned-{cheap.code}").fill("1")
    desk.get_by_test_id("delivery-code-input").fill(code)
    desk.get_by_test_id("hand-over").click()
    expect(desk.get_by_test_id("delivery-status")).to_have_text("Completed")
    screenshot(desk, "4-delivered")
    refund_execute(refund=delivery_refund(Delivery.objects.get(order=order)))  # the worker's job

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.refunded_amount == 9900
    assert city.level(city.near, cheap) == (2, 0)  # back on the delivering store's shelf
    assert city.level(city.near, city.dress_m) == (1, 0)

    page.goto(f"/orders/{order.number}/")
    progress = page.get_by_test_id("delivery-progress")
    for step in ("paid", "accepted", "packed", "out_for_delivery", "completed"):
        expect(progress.locator(f'[data-step="{step}"]')).to_have_class(re.compile("is-done"))
    expect(page.get_by_test_id("returned-note")).to_be_visible()
    screenshot(page, "5-order-page")
    desk.context.close()


def test_shopper_saves_an_address_at_her_location_and_delivery_uses_it(page, screenshot, city):
    city.stock(city.near, city.dress_m, 2)
    member = city.member()
    cart_line_add(cart=cart_get_or_create(member=member), sku=city.dress_m, quantity=1)
    log_in_by_cookie(page, member)

    page.goto("/m/addresses/new/?next=/delivery/checkout/")
    page.fill("input[name=name]", "李女士")
    page.fill("input[name=phone]", "13900000001")
    page.fill("input[name=address]", "南京西路 1 号 2 室")
    page.get_by_test_id("locate").click()
    expect(page.locator("[data-locate-status]")).to_have_text("Location found.")
    screenshot(page, "1-address-form")
    page.get_by_test_id("address-save").click()

    # Back at the delivery checkout with the saved address picked.
    expect(page).to_have_url(re.compile(r"/delivery/checkout/\?saved=\d+"))
    expect(page.get_by_test_id("delivery-promise")).to_contain_text("Delivered within 1 hour")
    address = member.addresses.get()
    assert address.is_default
    assert float(address.latitude) == pytest.approx(JING_AN[0], abs=0.0005)
    assert float(address.longitude) == pytest.approx(JING_AN[1], abs=0.0005)
    screenshot(page, "2-checkout-with-saved-address")
    page.goto("/m/addresses/")
    expect(page.get_by_test_id("addresses")).to_contain_text("南京西路 1 号 2 室")
    screenshot(page, "3-addresses")
