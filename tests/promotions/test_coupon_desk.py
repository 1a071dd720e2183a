"""The coupon desk in the back office: a clerk checks a shopper's coupon (typed or scanned) and
uses it on a sale at the till, once; she hands a coupon to her customer; the manager reads who
bears the discounts."""

import pytest
from django.urls import reverse

from members.models import Member
from promotions.models import Coupon, CouponRedemption, CouponTemplate
from promotions.services.coupon_redemption import coupon_redeem_at_store
from promotions.services.coupons import coupon_claim
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db
DESK = reverse("coupons_backoffice:desk")


@pytest.fixture
def coupon(shop):
    return coupon_claim(claim_token=template_make().claim_token, member=shop.member)


@pytest.fixture
def clerk_client(client, shop):
    client.force_login(shop.clerk.user)
    return client


def test_the_clerk_checks_and_uses_a_coupon_once_even_if_the_form_is_sent_twice(
    clerk_client, coupon
):
    page = clerk_client.get(DESK, {"code": coupon.code.lower()})
    assert page.status_code == 200
    assert "Use the coupon on this sale" in page.content.decode()
    reference = page.context["form"].initial["reference"]

    data = {"code": coupon.code, "sale_amount": "400", "reference": reference}
    first = clerk_client.post(reverse("coupons_backoffice:redeem"), data, follow=True)
    again = clerk_client.post(reverse("coupons_backoffice:redeem"), data, follow=True)

    assert "take ¥50.00 off the sale" in first.content.decode()
    assert "take ¥50.00 off the sale" in again.content.decode()
    redemption = CouponRedemption.objects.get()
    assert redemption.store.code == "sh01" and redemption.channel == "till"
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


@pytest.mark.parametrize(
    "code, sale, expected",
    [
        ("NOPENOPENOPE", "400", "No coupon with this code"),
        (None, "10", "Spend more on covered items"),
        (None, "abc", "Enter the coupon code and the sale amount"),
        (None, "1e400", "Enter the coupon code and the sale amount"),
    ],
)
def test_bad_codes_and_amounts_are_refused_clearly(clerk_client, coupon, code, sale, expected):
    response = clerk_client.post(
        reverse("coupons_backoffice:redeem"),
        {"code": code or coupon.code, "sale_amount": sale, "reference": "TILL-x"},
        follow=True,
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not CouponRedemption.objects.exists()


def test_a_used_coupon_shows_why_it_cannot_be_used(clerk_client, shop, coupon):
    coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=40000)
    page = clerk_client.get(DESK, {"code": coupon.code})
    assert "This coupon has already been used." in page.content.decode()
    assert "Use the coupon on this sale" not in page.content.decode()


def test_the_desk_scanner_sends_a_coupon_code_to_the_coupon_desk(clerk_client, coupon):
    response = clerk_client.post(reverse("scanner_backoffice:resolve"), {"text": coupon.code})
    assert response.status_code == 302
    assert response.url == f"{DESK}?code={coupon.code}"


def test_the_clerk_gives_a_coupon_to_her_stores_customer(clerk_client, shop):
    Member.objects.filter(pk=shop.member.pk).update(home_store=shop.store)
    template = template_make(claimable=False, issuer_store=shop.store)

    clerk_client.post(
        reverse("coupons_backoffice:give"),
        {"member_code": shop.member.member_code, "coupon_template": template.pk},
    )

    given = Coupon.objects.get(member=shop.member)
    assert given.source == Coupon.Source.CLERK and given.issued_by == shop.clerk


def test_a_stranger_cannot_be_given_a_coupon(clerk_client, shop):
    template = template_make()
    response = clerk_client.post(
        reverse("coupons_backoffice:give"),
        {"member_code": shop.member.member_code, "coupon_template": template.pk},
    )
    assert response.status_code == 404
    assert not Coupon.objects.exists()


def test_the_manager_reads_who_bears_the_discounts(client, shop):
    split = template_make(bearer=CouponTemplate.Bearer.SPLIT, hq_share_bp=5000, min_spend=0)
    coupon = coupon_claim(claim_token=split.claim_token, member=shop.member)
    coupon_redeem_at_store(code=coupon.code, store=shop.store, sale_amount=10001)
    client.force_login(shop.manager.user)

    page = client.get(reverse("coupons_backoffice:report"))

    row = page.context["rows"][0]
    assert (row["used"], row["discount"], row["hq_cost"], row["store_cost"]) == (
        1,
        5000,
        2500,
        2500,
    )


def test_the_manager_adds_a_store_coupon_that_only_her_store_takes(client, shop):
    client.force_login(shop.manager.user)
    response = client.post(
        reverse("coupons_backoffice:report"),
        {
            "name": "店庆满200减30",
            "amount_off": "30",
            "min_spend": "200",
            "valid_days": "14",
            "total_limit": "100",
            "channel": "in_store",
        },
        follow=True,
    )

    template = CouponTemplate.objects.get()
    assert (template.amount_off, template.min_spend, template.total_limit) == (3000, 20000, 100)
    assert template.bearer == "store" and template.issuer_store == shop.store
    assert list(template.stores.all()) == [shop.store]
    assert "店庆满200减30" in response.content.decode()


@pytest.mark.parametrize(
    "amount, minimum, days",
    [("300", "200", "14"), ("inf", "200", "14"), ("0", "200", "14"), ("30", "200", "0")],
)
def test_a_wrong_store_coupon_is_refused_and_nothing_is_added(client, shop, amount, minimum, days):
    client.force_login(shop.manager.user)
    response = client.post(
        reverse("coupons_backoffice:report"),
        {
            "name": "x",
            "amount_off": amount,
            "min_spend": minimum,
            "valid_days": days,
            "channel": "in_store",
        },
    )
    assert response.status_code == 400
    assert not CouponTemplate.objects.exists()


def test_a_clerk_cannot_open_the_store_figures(clerk_client):
    assert clerk_client.get(reverse("coupons_backoffice:report")).status_code == 403
