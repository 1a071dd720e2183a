"""Payments fail closed (DESIGN §4 "Trust"): without a merchant key and with the sandbox off,
nothing can be paid, the sandbox pages are gone and the demo key verifies nothing.

The suite runs with WECHAT_PAY_SANDBOX=true (scripts/test.sh); these tests switch it off. The
default itself (off outside DEBUG) is checked in a fresh process in tests/o2o/test_checks.py.
"""

import secrets

import pytest
from django.urls import reverse
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from o2o import wechat_pay
from orders.models import Order, Payment, PaymentNotification
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_start
from tests.orders.shopper_helpers import log_in, post_notification
from tests.wechat_fake import WeChatFake

SUCCESS = b"<xml><return_code><![CDATA[SUCCESS]]></return_code>"
FAIL = b"<xml><return_code><![CDATA[FAIL]]></return_code>"


@pytest.fixture
def pay_fake(settings):
    """WeChat Pay's host, faked: any call that reaches it is recorded (and answered 404)."""
    fake = WeChatFake(app_id="wx-pay-test", secret="unused").start()
    settings.WECHAT_PAY_BASE_URL = fake.pay_base_url
    try:
        yield fake
    finally:
        fake.stop()


def place(shop) -> Order:
    return order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )


def sandbox_payment(shop, settings) -> Payment:
    """A payment started while the sandbox was on (e.g. before the operator switched it off)."""
    settings.WECHAT_PAY_SANDBOX = True
    payment = payment_start(order=place(shop)).payment
    settings.WECHAT_PAY_SANDBOX = False
    return payment


def signed_with(key: str, payment: Payment) -> bytes:
    """A well-formed notification for `payment`, signed with `key` by wechatpy's own signer."""
    fields = {
        "appid": wechat_pay.DEMO_APP_ID,
        "mch_id": wechat_pay.DEMO_MCH_ID,
        "nonce_str": secrets.token_hex(16),
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "openid": "o-someone",
        "trade_type": "JSAPI",
        "total_fee": payment.amount,
        "transaction_id": "TX-DEMO-KEY",
        "out_trade_no": payment.out_trade_no,
    }
    return dict_to_xml(fields, calculate_signature(fields, key)).encode()


@pytest.mark.django_db
def test_without_a_key_and_the_sandbox_off_paying_refuses_with_a_clear_message(
    client, shop, settings, pay_fake
):
    settings.WECHAT_PAY_SANDBOX = False
    settings.WECHAT_PAY_API_KEY = ""
    order = place(shop)
    log_in(client, shop.member)

    response = client.get(reverse("orders:pay", args=[order.number]), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[order.number])
    assert "Online payment is not available right now" in response.content.decode()
    assert not Payment.objects.exists()
    assert pay_fake.requests == []  # nothing was sent to WeChat Pay


@pytest.mark.django_db
def test_the_sandbox_pages_answer_404_once_the_sandbox_is_off(client, shop, settings):
    payment = sandbox_payment(shop, settings)
    settings.WECHAT_PAY_API_KEY = ""
    log_in(client, shop.member)
    url = reverse("orders:sandbox_pay", args=[payment.out_trade_no])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED


@pytest.mark.django_db
@pytest.mark.parametrize("configured_key", ["", "the-merchants-real-api-key-0123456"])
def test_the_demo_key_is_refused_once_the_sandbox_is_off(client, shop, settings, configured_key):
    payment = sandbox_payment(shop, settings)
    settings.WECHAT_PAY_API_KEY = configured_key

    response = post_notification(client, signed_with(wechat_pay.DEMO_API_KEY, payment))

    assert response.status_code == 403 and response.content.startswith(FAIL)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED
    assert payment.order.status == Order.Status.PENDING_PAYMENT
    assert PaymentNotification.objects.get().outcome == PaymentNotification.Outcome.BAD_SIGNATURE


@pytest.mark.django_db
def test_the_demo_key_is_accepted_while_the_sandbox_is_on(client, shop, settings):
    settings.WECHAT_PAY_SANDBOX = True
    settings.WECHAT_PAY_API_KEY = ""
    payment = payment_start(order=place(shop)).payment

    response = post_notification(client, signed_with(wechat_pay.DEMO_API_KEY, payment))

    assert response.content.startswith(SUCCESS)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


@pytest.mark.django_db
def test_with_the_sandbox_off_the_merchants_key_verifies_notifications(client, shop, settings):
    payment = sandbox_payment(shop, settings)
    settings.WECHAT_PAY_API_KEY = "the-merchants-real-api-key-0123456"

    response = post_notification(client, signed_with("the-merchants-real-api-key-0123456", payment))

    assert response.status_code == 200 and response.content.startswith(SUCCESS)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
