"""The production WeChat Pay path (sandbox off) against WeChat Pay v2 faked on this machine
(tests/wechat_pay_fake.py): unified order over HTTP, JSAPI parameters signed as WeChat requires,
the notification verified with the merchant key, a missed notification found by the order query,
refunds with the merchant certificate, and no refund at all without it."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from o2o import wechat_pay
from orders.models import Order, Payment, Refund
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_start, payments_reconcile
from orders.services.refunds import refund_execute, refund_request
from tests.orders.shopper_helpers import post_notification
from tests.wechat_fake import WeChatFake
from tests.wechat_pay_fake import WeChatPayFake

pytestmark = pytest.mark.django_db
KEY = "k" * 32


@pytest.fixture
def wechat_pay_live(settings, tmp_path):
    fake = WeChatFake(app_id="wx-live", secret="unused").start()
    settings.WECHAT_PAY_SANDBOX = False
    settings.WECHAT_PAY_API_KEY = KEY
    settings.WECHAT_PAY_MCH_ID = "1230000109"
    settings.WECHAT_APP_ID = "wx-live"
    settings.WECHAT_PAY_BASE_URL = fake.pay_base_url
    # Over plain HTTP requests does not present them; the files only have to be configured.
    (tmp_path / "apiclient_cert.pem").write_text("cert")
    (tmp_path / "apiclient_key.pem").write_text("key")
    settings.WECHAT_PAY_CERT_PATH = str(tmp_path / "apiclient_cert.pem")
    settings.WECHAT_PAY_KEY_PATH = str(tmp_path / "apiclient_key.pem")
    pay = WeChatPayFake.install(fake, api_key=KEY, mch_id="1230000109", app_id="wx-live")
    try:
        yield pay
    finally:
        fake.stop()


def placed(shop) -> Order:
    return order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )


def test_pay_and_refund_with_the_sandbox_off(shop, wechat_pay_live):
    order = placed(shop)

    # the shopper's pay page: a real unified order, and wx.chooseWXPay parameters
    started = payment_start(order=order, openid="o-shopper", client_ip="10.0.0.8")
    trade = wechat_pay_live.trades[order.number]
    assert (trade.total_fee, trade.openid) == (order.total_amount, "o-shopper")
    assert trade.notify_url.endswith("/wechat/pay/notify")
    params = started.jsapi
    assert params["package"] == f"prepay_id={trade.prepay_id}" and params["signType"] == "MD5"
    # wx.chooseWXPay takes `timestamp`; WeChat signs it as `timeStamp`, with the appId
    signed = (
        f"appId=wx-live&nonceStr={params['nonceStr']}&package={params['package']}"
        f"&signType=MD5&timeStamp={params['timestamp']}"
    )
    assert params["paySign"] == hashlib.md5(f"{signed}&key={KEY}".encode()).hexdigest().upper()
    # asking again reuses the trade
    payment_start(order=order, openid="o-shopper")
    assert len(wechat_pay_live.trades) == 1

    # she pays; WeChat's notification is verified with the merchant key
    answer = post_notification(Client(), wechat_pay_live.shopper_pays(order.number))
    assert b"SUCCESS" in answer.content
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    # a refund goes to WeChat with the trade's total and the refunded amount
    refund = refund_execute(refund=refund_request(order=order, lines=None, reason="wrong size"))
    assert refund.status == Refund.Status.SUCCEEDED and refund.refund_id.startswith("5030")
    assert wechat_pay_live.trades[order.number].refunded == order.total_amount
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_missed_notification_is_found_by_the_order_query(shop, wechat_pay_live):
    order = placed(shop)
    payment_start(order=order, openid="o-shopper")
    wechat_pay_live.shopper_pays(order.number)  # ...and the notification never arrives
    Payment.objects.filter(out_trade_no=order.number).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )

    assert payments_reconcile() == 1

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = Payment.objects.get(out_trade_no=order.number)
    assert payment.transaction_id == wechat_pay_live.trades[order.number].transaction_id


def test_a_forged_notification_changes_nothing(shop, wechat_pay_live):
    order = placed(shop)
    payment_start(order=order, openid="o-shopper")
    genuine = wechat_pay_live.shopper_pays(order.number)

    forged = genuine.replace(b"<total_fee>", b"<total_fee>1", 1)
    post_notification(Client(), forged)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_no_refund_starts_without_the_merchant_certificate(shop, wechat_pay_live, settings):
    order = placed(shop)
    payment_start(order=order, openid="o-shopper")
    post_notification(Client(), wechat_pay_live.shopper_pays(order.number))
    settings.WECHAT_PAY_CERT_PATH = ""

    with pytest.raises(wechat_pay.RefundNotConfigured):
        refund_request(order=order, lines=None, reason="wrong size")

    assert not Refund.objects.exists()
    assert wechat_pay_live.trades[order.number].refunded == 0
