"""Coupons on delivery orders (网订店送): the delivery checkout offers her coupons for the routed
store like the pickup checkout; the coupon comes off the goods, never the delivery fee; the
free-delivery threshold (HQ's ¥199 in these tests, fee ¥8) is judged on the goods after the
coupon; a coupon that does not apply refuses the order and changes nothing."""

import pytest
from django.urls import reverse

from dispatch.services.checkout import delivery_order_place, delivery_quote
from members.models import Member
from orders.models import Cart, CartLine, Order
from orders.services.expiry import order_cancel
from promotions.exceptions import CouponNotValid
from promotions.models import Coupon, CouponRedemption, RepriceRule
from promotions.services.coupons import coupon_claim
from promotions.services.storefront import store_product_set
from tests.dispatch.conftest import JING_AN
from tests.orders.shopper_helpers import log_in
from tests.promotions.coupon_fixtures import template_make

CHECKOUT = "/delivery/checkout/"
ADDRESS = {
    "name": "李女士",
    "phone": "13900000001",
    "address": "南京西路 1 号",
    "latitude": JING_AN[0],
    "longitude": JING_AN[1],
}


@pytest.fixture
def basket(city):
    """Stock at the near store, a shopper and her cart: a dress (¥199) and socks (¥99)."""
    city.sock = city.sku("sock-s", price=9900)
    for sku in (city.dress_m, city.sock):
        city.stock(city.near, sku, 5)
    city.shopper = city.member()
    city.cart = Cart.objects.create(member=city.shopper)
    return city


def fill(city, *lines):
    for sku, quantity in lines:
        CartLine.objects.create(cart=city.cart, sku=sku, quantity=quantity)


def coupon_for(member: Member, **fields) -> Coupon:
    return coupon_claim(claim_token=template_make(**fields).claim_token, member=member)


def place(city, coupon: Coupon | None) -> Order:
    return delivery_order_place(
        cart=city.cart,
        member=city.shopper,
        address=ADDRESS,
        coupon_code=coupon.code if coupon else "",
    )


def test_a_coupon_lowers_the_goods_and_delivery_stays_free_above_the_threshold(basket):
    city = basket
    fill(city, (city.dress_m, 1), (city.sock, 1))  # ¥298
    coupon = coupon_for(city.shopper, amount_off=5000, min_spend=20000)

    order = place(city, coupon)

    assert (order.goods_amount, order.discount_amount) == (29800, 5000)
    assert (order.shipping_amount, order.total_amount) == (0, 24800)  # ¥248 ≥ ¥199: free
    assert sum(line.discount_share for line in order.lines.all()) == 5000
    redemption = CouponRedemption.objects.get(coupon=coupon)
    assert (redemption.order, redemption.store, redemption.discount) == (order, city.near, 5000)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED
    assert city.level(city.near, city.dress_m) == (5, 1)  # held as any delivery


def test_free_delivery_is_judged_on_the_goods_after_the_coupon(basket):
    city = basket
    fill(city, (city.dress_m, 1))  # ¥199: free delivery without a coupon
    coupon = coupon_for(city.shopper, amount_off=2000, min_spend=19900)

    order = place(city, coupon)

    # ¥179 after the coupon is below ¥199: the ¥8 fee is charged.
    assert (order.goods_amount, order.discount_amount, order.shipping_amount) == (19900, 2000, 800)
    assert order.total_amount == 19900 - 2000 + 800


def test_the_coupon_never_takes_the_delivery_fee(basket):
    city = basket
    fill(city, (city.sock, 1))  # ¥99 + ¥8 fee
    coupon = coupon_for(city.shopper, amount_off=50000, min_spend=0)

    order = place(city, coupon)

    # All of the goods come off, the fee stays to pay.
    assert (order.discount_amount, order.shipping_amount, order.total_amount) == (9900, 800, 800)


def test_a_coupon_that_does_not_apply_refuses_the_order_and_keeps_everything(basket):
    city = basket
    fill(city, (city.sock, 1))
    coupon = coupon_for(city.shopper, amount_off=5000, min_spend=20000)

    with pytest.raises(CouponNotValid) as refused:
        place(city, coupon)

    assert refused.value.code == CouponNotValid.BELOW_MIN_SPEND
    assert not Order.objects.exists()
    assert city.cart.lines.count() == 1
    assert city.level(city.near, city.sock) == (5, 0)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE


def test_a_coupon_for_another_store_is_refused_at_the_routed_store(basket):
    city = basket
    fill(city, (city.dress_m, 1))
    coupon = coupon_for(city.shopper, min_spend=0, stores=[city.mid])

    with pytest.raises(CouponNotValid) as refused:
        place(city, coupon)

    assert refused.value.code == CouponNotValid.WRONG_STORE
    assert not Order.objects.exists()


def test_a_cancelled_delivery_order_gives_the_coupon_back(basket):
    city = basket
    fill(city, (city.dress_m, 1), (city.sock, 1))
    coupon = coupon_for(city.shopper, amount_off=5000, min_spend=20000)
    order = place(city, coupon)

    order_cancel(order=order)

    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert CouponRedemption.objects.get(coupon=coupon).reversed_at is not None


# ---- the page --------------------------------------------------------------------------------


def test_the_delivery_checkout_loads_her_coupons_for_the_routed_store(basket, client):
    city = basket
    fill(city, (city.dress_m, 1), (city.sock, 1))
    coupon = coupon_for(city.shopper, name="满200减50", amount_off=5000, min_spend=20000)
    log_in(client, city.shopper)

    page = client.get(f"{CHECKOUT}?lat={JING_AN[0]:.6f}&lng={JING_AN[1]:.6f}&coords=gcj02")

    text = page.content.decode()
    fragment_url = f"{reverse('promotions:checkout_choice')}?store={city.near.pk}&amp;delivery=1"
    assert fragment_url in text
    assert 'data-free-from="19900"' in text and 'data-delivery-fee="800"' in text
    fragment = client.get(
        reverse("promotions:checkout_choice"), {"store": city.near.pk, "delivery": "1"}
    )
    assert [(c.coupon, c.discount, c.reason) for c in fragment.context["choices"]] == [
        (coupon, 5000, "")
    ]


def test_the_fragment_judges_a_parcel_coupon_at_the_warehouse(basket, client):
    """A delivery may be a parcel from HQ's warehouse, which the pickup list never shows."""
    city = basket
    fill(city, (city.dress_m, 1))
    coupon_for(city.shopper, min_spend=0, stores=[city.near])
    log_in(client, city.shopper)

    as_pickup = client.get(reverse("promotions:checkout_choice"), {"store": city.depot.pk})
    as_delivery = client.get(
        reverse("promotions:checkout_choice"), {"store": city.depot.pk, "delivery": "1"}
    )

    assert as_pickup.context["store"] is None
    assert as_delivery.context["store"] == city.depot
    assert as_delivery.context["choices"][0].reason == CouponNotValid.WRONG_STORE


def test_placing_a_delivery_with_a_coupon_from_the_page(basket, client):
    city = basket
    fill(city, (city.dress_m, 1))
    coupon = coupon_for(city.shopper, amount_off=2000, min_spend=19900)
    log_in(client, city.shopper)

    response = client.post(
        CHECKOUT,
        {
            "lat": f"{JING_AN[0]:.6f}",
            "lng": f"{JING_AN[1]:.6f}",
            "coords": "gcj02",
            "name": "李女士",
            "phone": "13900000001",
            "address": "南京西路 1 号 2 室",
            "coupon": coupon.code,
        },
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    order = Order.objects.get()
    assert (order.discount_amount, order.shipping_amount, order.total_amount) == (2000, 800, 18700)


def test_a_bad_coupon_on_the_page_says_why_and_places_nothing(basket, client):
    city = basket
    fill(city, (city.sock, 1))
    coupon = coupon_for(city.shopper, amount_off=5000, min_spend=20000)
    log_in(client, city.shopper)

    response = client.post(
        CHECKOUT,
        {
            "lat": f"{JING_AN[0]:.6f}",
            "lng": f"{JING_AN[1]:.6f}",
            "coords": "gcj02",
            "name": "李女士",
            "phone": "13900000001",
            "address": "南京西路 1 号 2 室",
            "coupon": coupon.code,
        },
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "Spend more on covered items to use this coupon." in text
    assert f'name="chosen" value="{coupon.code}"' in text  # her choice is kept
    assert not Order.objects.exists()


def test_the_quote_prices_the_basket_at_the_routed_stores_own_price(basket):
    """千店千面: the page shows (and judges the fee on) what placing will charge."""
    city = basket
    fill(city, (city.dress_m, 1))
    RepriceRule.objects.create(product=city.dress_m.product, max_discount_bp=2000)
    store_product_set(store=city.near, product=city.dress_m.product, price=18900)

    quote = delivery_quote(
        lines=list(city.cart.lines.all()), latitude=JING_AN[0], longitude=JING_AN[1]
    )
    order = place(city, None)

    assert (quote.store, quote.goods, quote.fee) == (city.near, 18900, 800)
    assert (order.goods_amount, order.shipping_amount) == (18900, 800)


def test_a_gift_coupon_adds_its_item_held_at_the_routed_store(basket):
    city = basket
    fill(city, (city.dress_m, 1))
    coupon = coupon_for(
        city.shopper, kind="gift_item", amount_off=0, min_spend=19900, gift_sku=city.sock
    )

    order = place(city, coupon)

    gift = order.lines.get(sku=city.sock)
    assert (gift.unit_price, gift.quantity) == (0, 1)
    assert (order.goods_amount, order.shipping_amount, order.total_amount) == (19900, 0, 19900)
    assert city.level(city.near, city.sock) == (5, 1)
    assert CouponRedemption.objects.get(coupon=coupon).gift_value == 9900
