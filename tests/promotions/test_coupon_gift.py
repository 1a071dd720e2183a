"""赠品券: a gift item coupon gives one unit of its SKU. At checkout the gift is a line at price 0,
held at the store like any line (sold when paid, released when the order lapses); a store
without it cannot take the coupon, plainly. At the till (desk or POS API) it answers the gift
SKU to hand over. Its value at the store's price is what HQ and the store bear."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import SKU, Category, Product
from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from orders.services.checkout import Line, order_place
from orders.services.expiry import order_cancel
from promotions.exceptions import CouponNotValid
from promotions.models import Coupon, CouponRedemption, CouponTemplate
from promotions.services.coupon_redemption import coupon_redeem_at_store
from promotions.services.coupons import coupon_claim
from tests.api import token_client
from tests.orders.placing import F, pay, place
from tests.orders.shopper_helpers import log_in
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db
G = CouponTemplate.Kind.GIFT_ITEM


@pytest.fixture
def scarf(shop):
    """The gift: a ¥99 scarf, two at sh01, none at sh02 (which has the dress)."""
    product = Product.objects.create(
        code="scarf",
        name="丝巾",
        category=Category.objects.create(name="配饰", slug="acc"),
        base_price=9900,
    )
    sku = SKU.objects.create(product=product, code="scarf-red", color="红色", size="F")
    stock_adjust(store=shop.store, sku=sku, delta=2, reason="receipt")
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")
    return sku


def gift_coupon(shop, sku, **fields):
    defaults = {
        "name": "满500送丝巾",
        "kind": G,
        "amount_off": 0,
        "min_spend": 50000,
        "gift_sku": sku,
        "bearer": CouponTemplate.Bearer.SPLIT,
        "hq_share_bp": 5000,
    }
    template = template_make(**{**defaults, **fields})
    return coupon_claim(claim_token=template.claim_token, member=shop.member)


def at(shop, store, lines, coupon):
    return order_place(
        member=shop.member,
        lines=lines,
        fulfillment=F.PICKUP,
        store=store,
        coupon_code=coupon.code,
    )


def level(store, sku):
    row = StockLevel.objects.filter(store=store, sku=sku).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def test_checkout_adds_the_gift_at_price_0_holds_it_and_records_its_value(shop, scarf):
    coupon = gift_coupon(shop, scarf)

    order = place(shop, F.PICKUP, coupon_code=coupon.code)

    gift = order.lines.get(sku=scarf)
    assert (gift.unit_price, gift.quantity, gift.product_name) == (0, 1, "丝巾")
    assert (order.goods_amount, order.discount_amount, order.total_amount) == (59900, 0, 59900)
    assert level(shop.store, scarf) == (2, 1)  # held for the payment window
    redemption = CouponRedemption.objects.get(coupon=coupon)
    assert (redemption.discount, redemption.gift_sku, redemption.gift_value) == (0, scarf, 9900)
    assert (redemption.hq_cost, redemption.store_cost) == (4950, 4950)

    pay(order)
    assert level(shop.store, scarf) == (1, 0)  # sold with the dress


def test_a_store_without_the_gift_cannot_take_the_coupon_and_nothing_changes(shop, scarf):
    coupon = gift_coupon(shop, scarf)

    with pytest.raises(CouponNotValid) as refused:
        at(shop, shop.other_store, [Line(shop.sku_m, 1)], coupon)

    assert refused.value.code == CouponNotValid.GIFT_UNAVAILABLE
    assert "out of stock at this store" in str(refused.value)
    assert not Order.objects.exists()
    assert level(shop.other_store, shop.sku_m) == (2, 0)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE


def test_the_gift_counts_the_units_of_it_already_in_the_basket(shop, scarf):
    two = [Line(shop.sku_m, 1), Line(scarf, 2)]  # both scarves bought: none left to give
    one = [Line(shop.sku_m, 1), Line(scarf, 1)]

    with pytest.raises(CouponNotValid) as refused:
        at(shop, shop.store, two, gift_coupon(shop, scarf, per_member_limit=2))
    order = at(shop, shop.store, one, Coupon.objects.get())

    assert refused.value.code == CouponNotValid.GIFT_UNAVAILABLE
    assert sorted(order.lines.filter(sku=scarf).values_list("unit_price", flat=True)) == [0, 9900]
    assert level(shop.store, scarf) == (2, 2)


def test_below_the_minimum_spend_no_gift(shop, scarf):
    coupon = gift_coupon(shop, scarf, min_spend=100000)

    with pytest.raises(CouponNotValid) as refused:
        place(shop, F.PICKUP, coupon_code=coupon.code)

    assert refused.value.code == CouponNotValid.BELOW_MIN_SPEND
    assert level(shop.store, scarf) == (2, 0)


def test_a_cancelled_order_releases_the_gift_and_gives_the_coupon_back(shop, scarf):
    coupon = gift_coupon(shop, scarf)
    order = place(shop, F.PICKUP, coupon_code=coupon.code)

    order_cancel(order=order)

    assert level(shop.store, scarf) == (2, 0)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE


def test_the_checkout_fragment_names_the_gift_or_says_the_store_has_none(client, shop, scarf):
    coupon = gift_coupon(shop, scarf)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    log_in(client, shop.member)
    url = reverse("promotions:checkout_choice")

    here = client.get(url, {"store": shop.store.pk})
    there = client.get(url, {"store": shop.other_store.pk})

    assert [(c.coupon, c.discount, c.reason) for c in here.context["choices"]] == [(coupon, 0, "")]
    assert "Free gift: 丝巾 红色 F" in here.content.decode()
    assert there.context["choices"][0].reason == CouponNotValid.GIFT_UNAVAILABLE
    assert "out of stock at this store" in there.content.decode()


def test_the_pos_api_answers_the_gift_to_hand_over(shop, scarf, django_user_model):
    api = token_client(django_user_model.objects.create_user("pos", password="x", is_staff=True))
    coupon = gift_coupon(shop, scarf)
    body = {"code": coupon.code, "store": "sh02", "sale_amount": 60000, "reference": "POS-1"}

    none_there = api.post("/api/v1/coupons/redeem/", body, format="json")
    here = api.post("/api/v1/coupons/redeem/", {**body, "store": "sh01"}, format="json")

    assert none_there.status_code == 400
    assert none_there.json()["code"] == "coupon_gift_unavailable"
    assert here.status_code == 201, here.content
    answer = here.json()
    assert (answer["discount"], answer["gift_sku"], answer["gift_value"]) == (0, "scarf-red", 9900)
    assert answer["gift_name"] == "丝巾 红色 F"
    assert answer["hq_cost"] + answer["store_cost"] == 9900
    assert level(shop.store, scarf) == (2, 0)  # the POS's own sale moves the stock


def test_an_amount_off_coupon_answers_no_gift(shop, scarf, django_user_model):
    api = token_client(django_user_model.objects.create_user("pos", password="x", is_staff=True))
    coupon = coupon_claim(claim_token=template_make().claim_token, member=shop.member)
    body = {"code": coupon.code, "store": "sh01", "sale_amount": 60000, "reference": "POS-1"}

    answer = api.post("/api/v1/coupons/redeem/", body, format="json").json()

    assert (answer["discount"], answer["gift_sku"], answer["gift_value"]) == (5000, None, 0)


def test_the_desk_tells_the_clerk_which_gift_to_hand_over(client, shop, scarf):
    coupon = gift_coupon(shop, scarf)
    client.force_login(shop.clerk.user)

    page = client.get(reverse("coupons_backoffice:desk"), {"code": coupon.code})
    assert "Free gift: 丝巾 红色 F" in page.content.decode()
    used = client.post(
        reverse("coupons_backoffice:redeem"),
        {"code": coupon.code, "sale_amount": "600", "reference": "TILL-1"},
        follow=True,
    )

    assert "hand over the gift 丝巾 红色 F (scarf-red)" in used.content.decode()
    assert CouponRedemption.objects.get().gift_sku == scarf


def test_a_gift_template_needs_its_item(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponTemplate.objects.create(name="no gift", kind=G)


def test_till_redemption_of_a_gift_is_idempotent_on_its_reference(shop, scarf):
    coupon = gift_coupon(shop, scarf)

    first, created = coupon_redeem_at_store(
        code=coupon.code, store=shop.store, sale_amount=60000, reference="R1"
    )
    again, created_again = coupon_redeem_at_store(
        code=coupon.code, store=shop.store, sale_amount=60000, reference="R1"
    )

    assert (created, created_again, first.pk) == (True, False, again.pk)


def test_the_managers_report_counts_the_gifts_value_with_who_bears_it(client, shop, scarf):
    coupon = gift_coupon(shop, scarf)
    coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=60000)
    client.force_login(shop.manager.user)

    page = client.get(reverse("coupons_backoffice:report"))

    row = page.context["rows"][0]
    assert (row["discount"], row["gift_value"], row["hq_cost"], row["store_cost"]) == (
        0,
        9900,
        4950,
        4950,
    )
    assert page.context["totals"]["gift_value"] == 9900
