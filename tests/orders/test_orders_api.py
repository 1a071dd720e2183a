"""Orders API (DESIGN §5): list with store / status / updated_since filters, detail by number."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from orders.services.checkout import Line
from orders.services.fulfilment import order_hand_over
from tests.api import token_client
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"


@pytest.fixture
def api(django_user_model):
    return token_client(django_user_model.objects.create_user("erp", password="x", is_staff=True))


@pytest.fixture
def orders(shop):
    sold = pay(place(shop, lines=[Line(shop.sku_m, 2)]))
    order_hand_over(order=sold, staff=shop.clerk)
    unpaid = place(shop, Order.Fulfillment.PICKUP, [Line(shop.sku_l, 1)])
    return sold, unpaid


def numbers(response):
    return [row["number"] for row in response.json()["results"]]


def test_list_is_paginated_in_a_stable_order(api, orders, django_assert_max_num_queries):
    sold, unpaid = orders
    with django_assert_max_num_queries(6):
        response = api.get(ORDERS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and set(numbers(response)) == {sold.number, unpaid.number}
    first_page = api.get(ORDERS, {"limit": 1})
    second_page = api.get(ORDERS, {"limit": 1, "offset": 1})
    assert numbers(first_page) + numbers(second_page) == numbers(response)


def test_filters(api, orders, shop):
    sold, unpaid = orders
    assert numbers(api.get(ORDERS, {"status": "completed"})) == [sold.number]
    assert len(numbers(api.get(ORDERS, {"store": shop.store.code}))) == 2
    assert numbers(api.get(ORDERS, {"store": shop.other_store.code})) == []
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert numbers(api.get(ORDERS, {"updated_since": later})) == []
    earlier = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(numbers(api.get(ORDERS, {"updated_since": earlier}))) == 2


@pytest.mark.parametrize(
    "params,code",
    [
        ({"store": "nowhere"}, "unknown_store"),
        ({"updated_since": "yesterday"}, "invalid"),
        ({"status": "lost"}, "invalid"),
    ],
)
def test_bad_filters_are_400(api, orders, params, code):
    response = api.get(ORDERS, params)
    assert response.status_code == 400
    assert response.json()["code"] == code and "detail" in response.json()


def test_detail_by_number(api, orders, shop):
    sold, _unpaid = orders
    response = api.get(f"{ORDERS}{sold.number}/")
    assert response.status_code == 200
    body = response.json()
    assert body["fulfilling_store"] == shop.store.code == body["credited_store"]
    assert body["member"] == shop.member.member_code
    assert body["total_amount"] == 119800 and body["status"] == "completed"
    assert body["lines"] == [
        {
            "id": sold.lines.get().pk,
            "sku": "dress-m",
            "product_name": "真丝连衣裙",
            "color": "黑色",
            "size": "M",
            "unit_price": 59900,
            "quantity": 2,
            "discount_share": 0,
            "refunded_quantity": 0,
        }
    ]
    assert [e["to_status"] for e in body["events"] if e["to_status"]] == [
        "pending_payment",
        "paid",
        "completed",
    ]


def test_credited_clerk_is_the_staff_code(api, shop):
    order = place(shop, assisted_by=shop.clerk)
    body = api.get(f"{ORDERS}{order.number}/").json()
    assert body["credited_clerk"] == shop.clerk.staff_code == body["assisted_by"]


def test_unknown_number_is_404(api, orders):
    response = api.get(f"{ORDERS}000000000000/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_staff_tokens_only(orders, django_user_model):
    assert APIClient().get(ORDERS).status_code == 401
    shopper = token_client(django_user_model.objects.create_user("someone", password="x"))
    response = shopper.get(ORDERS)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
