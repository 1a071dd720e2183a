"""Pickup codes: guesses limited per clerk, per store and per order, failures audited for HQ, and
a code unique among a store's open pickups (enforced by the database)."""

import random
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from inventory.services import stock_adjust
from o2o import wechat_pay
from o2o.models import SecurityEvent
from orders.models import Order
from orders.services import checkout, numbers
from orders.services.checkout import Line, order_place
from orders.services.expiry import order_cancel
from orders.services.fulfilment import (
    PICKUP_ATTEMPTS,
    PICKUP_ATTEMPTS_PER_ORDER,
    PICKUP_ATTEMPTS_PER_STORE,
    order_mark_ready,
    pickup_token,
)
from orders.services.payment import payment_notification_handle, payment_start
from stores.models import Staff

pytestmark = pytest.mark.django_db
F = Order.Fulfillment
VERIFY = reverse("orders_backoffice:verify")


def place(shop, sku=None):
    return order_place(
        member=shop.member,
        lines=[Line(sku or shop.sku_m, 1)],
        fulfillment=F.PICKUP,
        store=shop.store,
        channel=Order.Channel.H5,
    )


def pay(order):
    payment = payment_start(order=order).payment
    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.out_trade_no,
        amount=order.total_amount,
        transaction_id=f"TX{order.number}",
    )
    assert payment_notification_handle(body=body) is True
    order.refresh_from_db()
    return order


def ready(shop):
    order = pay(place(shop))
    order_mark_ready(order=order, staff=shop.clerk)
    order.refresh_from_db()
    return order


def second_clerk(shop, django_user_model):
    return Staff.objects.create(
        user=django_user_model.objects.create_user("sh01-c2", password="pw"),
        store=shop.store,
        role=Staff.Role.CLERK,
        staff_code="SH01-C2",
        display_name="店员 SH01-C2",
    )


def wrong_code_for(order) -> str:
    return "000000" if order.pickup_code != "000000" else "111111"


def test_pickup_guesses_are_limited_per_store_across_clerks(shop, client, django_user_model):
    order = ready(shop)
    wrong = wrong_code_for(order)
    client.force_login(shop.clerk.user)
    first = [client.post(VERIFY, {"code": wrong}).status_code for _ in range(PICKUP_ATTEMPTS)]

    client.force_login(second_clerk(shop, django_user_model).user)
    second = [client.post(VERIFY, {"code": wrong}).status_code for _ in range(PICKUP_ATTEMPTS)]
    right = client.post(VERIFY, {"code": order.pickup_code})

    assert first == [400] * PICKUP_ATTEMPTS
    left_for_the_store = PICKUP_ATTEMPTS_PER_STORE - PICKUP_ATTEMPTS
    assert second == [400] * left_for_the_store + [429] * (PICKUP_ATTEMPTS - left_for_the_store)
    assert right.status_code == 429 and "Try again in 10 minutes" in right.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.READY
    # Another store's counter is its own.
    client.force_login(shop.other_clerk.user)
    assert client.post(VERIFY, {"code": wrong}).status_code == 400


def test_wrong_pickup_codes_are_recorded_for_hq(shop, client):
    order = ready(shop)
    client.force_login(shop.clerk.user)

    client.post(VERIFY, {"code": wrong_code_for(order)}, REMOTE_ADDR="192.0.2.10")

    event = SecurityEvent.objects.get(secret=SecurityEvent.Secret.PICKUP_CODE)
    assert event.kind == SecurityEvent.Kind.FAILED
    assert event.target == "store sh01" and event.user == shop.clerk.user
    assert event.client_ip == "192.0.2.10" and event.note == "typed code"


def test_attempts_at_one_order_are_limited(shop, client, django_user_model):
    order = pay(place(shop))  # paid, not ready yet: every attempt is refused as "not ready"
    client.force_login(shop.clerk.user)
    token = pickup_token(order)
    answers = [
        client.post(VERIFY, {"code": token}).status_code for _ in range(PICKUP_ATTEMPTS_PER_ORDER)
    ]
    order_mark_ready(order=order, staff=shop.clerk)

    client.force_login(second_clerk(shop, django_user_model).user)
    response = client.post(VERIFY, {"code": token})

    assert answers == [409] * PICKUP_ATTEMPTS_PER_ORDER
    assert response.status_code == 429


def test_the_database_refuses_two_open_pickups_with_one_code(shop):
    first, second = place(shop), place(shop, shop.sku_l)

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(pickup_code=first.pickup_code)


def test_a_closed_orders_code_may_be_given_again(shop, monkeypatch):
    first = place(shop)
    order_cancel(order=first)
    codes = iter([first.pickup_code])
    monkeypatch.setattr(numbers, "pickup_code_new", lambda: next(codes))

    second = place(shop, shop.sku_l)

    assert second.pickup_code == first.pickup_code


def test_a_clashing_code_is_drawn_again(shop, monkeypatch):
    first = place(shop)
    codes = iter([first.pickup_code, first.pickup_code, "424242"])
    monkeypatch.setattr(numbers, "pickup_code_new", lambda: next(codes))

    second = place(shop, shop.sku_l)

    assert second.pickup_code == "424242"
    assert Order.objects.get(pk=second.pk).pickup_code == "424242"


def test_a_late_payment_reviving_an_order_whose_code_was_reused_gets_a_new_code(shop, monkeypatch):
    first = place(shop)
    payment = payment_start(order=first).payment
    order_cancel(order=first)
    codes = iter([first.pickup_code, "535353"])
    monkeypatch.setattr(numbers, "pickup_code_new", lambda: next(codes))
    second = place(shop, shop.sku_l)  # gets the cancelled order's code
    assert second.pickup_code == first.pickup_code

    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.out_trade_no, amount=first.total_amount, transaction_id="TX-LATE"
    )
    assert payment_notification_handle(body=body) is True

    first.refresh_from_db()
    assert first.status == Order.Status.PAID
    assert first.pickup_code == "535353"
    assert Order.objects.get(pk=second.pk).pickup_code == second.pickup_code


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_share_an_open_pickup_code(shop, monkeypatch):
    threads_count = 8
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=threads_count, reason="receipt")
    # A dozen codes to draw from, so concurrent checkouts clash all the time.
    pool = [f"{n:06d}" for n in range(100000, 100012)]
    draw = lambda: random.choice(pool)  # noqa: E731
    monkeypatch.setattr(numbers, "pickup_code_new", draw)
    monkeypatch.setattr(checkout, "pickup_code_new", draw, raising=False)
    barrier = threading.Barrier(threads_count)
    errors = []

    def place_at_once():
        try:
            barrier.wait()
            place(shop)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=place_at_once) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = list(Order.objects.values_list("pickup_code", flat=True))
    assert errors == []
    assert len(codes) == threads_count and len(set(codes)) == threads_count
