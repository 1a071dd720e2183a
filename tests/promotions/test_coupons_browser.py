"""A shopper on her phone claims a coupon from its link, sees it in My coupons, chooses it at
checkout at a store with its own price (the total drops at once) and pays the discounted amount;
the receipt shows the saving. A clerk uses a coupon at the till from the coupon desk."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from catalog.models import SKU
from inventory.services import stock_adjust
from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from promotions.models import Coupon, CouponTemplate, RepriceRule
from promotions.services.coupons import coupon_claim
from promotions.services.storefront import store_product_set
from tests.orders.placing import pay
from tests.orders.shopper_helpers import log_in_by_cookie
from tests.promotions.coupon_fixtures import template_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_claim_a_coupon_and_use_it_at_checkout(page, screenshot, shop, settings):
    settings.DEMO_MODE = True
    settings.WECHAT_PAY_SANDBOX = True
    template = template_make(name="全场满300减50", valid_days=30)
    # 千店千面: sh01 sells the dress at its own price, 499 instead of the chain's 599.
    RepriceRule.objects.create(product=shop.product, max_discount_bp=2000, max_markup_bp=0)
    store_product_set(store=shop.store, product=shop.product, price=49900)
    log_in_by_cookie(page, shop.member)

    page.goto(f"/m/coupons/claim/{template.claim_token}/")
    screenshot(page, "1-claim")
    page.get_by_test_id("claim").click()

    coupon = Coupon.objects.get(member=shop.member)
    expect(page.get_by_test_id("coupon-code")).to_have_text(coupon.code)
    screenshot(page, "2-coupon")
    template_make(name="新品满500减80", amount_off=8000, min_spend=50000)
    page.goto("/m/coupons/")
    expect(page.get_by_test_id("usable-coupons")).to_contain_text("全场满300减50")
    claim = page.get_by_test_id("to-claim").get_by_role("button", name="Claim")
    assert claim.bounding_box()["height"] >= 44  # tapped with a finger: 44 px at least
    screenshot(page, "3-my-coupons")

    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    page.goto("/checkout/")
    page.locator(f'input[name=store][value="{shop.store.pk}"]').check()
    choice = page.locator(f'input[name=coupon][value="{coupon.code}"]')
    expect(choice).to_be_enabled()
    choice.check()
    expect(page.locator(".od-summary [data-total]")).to_have_text("¥449.00")
    expect(page.locator("[data-coupon-discount]")).to_have_text("-¥50.00")
    page.locator(".od-coupons").scroll_into_view_if_needed()
    screenshot(page, "4-checkout")

    page.get_by_test_id("place-order").click()

    expect(page).to_have_url(re.compile(r"/pay/"))
    order = Order.objects.get()
    assert (order.goods_amount, order.discount_amount, order.total_amount) == (49900, 5000, 44900)
    pay(order)
    page.goto(f"/orders/{order.number}/receipt/")
    expect(page.locator("body")).to_contain_text("-¥50.00")
    expect(page.locator("body")).to_contain_text("¥449.00")
    screenshot(page, "5-receipt")
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_a_clerk_types_a_coupon_code_and_uses_it_on_the_sale(page, screenshot, shop):
    template = template_make(name="全场满300减50")
    coupon = coupon_claim(claim_token=template.claim_token, member=shop.member)
    page.goto("/staff/login/")
    page.fill("input[name=username]", shop.clerk.user.username)
    page.fill("input[name=password]", "pw")
    page.locator(".bo-login button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/$"))

    page.goto("/staff/coupons/")
    page.get_by_test_id("coupon-code").fill(coupon.code.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("coupon-found")).to_contain_text("全场满300减50")
    page.fill("input[name=sale_amount]", "400")
    screenshot(page, "1-found")
    page.get_by_test_id("redeem").click()

    expect(page.locator(".messages")).to_contain_text("take ¥50.00 off the sale")
    screenshot(page, "2-used")
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_a_member_shares_a_coupon_and_her_friend_claims_it(page, screenshot, shop):
    """分享领券 on a phone: her coupon page gives her share link; the friend opens it, sees who
    shared it, claims, and the sharer has her reward."""
    template = template_make(name="好友同享 满300减50", reward_sharer=True)
    coupon = coupon_claim(claim_token=template.claim_token, member=shop.member)
    log_in_by_cookie(page, shop.member)
    page.goto(f"/m/coupons/{coupon.code}/")
    link = page.get_by_test_id("share-link").input_value()
    assert link.endswith(f"?r={shop.member.referral_code}")
    page.get_by_test_id("share-coupon").scroll_into_view_if_needed()
    screenshot(page, "1-share-link")

    friend, _ = member_get_or_create_by_phone(phone="13900139666")
    page.context.clear_cookies()
    log_in_by_cookie(page, friend)
    shared = urlsplit(link)  # SITE_URL's host, not the test server's
    page.goto(f"{shared.path}?{shared.query}")
    expect(page.get_by_test_id("shared-by")).to_be_visible()
    screenshot(page, "2-friend-claims")
    page.get_by_test_id("claim").click()

    mine = Coupon.objects.get(member=friend, template=template)
    expect(page.get_by_test_id("coupon-code")).to_have_text(mine.code)
    assert mine.shared_by == shop.member
    reward = Coupon.objects.get(member=shop.member, source=Coupon.Source.SHARE_REWARD)
    assert reward.reward_for == friend


def test_a_gift_coupon_at_checkout_adds_the_gift_to_the_receipt(page, screenshot, shop, settings):
    """赠品券 on a phone: the coupon list names the gift; the paid order's receipt lists it free."""
    settings.WECHAT_PAY_SANDBOX = True
    scarf = SKU.objects.create(product=shop.product, code="dress-gift", color="红色", size="F")
    stock_adjust(store=shop.store, sku=scarf, delta=1, reason="receipt")
    template = template_make(
        name="满500送一件", kind=CouponTemplate.Kind.GIFT_ITEM, min_spend=50000, gift_sku=scarf
    )
    coupon = coupon_claim(claim_token=template.claim_token, member=shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in_by_cookie(page, shop.member)

    page.goto("/checkout/")
    page.locator(f'input[name=store][value="{shop.store.pk}"]').check()
    choice = page.locator(f'input[name=coupon][value="{coupon.code}"]')
    expect(page.get_by_test_id("gift-choice")).to_contain_text("红色 F")
    choice.check()
    expect(page.locator(".od-summary [data-total]")).to_have_text("¥599.00")  # nothing off
    page.locator(".od-coupons").scroll_into_view_if_needed()
    screenshot(page, "1-gift-chosen")
    page.get_by_test_id("place-order").click()

    expect(page).to_have_url(re.compile(r"/pay/"))
    order = pay(Order.objects.get())
    assert order.total_amount == 59900
    page.goto(f"/orders/{order.number}/receipt/")
    expect(page.get_by_test_id("gift-line")).to_be_visible()
    screenshot(page, "2-receipt")
