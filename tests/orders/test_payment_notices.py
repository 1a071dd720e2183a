"""The shopper hears about her money: a notice when her order is paid and when a refund completes
(in the app at /m/notices/; by WeChat template message when configured, queued after commit)."""

import pytest
from django.urls import reverse
from django.utils import translation

from members.models import Notice
from orders.models import Order, Refund
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_start
from orders.services.refunds import refund_execute, refund_request
from tests.orders.shopper_helpers import log_in, notification_for, post_notification

pytestmark = pytest.mark.django_db


def paid_order(client, shop) -> Order:
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment = payment_start(order=order).payment
    assert post_notification(client, notification_for(payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order


def test_the_shopper_is_told_once_when_her_order_is_paid(client, shop):
    order = paid_order(client, shop)
    payment = order.payments.get()
    post_notification(client, notification_for(payment))  # WeChat resends: no second notice

    notice = Notice.objects.get(member=shop.member)
    assert notice.kind == "order_paid"
    assert notice.title == f"Order {order.number} is paid"
    assert notice.body == "We received your payment of ¥599.00."
    assert notice.url == reverse("orders:detail", args=[order.number])


def test_the_shopper_is_told_when_her_refund_completes(client, shop):
    order = paid_order(client, shop)

    refund = refund_request(order=order, lines=None, reason="changed her mind")
    refund = refund_execute(refund=refund)

    assert refund.status == Refund.Status.SUCCEEDED
    notice = Notice.objects.get(member=shop.member, kind="refund_completed")
    assert notice.title == f"Refund of ¥599.00 for order {order.number} completed"
    assert "goes back the way you paid" in notice.body
    assert notice.url == reverse("orders:detail", args=[order.number])
    refund_execute(refund=refund)  # a retried task finds it done: no second notice
    assert Notice.objects.filter(member=shop.member, kind="refund_completed").count() == 1


def test_a_failed_refund_sends_no_notice(client, shop, monkeypatch):
    from wechatpy.exceptions import WeChatPayException

    from o2o import wechat_pay

    order = paid_order(client, shop)

    def refuse(**_kwargs):
        raise WeChatPayException(return_code="FAIL", result_code="FAIL", errmsg="no money")

    monkeypatch.setattr(wechat_pay, "refund_apply", refuse)
    refund = refund_execute(refund=refund_request(order=order, lines=None, reason="broken"))

    assert refund.status == Refund.Status.FAILED
    assert not Notice.objects.filter(kind="refund_completed").exists()


def test_notices_are_written_in_the_sites_language_whoever_caused_them(client, shop, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    order = paid_order(client, shop)

    # The refund is made by someone reading the back office in English.
    with translation.override("en"):
        refund_execute(refund=refund_request(order=order, lines=None, reason="too big"))

    titles = dict(Notice.objects.filter(member=shop.member).values_list("kind", "title"))
    assert titles["order_paid"] == f"订单 {order.number} 已支付"
    assert titles["refund_completed"] == f"订单 {order.number} 的退款 ¥599.00 已完成"


def test_the_notices_page_shows_both(client, shop):
    order = paid_order(client, shop)
    refund_execute(refund=refund_request(order=order, lines=None, reason="too big"))
    log_in(client, shop.member)

    page = client.get(reverse("members:notices")).content.decode()

    assert f"Order {order.number} is paid" in page
    assert f"Refund of ¥599.00 for order {order.number} completed" in page


def test_with_wechat_configured_the_paid_notice_goes_out_after_commit(
    client, shop, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from o2o import durable

    settings.WECHAT_CONFIGURED = True
    shop.member.openid = "o-paying-shopper"
    shop.member.save(update_fields=["openid"])
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment = payment_start(order=order).payment
    queued = []
    monkeypatch.setattr(durable, "durable_send", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        post_notification(client, notification_for(payment))

    # A durable task (recorded with the payment, relayed if the broker is down: o2o.durable).
    [task] = queued
    assert task.task == "members.tasks.send_wechat_notice"
    assert task.kwargs == {"notice_id": Notice.objects.get(kind="order_paid").pk}
