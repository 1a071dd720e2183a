"""/wechat/pay/notify over HTTP, with notifications signed by wechatpy's signature code."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from orders.models import Order, Payment, PaymentNotification
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_start
from tests.orders.shopper_helpers import log_in, notification_for, post_notification

SUCCESS = b"<xml><return_code><![CDATA[SUCCESS]]></return_code>"
FAIL = b"<xml><return_code><![CDATA[FAIL]]></return_code>"


def pending_payment(shop) -> Payment:
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    return payment_start(order=order).payment


@pytest.mark.django_db
def test_the_first_notification_pays_the_order(client, shop):
    payment = pending_payment(shop)

    response = post_notification(client, notification_for(payment))

    assert response.status_code == 200 and response.content.startswith(SUCCESS)
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.order.status == "paid"


@pytest.mark.django_db
def test_the_same_notification_fifteen_times_pays_once(client, shop):
    payment = pending_payment(shop)
    body = notification_for(payment, transaction_id="TX-REPEAT")

    answers = [post_notification(client, body).content for _ in range(15)]

    assert all(answer.startswith(SUCCESS) for answer in answers)
    assert Payment.objects.filter(status="paid").count() == 1
    assert payment.order.events.filter(to_status="paid").count() == 1
    assert PaymentNotification.objects.filter(outcome="applied").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["signature", "amount", "unknown order", "not xml"])
def test_forged_or_mismatched_notifications_answer_fail_and_change_nothing(client, shop, tamper):
    payment = pending_payment(shop)
    body = notification_for(payment)
    if tamper == "signature":
        body = body.replace(b"<transaction_id>", b"<transaction_id>X", 1)
    elif tamper == "amount":
        body = notification_for(payment, amount=payment.amount - 1)
    elif tamper == "unknown order":
        payment.out_trade_no = "999999999999"
        body = notification_for(payment)
    else:
        body = b"total_fee=1"

    response = post_notification(client, body)

    assert response.content.startswith(FAIL)
    assert Payment.objects.get().status == "created"
    assert Order.objects.get().status == "pending_payment"
    assert PaymentNotification.objects.get().outcome != "applied"


@pytest.mark.django_db
def test_notify_takes_only_post(client):
    assert client.get("/wechat/pay/notify").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_move_the_order_once(shop):
    payment = pending_payment(shop)
    body = notification_for(payment, transaction_id="TX-RACE")
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    answers, errors = [], []

    def post():
        try:
            client = Client()
            barrier.wait()
            answers.append(post_notification(client, body).content)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(answers) == threads_count and all(a.startswith(SUCCESS) for a in answers)
    assert Payment.objects.filter(status="paid").count() == 1
    assert Order.objects.get().events.filter(to_status="paid").count() == 1
    assert PaymentNotification.objects.filter(outcome="applied").count() == 1


@pytest.mark.django_db
def test_the_sandbox_page_hands_out_a_notification_the_endpoint_accepts(client, shop, settings):
    settings.WECHAT_PAY_SANDBOX = True
    payment = pending_payment(shop)
    log_in(client, shop.member)
    url = reverse("orders:sandbox_pay", args=[payment.out_trade_no])
    assert "SANDBOX" in client.get(url).content.decode()

    response = client.post(url)

    body = response.context["notification"].encode()
    assert post_notification(Client(), body).content.startswith(SUCCESS)
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.transaction_id.startswith("SBX")
    receipt = client.get(reverse("orders:receipt", args=[payment.order.number]))
    assert "PAID" in receipt.content.decode()


@pytest.mark.django_db
def test_nobody_else_can_open_the_sandbox_page(client, shop, settings):
    from members.services.accounts import member_get_or_create_by_phone

    settings.WECHAT_PAY_SANDBOX = True
    payment = pending_payment(shop)
    stranger, _ = member_get_or_create_by_phone(phone="13700137000")
    log_in(client, stranger)

    url = reverse("orders:sandbox_pay", args=[payment.out_trade_no])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
