"""POST /api/v1/coupons/redeem/: the POS uses a coupon at the till, once; hostile input changes
nothing and never answers 5xx."""

import pytest

from promotions.models import Coupon, CouponRedemption, CouponTemplate
from promotions.services.coupons import coupon_claim
from tests.api import token_client
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db
REDEEM = "/api/v1/coupons/redeem/"


@pytest.fixture
def api(django_user_model):
    return token_client(django_user_model.objects.create_user("pos", password="x", is_staff=True))


@pytest.fixture
def coupon(shop):
    template = template_make(bearer=CouponTemplate.Bearer.STORE)
    return coupon_claim(claim_token=template.claim_token, member=shop.member)


def body(coupon, **changes):
    return {
        "code": coupon.code,
        "store": "sh01",
        "sale_amount": 40000,
        "reference": "POS-1",
        **changes,
    }


def test_redeem_answers_the_discount_and_who_bears_it_and_a_repeat_the_same(api, coupon):
    first = api.post(REDEEM, body(coupon), format="json")
    again = api.post(REDEEM, body(coupon), format="json")

    assert first.status_code == 201, first.content
    assert first.json()["discount"] == 5000
    assert (first.json()["hq_cost"], first.json()["store_cost"]) == (0, 5000)
    assert again.status_code == 200 and again.json() == first.json()
    assert CouponRedemption.objects.count() == 1


def test_a_second_use_with_another_reference_is_a_conflict(api, coupon):
    api.post(REDEEM, body(coupon), format="json")
    second = api.post(REDEEM, body(coupon, reference="POS-2"), format="json")
    assert second.status_code == 409 and second.json()["code"] == "coupon_used"


@pytest.mark.parametrize(
    "changes, status, code",
    [
        ({"code": "NOPENOPENOPE"}, 404, "coupon_not_found"),
        ({"code": "abc\x00"}, 400, "invalid"),
        ({"store": "nowhere"}, 400, "unknown_store"),
        ({"sale_amount": 100}, 400, "coupon_below_min_spend"),
        ({"sale_amount": "1e400"}, 400, "invalid"),
        ({"sale_amount": -5}, 400, "invalid"),
        ({"reference": "x" * 65}, 400, "invalid"),
    ],
)
def test_hostile_or_wrong_input_is_refused_and_changes_nothing(api, coupon, changes, status, code):
    response = api.post(REDEEM, body(coupon, **changes), format="json")

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert not CouponRedemption.objects.exists()


def test_an_anonymous_client_is_refused(client, coupon):
    assert client.post(REDEEM, body(coupon), content_type="application/json").status_code in {
        401,
        403,
    }
