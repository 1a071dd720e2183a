"""My orders and the order detail: only her own, timeline, cancel, confirm received, pickup QR."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order
from orders.services.checkout import Line, order_place
from orders.services.fulfilment import order_mark_ready, order_ship
from orders.services.payment import payment_notification_handle, payment_start
from tests.orders.shopper_helpers import log_in, notification_for

pytestmark = pytest.mark.django_db


def place(shop, fulfillment="pickup", **extra):
    return order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1), Line(shop.sku_l, 1)],
        fulfillment=fulfillment,
        store=shop.store,
        **extra,
    )


def pay(order, transaction_id="TX-MINE"):
    payment = payment_start(order=order).payment
    assert payment_notification_handle(
        body=notification_for(payment, transaction_id=transaction_id)
    )
    order.refresh_from_db()
    return order


def test_another_member_gets_404(client, shop):
    order = place(shop)
    stranger, _ = member_get_or_create_by_phone(phone="13700137000")
    log_in(client, stranger)

    for name in ("detail", "receipt", "pay"):
        assert client.get(reverse(f"orders:{name}", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    assert order.number not in client.get(reverse("orders:list")).content.decode()
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_list_and_detail_need_login(client, shop):
    order = place(shop)
    for url in (reverse("orders:list"), reverse("orders:detail", args=[order.number])):
        assert client.get(url)["Location"].startswith("/m/login/")


def test_the_list_query_count_does_not_grow_with_orders(
    client, shop, django_assert_max_num_queries
):
    log_in(client, shop.member)
    place(shop)
    with django_assert_max_num_queries(8):
        client.get(reverse("orders:list"))
    for _ in range(2):
        place(shop)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("orders:list"))
    assert response.content.decode().count("真丝连衣裙") >= 3


def test_detail_shows_timeline_and_the_pickup_code_once_ready(
    client, shop, django_assert_max_num_queries
):
    log_in(client, shop.member)
    order = pay(place(shop))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Order placed" in page and "Paid" in page
    assert order.pickup_code not in page  # not before the store has it ready

    order_mark_ready(order=order, staff=shop.clerk)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "Ready for pickup" in page and order.pickup_code in page
    assert "data:image/png;base64," in page


def test_cancel_while_pending_payment_releases_the_stock(client, shop):
    log_in(client, shop.member)
    order = place(shop)

    client.post(reverse("orders:cancel", args=[order.number]))

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert StockLevel.objects.get(store=shop.store, sku=shop.sku_m).reserved == 0


def test_a_paid_order_cannot_be_cancelled_by_the_shopper(client, shop):
    log_in(client, shop.member)
    order = pay(place(shop))

    response = client.post(reverse("orders:cancel", args=[order.number]), follow=True)

    assert "can no longer be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "paid"


def test_confirm_received_completes_a_shipped_parcel(client, shop):
    log_in(client, shop.member)
    order = pay(place(shop, "ship", address={"address": "长宁路 1 号"}))
    order_ship(order=order, staff=shop.clerk, tracking="SF123")
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Confirm received" in page

    client.post(reverse("orders:received", args=[order.number]))

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_receipt_shows_the_paid_mark_store_and_the_store_card(client, shop):
    log_in(client, shop.member)
    order = pay(place(shop))

    page = client.get(reverse("orders:receipt", args=[order.number])).content.decode()

    assert 'data-testid="paid-mark"' in page and order.number in page
    assert shop.store.name in page and "¥1,198.00" in page
