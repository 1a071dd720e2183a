"""On the shopper's phone: from a store's front to its flash sale, grab one unit at the store,
pay in the sandbox, and see the flash price on the receipt; then an event of the store, booked,
and the clerk checking her in with the voucher at the door (typed, and shown to the desk
scanner's camera)."""

import re

import pytest
from playwright.sync_api import expect

from o2o.qr import qr_image_make
from orders.models import Order
from promotions.models import EventBooking, FlashClaim
from promotions.services.events import event_book
from tests.backoffice.fake_camera import camera_page
from tests.backoffice.test_orders_browser import log_in as staff_log_in
from tests.orders.shopper_helpers import log_in_by_cookie
from tests.promotions.event_fixtures import store_event_make
from tests.promotions.flash_fixtures import flash_sale_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US"}


def test_a_shopper_buys_in_a_flash_sale_from_the_store_front(
    page, screenshot, flash_shop, settings
):
    settings.DEMO_MODE = True
    settings.WECHAT_PAY_SANDBOX = True
    sale = flash_sale_make(flash_shop, stores=flash_shop.stores[:3], per_store=10)
    log_in_by_cookie(page, flash_shop.member)

    page.goto("/")
    expect(page.get_by_test_id("flash-strip")).to_contain_text(sale.title)
    screenshot(page, "0-home")
    page.goto(f"/stores/{flash_shop.store.code}/")
    expect(page.get_by_test_id("store-front")).to_contain_text(flash_shop.store.name)
    screenshot(page, "1-store-front")
    page.get_by_role("link", name=re.compile(sale.title)).click()

    expect(page).to_have_url(re.compile(rf"/flash/{sale.pk}/"))
    expect(page.get_by_test_id("flash-price")).to_have_text("¥1.00")
    expect(page.get_by_test_id(f"left-{flash_shop.store.code}")).to_have_text("10 of 10 left")
    expect(page.locator(f'input[name=store][value="{flash_shop.store.pk}"]')).to_be_checked()
    countdown = page.get_by_test_id("countdown").locator("strong")
    expect(countdown).to_have_text(re.compile(r"^\d+:\d\d:\d\d$|^\d\d:\d\d$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    screenshot(page, "2-flash-sale")

    page.get_by_test_id("grab").click()

    expect(page).to_have_url(re.compile(r"/pay/sandbox/\d+/"))
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("¥1.00")
    screenshot(page, "3-pay")
    page.get_by_test_id("sandbox-pay").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/receipt/"))
    expect(page.get_by_test_id("paid-mark")).to_be_visible()
    screenshot(page, "4-receipt")

    order = Order.objects.get()
    assert (order.status, order.total_amount, order.fulfilling_store) == (
        "paid",
        100,
        flash_shop.store,
    )
    assert FlashClaim.objects.get().state == FlashClaim.State.PAID
    page.goto(f"/flash/{sale.pk}/")
    expect(page.get_by_test_id(f"left-{flash_shop.store.code}")).to_have_text("9 of 10 left")


def test_she_books_the_stores_event_and_the_clerk_checks_her_in(page, screenshot, shop):
    event = store_event_make(shop.store, capacity=20)
    log_in_by_cookie(page, shop.member)

    page.goto(f"/stores/{shop.store.code}/")
    page.get_by_test_id("store-event").click()
    expect(page.get_by_test_id("places-left")).to_have_text("20 places left")
    page.get_by_test_id("book").click()
    expect(page.get_by_test_id("voucher")).to_be_visible()
    expect(page.get_by_test_id("places-left")).to_have_text("19 places left")
    screenshot(page, "1-voucher")
    voucher = page.get_by_test_id("voucher-code").inner_text().strip()

    # At the door, on the clerk's phone: the handheld scanner types the voucher.
    page.context.clear_cookies()
    staff_log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/events/{event.pk}/")
    page.get_by_test_id("voucher-input").fill(voucher)
    page.get_by_test_id("check-in").click()
    expect(page.get_by_test_id("attendees")).to_contain_text("Checked in")
    screenshot(page, "2-checked-in")
    assert EventBooking.objects.get().status == EventBooking.Status.CHECKED_IN


def test_a_voucher_shown_to_the_desk_camera_checks_her_in(
    shop, _playwright_browser, live_server, screenshot
):
    booking = event_book(event=store_event_make(shop.store), member=shop.member)
    camera = qr_image_make(booking.voucher_code, box_size=1)

    with camera_page(_playwright_browser, picture=camera, base_url=live_server.url) as page:
        staff_log_in(page, "sh01-c1")
        page.goto(f"{page.base_url}/staff/scan/")
        page.get_by_role("button", name="Start the camera").click()

        checked_in = page.get_by_test_id("scan-checked-in")
        expect(checked_in).to_contain_text("Checked in", timeout=15_000)
        expect(checked_in).to_contain_text("丝巾系法小课堂")
        screenshot(page, "voucher-scanned")

    booking.refresh_from_db()
    assert booking.status == EventBooking.Status.CHECKED_IN
