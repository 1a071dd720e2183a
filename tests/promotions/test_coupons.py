"""E-coupons: issue within limits, use once at checkout or at the till, give back when the order
lapses, and restore or keep on refund as the template says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from orders.services.checkout import Line
from orders.services.expiry import order_cancel, orders_expire
from orders.services.refunds import refund_execute, refund_request
from promotions.exceptions import CouponNotFound, CouponNotValid, CouponUnavailable, CouponUsed
from promotions.models import Coupon, CouponEvent, CouponRedemption, CouponTemplate
from promotions.services.coupon_redemption import coupon_redeem_at_store
from promotions.services.coupons import coupon_claim, coupon_code_normalise, coupon_issue
from tests.orders.placing import F, pay, place
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db


def claim(template, member):
    return coupon_claim(claim_token=template.claim_token, member=member)


def test_claim_gives_an_unguessable_code_and_respects_the_member_limit(shop, template):
    coupon = claim(template, shop.member)

    assert coupon.status == Coupon.Status.AVAILABLE
    assert len(coupon.code) == 12 and coupon_code_normalise(coupon.code.lower()) == coupon.code
    with pytest.raises(CouponUnavailable) as refused:
        claim(template, shop.member)
    assert refused.value.code == CouponUnavailable.MEMBER_LIMIT
    assert Coupon.objects.filter(member=shop.member).count() == 1


def test_the_total_cap_holds(shop):
    template = template_make(total_limit=1)
    claim(template, shop.member)
    other, _ = member_get_or_create_by_phone(phone="13900139001")

    with pytest.raises(CouponUnavailable) as refused:
        claim(template, other)

    assert refused.value.code == CouponUnavailable.SOLD_OUT
    template.refresh_from_db()
    assert template.issued_count == 1


def test_valid_days_after_issue_sets_the_expiry(shop):
    template = template_make(valid_days=7)
    coupon = claim(template, shop.member)
    assert timedelta(days=6) < coupon.valid_until - timezone.now() <= timedelta(days=7)


def test_checkout_spreads_the_discount_over_the_lines_and_records_the_cost(shop):
    template = template_make(bearer=CouponTemplate.Bearer.SPLIT, hq_share_bp=6000)
    coupon = claim(template, shop.member)

    order = place(
        shop, F.PICKUP, lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)], coupon_code=coupon.code
    )

    assert order.goods_amount == 119800
    assert order.discount_amount == 5000 and order.total_amount == 114800
    assert sum(line.discount_share for line in order.lines.all()) == 5000
    redemption = CouponRedemption.objects.get(coupon=coupon)
    assert (redemption.discount, redemption.hq_cost, redemption.store_cost) == (5000, 3000, 2000)
    assert redemption.order == order and redemption.store == shop.store
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_percent_off_is_capped(shop):
    template = template_make(
        kind=CouponTemplate.Kind.PERCENT_OFF, amount_off=0, percent_off=20, max_discount=8000
    )
    coupon = claim(template, shop.member)
    order = place(shop, F.PICKUP, coupon_code=coupon.code)
    assert order.discount_amount == 8000  # 20 % of 599 is 119.80, capped at 80


def test_a_category_coupon_discounts_only_its_lines(shop):
    from catalog.models import SKU, Category, Product
    from inventory.services import stock_adjust

    shoes = Category.objects.create(name="鞋", slug="shoes")
    shoe = SKU.objects.create(
        product=Product.objects.create(code="shoe", name="鞋", category=shoes, base_price=20000),
        code="shoe-38",
        size="38",
    )
    stock_adjust(store=shop.store, sku=shoe, delta=2, reason="receipt")
    template = template_make(min_spend=0, amount_off=3000, categories=[shoes])
    coupon = claim(template, shop.member)

    order = place(
        shop, F.PICKUP, lines=[Line(shop.sku_m, 1), Line(shoe, 1)], coupon_code=coupon.code
    )

    shares = {line.sku_id: line.discount_share for line in order.lines.all()}
    assert shares == {shop.sku_m.pk: 0, shoe.pk: 3000}


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"valid_until": timezone.now() - timedelta(days=1)}, CouponNotValid.EXPIRED),
        ({"min_spend": 100000}, CouponNotValid.BELOW_MIN_SPEND),
        ({"channel": CouponTemplate.Channel.IN_STORE}, CouponNotValid.WRONG_CHANNEL),
    ],
)
def test_a_coupon_that_does_not_apply_refuses_the_checkout_and_changes_nothing(
    shop, fields, expected
):
    template = template_make()
    coupon = claim(template, shop.member)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=fields.pop("valid_until", None))
    CouponTemplate.objects.filter(pk=template.pk).update(**fields)

    with pytest.raises(CouponNotValid) as refused:
        place(shop, F.PICKUP, coupon_code=coupon.code)

    assert refused.value.code == expected
    assert not Order.objects.exists()
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert not CouponRedemption.objects.exists()


def test_a_coupon_for_other_stores_is_refused(shop):
    coupon = claim(template_make(stores=[shop.other_store]), shop.member)
    with pytest.raises(CouponNotValid) as refused:
        place(shop, F.PICKUP, coupon_code=coupon.code)
    assert refused.value.code == CouponNotValid.WRONG_STORE


def test_someone_elses_or_a_made_up_code_is_not_found(shop, template):
    other, _ = member_get_or_create_by_phone(phone="13900139001")
    theirs = claim(template, other)

    for code in (theirs.code, "ZZZZZZZZZZZZ", "<script>\x00", "x" * 5000):
        with pytest.raises(CouponNotFound):
            place(shop, F.PICKUP, coupon_code=code)
    assert not Order.objects.exists()
    theirs.refresh_from_db()
    assert theirs.status == Coupon.Status.AVAILABLE


def test_a_used_coupon_is_refused_the_second_time(shop, template):
    coupon = claim(template, shop.member)
    place(shop, F.PICKUP, coupon_code=coupon.code)

    with pytest.raises(CouponUsed):
        place(shop, F.PICKUP, coupon_code=coupon.code)
    assert Order.objects.count() == 1


def test_a_cancelled_or_expired_order_gives_the_coupon_back(shop, template):
    coupon = claim(template, shop.member)
    order = place(shop, F.PICKUP, coupon_code=coupon.code)

    order_cancel(order=order)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE

    second = place(shop, F.PICKUP, coupon_code=coupon.code)
    assert second.discount_amount == 5000
    orders_expire(now=timezone.now() + timedelta(hours=1))
    orders_expire(now=timezone.now() + timedelta(hours=1))  # a repeated sweep changes nothing
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert list(coupon.events.values_list("kind", flat=True)) == [
        CouponEvent.Kind.ISSUED,
        CouponEvent.Kind.REDEEMED,
        CouponEvent.Kind.RETURNED,
        CouponEvent.Kind.REDEEMED,
        CouponEvent.Kind.RETURNED,
    ]
    assert CouponRedemption.objects.filter(reversed_at__isnull=True).count() == 0


@pytest.mark.parametrize("restore", [True, False])
def test_a_full_refund_restores_the_coupon_only_when_the_template_says_so(shop, restore):
    coupon = claim(template_make(restore_on_refund=restore), shop.member)
    order = pay(place(shop, F.PICKUP, coupon_code=coupon.code))

    refund_execute(refund=refund_request(order=order, lines=None, reason="changed my mind"))

    coupon.refresh_from_db()
    assert coupon.status == (Coupon.Status.AVAILABLE if restore else Coupon.Status.USED)
    order.refresh_from_db()
    assert order.refunded_amount == order.total_amount == 59900 - 5000


def test_a_partial_refund_keeps_the_coupon_used(shop):
    coupon = claim(template_make(restore_on_refund=True), shop.member)
    order = pay(
        place(
            shop,
            F.PICKUP,
            lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)],
            coupon_code=coupon.code,
        )
    )
    line = order.lines.first()

    refund = refund_execute(refund=refund_request(order=order, lines=[(line, 1)], reason="size"))

    assert refund.amount == line.line_total - line.discount_share
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_till_redemption_is_idempotent_on_its_reference(shop, template):
    coupon = claim(template, shop.member)

    first, created = coupon_redeem_at_store(
        code=coupon.code, store=shop.store, sale_amount=40000, reference="POS-1"
    )
    again, created_again = coupon_redeem_at_store(
        code=coupon.code, store=shop.store, sale_amount=40000, reference="POS-1"
    )

    assert created and not created_again and again.pk == first.pk
    assert first.discount == 5000
    with pytest.raises(CouponUsed):
        coupon_redeem_at_store(
            code=coupon.code, store=shop.store, sale_amount=40000, reference="POS-2"
        )
    assert CouponRedemption.objects.count() == 1


def test_till_refuses_an_online_only_coupon_and_a_small_sale(shop):
    online = claim(template_make(channel=CouponTemplate.Channel.ONLINE), shop.member)
    with pytest.raises(CouponNotValid) as refused:
        coupon_redeem_at_store(code=online.code, store=shop.store, sale_amount=40000)
    assert refused.value.code == CouponNotValid.WRONG_CHANNEL

    other, _ = member_get_or_create_by_phone(phone="13900139001")
    coupon = coupon_issue(template=template_make(), member=other, source=Coupon.Source.HQ)
    with pytest.raises(CouponNotValid) as refused:
        coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=29999)
    assert refused.value.code == CouponNotValid.BELOW_MIN_SPEND
    assert not CouponRedemption.objects.exists()


def test_cost_rows_sum_to_the_discounts(shop):
    members = [member_get_or_create_by_phone(phone=f"1390013901{i}")[0] for i in range(3)]
    for bearer, share in [("hq", 10000), ("store", 0), ("split", 3333)]:
        template = template_make(
            kind=CouponTemplate.Kind.PERCENT_OFF,
            amount_off=0,
            percent_off=15,
            min_spend=0,
            bearer=bearer,
            hq_share_bp=share,
        )
        for index, member in enumerate(members):
            coupon = coupon_issue(template=template, member=member, source=Coupon.Source.HQ)
            coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=12345 + index)
    for redemption in CouponRedemption.objects.all():
        assert redemption.hq_cost + redemption.store_cost == redemption.discount
