"""Shopper coupon pages: my coupons (with coupons to claim), the claim link, one coupon with its
QR, the coupon choice at checkout, promotion messages on and off; the demo coupons."""

import pytest
from django.urls import reverse

from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from promotions.coupon_demo import seed_coupons
from promotions.models import Coupon, PushOptOut, RepriceRule
from promotions.services.coupons import coupon_claim
from promotions.services.storefront import store_product_set
from tests.orders.shopper_helpers import log_in
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db
MY = reverse("promotions:my_coupons")


def test_my_coupons_lists_what_she_can_claim_and_use(client, shop, django_assert_max_num_queries):
    held = template_make(name="满300减50")
    coupon_claim(claim_token=held.claim_token, member=shop.member)
    template_make(name="新品9折", kind="percent_off", amount_off=0, percent_off=10)
    log_in(client, shop.member)

    with django_assert_max_num_queries(12):
        page = client.get(MY)

    text = page.content.decode()
    assert page.status_code == 200
    assert page.context["to_claim"][0].name == "新品9折"
    assert [coupon.template.name for coupon in page.context["usable"]] == ["满300减50"]
    assert "¥50.00" in text and "10% off" in text


def test_the_claim_link_asks_a_visitor_to_log_in_then_gives_her_the_coupon(client, shop):
    template = template_make()
    url = reverse("promotions:claim", args=[template.claim_token])

    visitor = client.post(url)
    assert visitor.status_code == 302 and visitor.url.startswith(reverse("members:login"))
    assert not Coupon.objects.exists()

    log_in(client, shop.member)
    claimed = client.post(url)
    coupon = Coupon.objects.get(member=shop.member)
    assert claimed.url == reverse("promotions:coupon", args=[coupon.code])

    again = client.post(url, follow=True)
    assert "You already have this coupon." in again.content.decode()
    assert Coupon.objects.count() == 1


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00"])
def test_an_unknown_or_garbled_claim_link_is_refused(client, token):
    assert client.get(f"/m/coupons/claim/{token}/").status_code in {400, 404}


def test_category_pages_are_not_taken_by_claim_links(client, shop):
    assert client.get(f"/c/{shop.product.category.slug}/").status_code == 200


def test_a_coupon_page_shows_its_qr_only_to_its_owner(client, shop):
    coupon = coupon_claim(claim_token=template_make().claim_token, member=shop.member)
    other, _ = member_get_or_create_by_phone(phone="13900139001")
    url = reverse("promotions:coupon", args=[coupon.code])

    log_in(client, other)
    assert client.get(url).status_code == 404

    log_in(client, shop.member)
    page = client.get(url)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert coupon.code in page.content.decode()


def test_the_checkout_fragment_offers_coupons_that_fit_and_says_why_others_do_not(client, shop):
    fits = coupon_claim(claim_token=template_make(name="fits").claim_token, member=shop.member)
    coupon_claim(
        claim_token=template_make(name="big", min_spend=100000).claim_token, member=shop.member
    )
    coupon_claim(
        claim_token=template_make(name="elsewhere", stores=[shop.other_store]).claim_token,
        member=shop.member,
    )
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)

    fragment = client.get(
        reverse("promotions:checkout_choice"), {"store": shop.store.pk, "chosen": fits.code}
    )

    choices = fragment.context["choices"]
    summary = [(c.coupon.template.name, c.discount, c.reason) for c in choices]
    assert summary[0] == ("fits", 5000, "")  # usable ones first
    assert set(summary[1:]) == {
        ("big", 0, "coupon_below_min_spend"),
        ("elsewhere", 0, "coupon_wrong_store"),
    }
    text = fragment.content.decode()
    assert f'value="{fits.code}" data-discount="5000" checked' in text
    assert "This coupon cannot be used at this store." in text


def test_the_checkout_fragment_prices_the_cart_at_the_stores_own_price(client, shop):
    RepriceRule.objects.create(product=shop.product, max_discount_bp=2000, max_markup_bp=0)
    store_product_set(store=shop.store, product=shop.product, price=54900)
    coupon_claim(claim_token=template_make(min_spend=55000).claim_token, member=shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)

    at_sh01 = client.get(reverse("promotions:checkout_choice"), {"store": shop.store.pk})
    at_sh02 = client.get(reverse("promotions:checkout_choice"), {"store": shop.other_store.pk})

    assert at_sh01.context["choices"][0].reason == "coupon_below_min_spend"  # 549 < 550
    assert at_sh02.context["choices"][0].discount == 5000  # the chain price, 599


def test_checkout_with_a_coupon_places_a_discounted_order(client, shop):
    coupon = coupon_claim(claim_token=template_make().claim_token, member=shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)

    client.post(
        reverse("orders:checkout"),
        {"fulfillment": "pickup", "store": shop.store.pk, "coupon": coupon.code, "points": 0},
    )

    order = Order.objects.get()
    assert order.discount_amount == 5000 and order.total_amount == 54900


def test_checkout_with_a_bad_coupon_says_why_and_keeps_the_cart(client, shop):
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)

    page = client.post(
        reverse("orders:checkout"),
        {"fulfillment": "pickup", "store": shop.store.pk, "coupon": "ZZZZZZZZZZZZ", "points": 0},
    )

    assert page.status_code == 200
    assert "No coupon with this code." in page.content.decode()
    assert not Order.objects.exists()


def test_promotion_messages_can_be_turned_off_and_on(client, shop):
    log_in(client, shop.member)
    client.post(reverse("promotions:push_preference"), {"allow": "0"})
    assert PushOptOut.objects.filter(member=shop.member).exists()
    client.post(reverse("promotions:push_preference"), {"allow": "1"})
    assert not PushOptOut.objects.exists()


def test_the_demo_gives_members_a_coupon_and_a_first_time_shopper_one_to_claim(client, shop):
    assert seed_coupons()["coupons_issued"] >= 1
    assert seed_coupons()["templates_created"] == 0  # idempotent
    assert Coupon.objects.filter(member=shop.member).exists()

    newcomer, _ = member_get_or_create_by_phone(phone="13900139555")
    log_in(client, newcomer)
    page = client.get(MY)
    assert [template.name for template in page.context["to_claim"]][0] == "南京西路店 满200减30"
    assert "全场满300减50" in page.content.decode()
    assert "新人礼 满99减10" in page.content.decode()  # her new-member gift, already hers
