"""Checkout reads its numbers through o2o.parsing: "inf", "nan", "1e400" or a number past any
range in `store`, `lat` or `lng` is a 4xx or ignored, never a 500, and places no order."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ["inf", "-inf", "nan", "1e400", "9" * 30, "9" * 5000, "1.5", ""]


@pytest.fixture
def shopper(client, shop):
    log_in(client, shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    return client


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_position_that_is_no_number_is_ignored(shopper, shop, value):
    response = shopper.get(reverse("orders:checkout"), {"lat": value, "lng": value})

    assert response.status_code == 200
    # Ranked from her home store instead: the page still lists the chain's stores.
    assert shop.store.name in response.content.decode()


def test_a_position_out_of_range_is_ignored(shopper):
    response = shopper.get(reverse("orders:checkout"), {"lat": "91", "lng": "181"})

    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_store_that_is_no_number_places_nothing(shopper, shop, value):
    on_hand = StockLevel.objects.get(store=shop.store, sku=shop.sku_m).on_hand

    response = shopper.post(
        reverse("orders:checkout"), {"fulfillment": "pickup", "store": value, "points": 0}
    )

    assert response.status_code == 200
    assert "Store" in response.content.decode()
    assert not Order.objects.exists()
    assert StockLevel.objects.get(store=shop.store, sku=shop.sku_m).on_hand == on_hand


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_slots_for_a_store_that_is_no_number_are_404(shopper, value):
    response = shopper.get(reverse("orders:checkout_slots"), {"store": value})

    assert response.status_code == 404


def test_slots_for_a_real_store_still_load(shopper, shop):
    response = shopper.get(reverse("orders:checkout_slots"), {"store": shop.store.pk})

    assert response.status_code == 200
