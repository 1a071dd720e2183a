"""In a phone browser: a member shares a product, a friend opens the link (and her clerk's
poster), buys in the store and pays in the sandbox; the sharer's "my earnings" shows the pending
entry and the clerk's commission page shows her share."""

import re

import pytest
from playwright.sync_api import expect

from commissions.models import CommissionRule
from members.models import Member
from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from tests.orders.shopper_helpers import log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FRIEND_PHONE = "13600000055"


def phone_context(page):
    return page.context.browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        base_url=page.base_url,
    )


def test_a_shared_product_bought_by_a_friend_earns_the_sharer_and_the_clerk(
    page, screenshot, shop, settings
):
    settings.DEMO_MODE = True
    settings.WECHAT_PAY_SANDBOX = True
    CommissionRule.objects.create(
        scope=CommissionRule.Scope.DEFAULT, clerk_rate_bp=500, level1_rate_bp=300
    )
    sharer, _new = member_get_or_create_by_phone(phone="13600000011", nickname="Sara")

    # The sharer opens the product and takes its share link (it carries her referral code).
    log_in_by_cookie(page, sharer)
    page.goto("/p/dress/")
    share = page.locator("input.od-share-url")
    expect(share).to_be_visible()
    share_url = share.input_value()
    assert f"r={sharer.referral_code}" in share_url
    share_path = share_url.split("://", 1)[-1].split("/", 1)[1]

    friend_phone = phone_context(page)
    try:
        friend = friend_phone.new_page()
        # The friend opens the shared link, then her clerk's poster, then scans the shelf label.
        friend.goto("/" + share_path)
        expect(friend.locator("[data-order-actions]")).to_be_visible()
        friend.goto(f"/b/clerk/{shop.clerk.staff_code}?p=dress")
        expect(friend).to_have_url(re.compile(r"/p/dress/"))
        friend.goto(f"/q/{shop.sku_m.code}?s={shop.store.code}")
        friend.get_by_test_id("buy-here").click()
        expect(friend).to_have_url(re.compile(r"/m/login/"))
        friend.locator("input[name=phone]").fill(FRIEND_PHONE)
        friend.locator("form.mb-login-form button[type=submit]").click()
        friend.locator("input[name=code]").fill(friend.locator("#demo-code").inner_text().strip())
        friend.locator("form.mb-login-form button[type=submit]").click()
        expect(friend).to_have_url(re.compile(r"/p/dress/"))
        friend.get_by_test_id("buy-here").click()
        friend.get_by_test_id("sandbox-pay").click()
        expect(friend.get_by_test_id("paid-mark")).to_be_visible()
    finally:
        friend_phone.close()

    buyer = Member.objects.get(phone=FRIEND_PHONE)
    assert (buyer.referrer, buyer.bound_clerk) == (sharer, shop.clerk)
    order = Order.objects.get(member=buyer)
    assert order.status == "paid" and order.shared_by == sharer

    # The sharer's earnings: ¥599.00 × 3 % pending, explained by the order and a masked buyer.
    page.goto("/m/card/")
    page.get_by_role("link", name="My earnings").click()
    expect(page.get_by_test_id("pending")).to_have_text("¥17.97")
    expect(page.get_by_test_id("available")).to_have_text("¥0.00")
    entry = page.get_by_test_id("entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(order.number)
    expect(entry).to_contain_text("136****0055")
    expect(entry).to_contain_text("Level 1")
    expect(entry).to_contain_text("Pending")
    screenshot(page, "1-sharer-earnings")
    page.goto("/m/team/")
    expect(page.get_by_test_id("team-earned-1")).to_have_text("¥17.97")
    screenshot(page, "2-sharer-team")

    clerk_phone = phone_context(page)
    try:
        clerk = clerk_phone.new_page()
        clerk.goto("/staff/login/")
        clerk.fill("input[name=username]", shop.clerk.user.username)
        clerk.fill("input[name=password]", "pw")
        clerk.locator(".bo-login button[type=submit]").click()
        clerk.get_by_role("link", name="My commission").first.click()
        expect(clerk.get_by_test_id("pending")).to_have_text("¥29.95")
        expect(clerk.get_by_test_id("entry")).to_contain_text("Clerk")
        screenshot(clerk, "3-clerk-commission")
        clerk.get_by_role("link", name="Share a product").first.click()
        clerk.locator("input[name=q]").fill("连衣裙")
        clerk.locator("form.cm-picker button").click()
        clerk.locator("#poster-results a").first.click()
        expect(clerk.locator("#poster")).to_be_visible()
        expect(clerk.get_by_test_id("poster-link")).to_contain_text(
            f"/b/clerk/{shop.clerk.staff_code}?p=dress"
        )
        screenshot(clerk, "4-clerk-poster")
    finally:
        clerk_phone.close()
