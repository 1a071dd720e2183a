"""Checkout: each fulfillment kind, the try-in-store slot, stock shortages, points as discount."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel
from members.models import PointsEntry
from members.services.points import points_add
from orders.models import CartLine, Order
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client, shop):
    """The member logged in with one M dress (¥599) and one L dress in her cart."""
    log_in(client, shop.member)
    cart = cart_get_or_create(member=shop.member)
    cart_line_add(cart=cart, sku=shop.sku_m, quantity=1)
    cart_line_add(cart=cart, sku=shop.sku_l, quantity=1)
    return client


def tomorrow_at(hour, minute=0):
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def place(client, shop, **fields):
    data = {"fulfillment": "pickup", "store": shop.store.pk, "points": 0, **fields}
    return client.post(reverse("orders:checkout"), data)


def test_checkout_requires_login(client, shop):
    response = client.get(reverse("orders:checkout"))

    assert response.status_code == 302 and response["Location"].startswith("/m/login/?next=")


def test_the_page_lists_stores_with_basket_availability(shopper, shop):
    page = shopper.get(reverse("orders:checkout")).content.decode()

    assert shop.store.name in page and "All in stock" in page
    assert shop.other_store.name in page and "0 of 2 lines" in page
    assert "Try in store" in page and "Ship to me" in page and "Delivery" not in page


def test_pickup_places_the_order_and_goes_to_pay(shopper, shop):
    response = place(shopper, shop)

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:pay", args=[order.number])
    assert (order.fulfillment, order.status, order.fulfilling_store) == (
        "pickup",
        "pending_payment",
        shop.store,
    )
    assert order.total_amount == 2 * 59900
    assert not CartLine.objects.exists()  # the cart became the order
    assert StockLevel.objects.get(store=shop.store, sku=shop.sku_m).reserved == 1


def test_ship_needs_an_address_then_goes_to_pay(shopper, shop):
    response = place(shopper, shop, fulfillment="ship")
    assert response.status_code == 200 and "Needed for a parcel." in response.content.decode()
    assert not Order.objects.exists()

    response = place(
        shopper,
        shop,
        fulfillment="ship",
        name="王芳",
        phone="13900139000",
        address="上海市长宁路 1 号",
    )

    order = Order.objects.get()
    assert order.fulfillment == "ship" and order.address["address"] == "上海市长宁路 1 号"
    assert response["Location"] == reverse("orders:pay", args=[order.number])


def test_try_in_store_books_a_slot_without_payment(shopper, shop):
    slot = tomorrow_at(11, 30)

    response = place(shopper, shop, fulfillment="try_in_store", appointment=slot.isoformat())

    order = Order.objects.get()
    assert (order.status, order.appointment_at) == ("booked", slot)
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    page = shopper.get(response["Location"]).content.decode()
    assert "Booked" in page and "Pay" not in page.split("Timeline")[0].replace("Pay by", "")


def test_the_page_offers_half_hour_slots_inside_opening_hours(shopper, shop):
    response = shopper.get(reverse("orders:checkout_slots"), {"store": shop.store.pk})

    page = response.content.decode()
    assert tomorrow_at(10).isoformat() in page and tomorrow_at(21, 30).isoformat() in page
    assert tomorrow_at(22).isoformat() not in page and tomorrow_at(9, 30).isoformat() not in page


def test_an_appointment_outside_opening_hours_is_refused(shopper, shop):
    response = place(
        shopper, shop, fulfillment="try_in_store", appointment=tomorrow_at(23).isoformat()
    )

    assert response.status_code == 200
    assert "the store is closed at that time" in response.content.decode().lower()
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 2


def test_insufficient_stock_names_the_short_lines_and_places_nothing(shopper, shop):
    CartLine.objects.filter(sku=shop.sku_m).update(quantity=5)  # the store has 3

    response = place(shopper, shop)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Not enough stock" in page and "真丝连衣裙 黑色 M (3 left)" in page
    assert "黑色 L" not in page.split("Not enough stock")[1].split("</li>")[0]
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 2
    assert StockLevel.objects.get(store=shop.store, sku=shop.sku_l).reserved == 0


def test_points_are_shown_with_their_worth_and_used_as_a_discount(shopper, shop):
    points_add(member=shop.member, delta=2500, reason=PointsEntry.Reason.ADJUSTMENT, reference="t")

    page = shopper.get(reverse("orders:checkout")).content.decode()
    assert "You have 2500 points, worth up to ¥25.00" in page

    place(shopper, shop, points=1050)

    order = Order.objects.get()
    # 100 points = ¥1: 1050 points → ¥10.50 off the ¥1,198.00 goods.
    assert (order.points_used, order.points_discount_amount) == (1050, 1050)
    assert order.total_amount == 119800 - 1050
    shop.member.refresh_from_db()
    assert shop.member.points_balance == 2500 - 1050


def test_more_points_than_the_balance_is_refused(shopper, shop):
    points_add(member=shop.member, delta=100, reason=PointsEntry.Reason.ADJUSTMENT, reference="t")

    response = place(shopper, shop, points=500)

    assert response.status_code == 200
    assert not Order.objects.exists()
    shop.member.refresh_from_db()
    assert shop.member.points_balance == 100
