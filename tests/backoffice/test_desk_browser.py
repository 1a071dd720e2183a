"""The store desk on the clerk's phone (390×844): the Today board as the landing page, with a
newly paid order appearing by itself and handed over from there; the scanner reading an order
QR and a member card held up to the camera (tests/backoffice/fake_camera.py streams the QR
picture as the page's camera)."""

import pytest
from playwright.sync_api import expect

from members.card import card_token_issue
from members.models import Favorite
from members.services.accounts import member_create
from o2o.qr import qr_image_make
from orders.models import Order
from orders.services.checkout import Line, order_place
from orders.services.fulfilment import order_hand_over, order_mark_ready, pickup_token
from tests.backoffice.fake_camera import camera_page
from tests.orders.placing import F, pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto(f"{page.base_url}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.locator(".bo-login button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/staff/")


def test_a_clerk_lands_on_today_and_hands_over_a_new_order_from_it(shop, page, screenshot):
    log_in(page, "sh01-c1")
    board = page.locator("#today-board")
    expect(board.locator("#today-hand_over")).to_contain_text("No paid order waiting")
    expect(page.locator(".ob-home").first).to_be_visible()  # the old tiles, under the board
    page.get_by_role("button", name="Sound on").click()
    assert not page.title().startswith("(")
    screenshot(page, "today-empty")

    order = pay(place(shop))

    item = page.locator(f"#today-order-{order.number}")
    expect(item).to_be_visible(timeout=12_000)  # the board polls every 5 s
    expect(item).to_have_class("td-item td-order td-new")
    expect(page.locator("[data-today-new]")).to_have_text("1")
    assert page.title().startswith("(1) ")
    expect(page.locator(".td-chip", has_text="Hand over at the counter")).to_contain_text("1")
    screenshot(page, "today-new-order")

    item.get_by_role("button", name="Hand over").click()

    page.wait_for_url(f"{page.base_url}/staff/")
    expect(page.locator(".messages")).to_contain_text(f"Order {order.number} handed over.")
    expect(page.locator(f"#today-order-{order.number}")).to_have_count(0)
    assert not page.title().startswith("(")
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    screenshot(page, "today-handed-over")


@pytest.fixture
def video():
    def make(text: str):
        return qr_image_make(text, box_size=1)  # the camera page scales it by whole pixels

    return make


def test_a_pickup_qr_shown_to_the_camera_is_verified(
    shop, video, _playwright_browser, live_server, screenshot
):
    order = order_mark_ready(order=pay(place(shop, F.PICKUP)), staff=shop.clerk)
    camera = video(pickup_token(order))

    with camera_page(_playwright_browser, picture=camera, base_url=live_server.url) as page:
        log_in(page, "sh01-c1")
        page.get_by_role("link", name="Scan", exact=True).first.click()
        page.wait_for_url(f"{page.base_url}/staff/scan/")
        screenshot(page, "scanner")
        page.get_by_role("button", name="Start the camera").click()

        verified = page.locator("[data-testid=scan-verified]")
        expect(verified).to_contain_text("Verified", timeout=15_000)
        expect(verified).to_contain_text(order.number)
        expect(verified).to_contain_text("真丝连衣裙")
        screenshot(page, "pickup-verified")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_a_member_card_shown_to_the_camera_opens_her_page(
    shop, video, _playwright_browser, live_server, screenshot
):
    member = member_create(
        phone="13800138000",
        nickname="小雨",
        home_store=shop.store,
        bound_clerk=shop.clerk,
    )
    bought = pay(
        order_place(
            member=member,
            lines=[Line(shop.sku_m, 1)],
            fulfillment=F.IN_STORE,
            store=shop.store,
            channel=Order.Channel.IN_STORE,
        )
    )
    order_hand_over(order=bought, staff=shop.clerk)
    Favorite.objects.create(member=member, product=shop.product)
    camera = video(card_token_issue(member))

    with camera_page(_playwright_browser, picture=camera, base_url=live_server.url) as page:
        log_in(page, "sh01-c1")
        page.goto(f"{page.base_url}/staff/scan/")
        page.get_by_role("button", name="Start the camera").click()

        page.wait_for_url(f"{page.base_url}/staff/customers/{member.member_code}/", timeout=15_000)
        summary = page.locator("[data-testid=customer-summary]")
        expect(summary).to_contain_text("小雨")
        expect(summary).to_contain_text("Regular")  # her tier, set at her purchase
        expect(page.get_by_role("button", name="Start a cart for her")).to_be_visible()
        expect(page.locator("[data-testid=order-history]")).to_contain_text(bought.number)
        expect(page.locator("[data-testid=favorites]")).to_contain_text("真丝连衣裙")
        screenshot(page, "member-page")

        page.goto(f"{page.base_url}/staff/customers/")
        expect(page.locator("[data-testid=customer-list]")).to_contain_text("小雨")
        screenshot(page, "my-customers")
