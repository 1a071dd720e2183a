"""Placing, paying (through a notification signed as WeChat Pay signs it) and fulfilling orders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockLevel
from o2o import wechat_pay
from orders.models import Order, Payment, PaymentNotification
from orders.services.checkout import Line, order_place
from orders.services.expiry import orders_expire
from orders.services.fulfilment import (
    AlreadyCollected,
    NotYourStore,
    order_hand_over,
    order_mark_ready,
    pickup_token,
    pickup_verify,
)
from orders.services.payment import payment_notification_handle, payment_start

pytestmark = pytest.mark.django_db


def level(shop, sku):
    return StockLevel.objects.get(store=shop.store, sku=sku)


def pay(order, *, amount=None, transaction_id="TX1"):
    payment = payment_start(order=order)
    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.payment.out_trade_no,
        amount=amount or order.total_amount,
        transaction_id=transaction_id,
    )
    return payment_notification_handle(body=body)


def test_scan_and_pay_in_store_then_hand_over(shop):
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.IN_STORE,
        store=shop.store,
        channel=Order.Channel.IN_STORE,
    )
    assert order.status == "pending_payment" and level(shop, shop.sku_m).reserved == 1

    assert pay(order) is True
    order.refresh_from_db()
    assert order.status == "paid"
    assert (level(shop, shop.sku_m).on_hand, level(shop, shop.sku_m).reserved) == (2, 0)

    with pytest.raises(NotYourStore):
        order_hand_over(order=order, staff=shop.other_clerk)
    order_hand_over(order=order, staff=shop.clerk)
    order.refresh_from_db()
    shop.member.refresh_from_db()
    assert order.status == "completed"
    assert shop.member.points_balance == 599 and shop.member.home_store == shop.store


def test_same_notification_fifteen_times_pays_once(shop):
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 2)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment = payment_start(order=order)
    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.payment.out_trade_no, amount=order.total_amount, transaction_id="TX-15"
    )

    answers = [payment_notification_handle(body=body) for _ in range(15)]

    assert all(answers)
    assert Payment.objects.get().status == "paid"
    assert order.events.filter(to_status="paid").count() == 1
    assert level(shop, shop.sku_m).on_hand == 1
    assert PaymentNotification.objects.filter(outcome="duplicate").count() == 14


@pytest.mark.parametrize("tamper", ["signature", "amount", "unknown"])
def test_forged_or_mismatched_notifications_change_nothing(shop, tamper):
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment = payment_start(order=order).payment
    fields = dict(
        out_trade_no=payment.out_trade_no, amount=order.total_amount, transaction_id="TX-BAD"
    )
    if tamper == "amount":
        fields["amount"] = order.total_amount - 1
    if tamper == "unknown":
        fields["out_trade_no"] = "999999999999"
    body = wechat_pay.sandbox_notification(**fields)
    if tamper == "signature":
        body = body.replace(b"<total_fee>", b"<total_fee>1", 1)

    assert payment_notification_handle(body=body) is False
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert Payment.objects.get().status == "created"
    assert PaymentNotification.objects.get().outcome in {
        "bad_signature",
        "amount_mismatch",
        "unknown_order",
    }


def test_pickup_ready_then_verified_once_by_the_store(shop):
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_l, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    pay(order)
    order.refresh_from_db()
    order_mark_ready(order=order, staff=shop.clerk)
    assert shop.member.notices.filter(kind="order_ready").count() == 1

    with pytest.raises(NotYourStore):
        pickup_verify(staff=shop.other_clerk, token=pickup_token(order))
    pickup_verify(staff=shop.clerk, code=order.pickup_code)
    with pytest.raises(AlreadyCollected):
        pickup_verify(staff=shop.clerk, token=pickup_token(order))
    order.refresh_from_db()
    assert order.status == "completed"


def test_unpaid_order_expires_and_releases_stock_then_late_payment_retakes_it(shop):
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 3)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment_start(order=order)

    assert orders_expire(now=timezone.now() + timedelta(minutes=16))["expired"] == 1
    assert level(shop, shop.sku_m).reserved == 0

    assert pay(order, transaction_id="TX-LATE") is True
    order.refresh_from_db()
    assert order.status == "paid" and level(shop, shop.sku_m).on_hand == 0
