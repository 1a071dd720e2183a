"""Redis (cache and broker) dies while shoppers log in, buy and pay: nobody sees a 5xx, the
platform reports "degraded", and once Redis is back every effect queued meanwhile happens once.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client

from members import sms
from members.models import Member, Notice
from o2o.durable import durable_relay
from o2o.models import DurableTask
from orders.models import Order
from tests.chaos.servers import wait_until

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

PHONE = "13700137000"


def _code(phone: str) -> str:
    message = [m for m in sms.outbox if m.phone == phone][-1]
    return re.search(r"\d{6}", message.message).group()


class Shopper:
    """A phone browsing the shop; remembers every answer so the test can check none was 5xx."""

    def __init__(self):
        self.client = Client()
        self.answers: list[tuple[str, int]] = []

    def get(self, url, **data):
        response = self.client.get(url, data)
        self.answers.append((f"GET {url}", response.status_code))
        return response

    def post(self, url, data=None, **extra):
        response = self.client.post(url, data or {}, **extra)
        self.answers.append((f"POST {url}", response.status_code))
        return response

    def server_errors(self):
        return [answer for answer in self.answers if answer[1] >= 500]


def _log_in_buy_and_pay(shopper: Shopper, shop, *, redis) -> Order:
    shopper.get(f"/q/{shop.sku_m.code}", s=shop.store.code)  # scans the label in the store
    assert shopper.post("/m/login/", {"phone": PHONE}).status_code == 302
    redis.kill()  # cache and broker die while the SMS is on its way
    assert shopper.post("/m/login/", {"phone": PHONE, "code": _code(PHONE)}).status_code == 302
    # Her WeChat is linked (an openid), so the paid notice also goes out by WeChat.
    Member.objects.filter(phone=PHONE).update(openid="o-chaos-shopper")

    bought = shopper.post("/buy-now/", {"sku": shop.sku_m.code})
    assert bought.status_code == 302 and "/pay/" in bought["Location"], bought
    order = Order.objects.get(member__phone=PHONE)
    to_sandbox = shopper.get(bought["Location"])
    assert to_sandbox.status_code == 302, to_sandbox
    paying = shopper.post(to_sandbox["Location"])
    assert paying.status_code == 200
    notified = shopper.post(
        "/wechat/pay/notify",
        data=paying.context["notification"].encode(),
        content_type="text/xml",
    )
    assert b"SUCCESS" in notified.content
    order.refresh_from_db()
    return order


def test_redis_down_a_new_shopper_logs_in_buys_and_pays_and_the_notice_comes_once(
    private_redis, worker_factory, wechat_fake, shop, settings
):
    started = time.monotonic()

    shopper = Shopper()
    order = _log_in_buy_and_pay(shopper, shop, redis=private_redis)
    second = Shopper()  # and a second shopper logs in while Redis is away
    assert second.post("/m/login/", {"phone": "13700137001"}).status_code == 302
    code = _code("13700137001")
    assert second.post("/m/login/", {"phone": "13700137001", "code": code}).status_code == 302
    assert Member.objects.filter(phone="13700137001").exists()
    health = shopper.get("/healthz")

    assert shopper.server_errors() == [] and second.server_errors() == []
    assert order.status == "paid"
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert set(health.json()["failing"]) == {"broker", "cache"}
    # The WeChat notice waits in the database, not lost with the broker.
    [task] = DurableTask.objects.all()
    assert (task.task, task.status) == ("members.tasks.send_wechat_notice", "pending")
    assert wechat_fake.sent_templates() == []
    outage_seconds = time.monotonic() - started

    private_redis.start()  # Redis is back (empty: it kept nothing)
    worker_factory(
        private_redis.url,
        WECHAT_APP_ID=settings.WECHAT_APP_ID,
        WECHAT_APP_SECRET=settings.WECHAT_APP_SECRET,
        WECHAT_API_BASE_URL=settings.WECHAT_API_BASE_URL,
        WECHAT_TEMPLATE_NOTICE=settings.WECHAT_TEMPLATE_NOTICE,
    )
    task.refresh_from_db()
    DurableTask.objects.filter(pk=task.pk).update(touched_at=task.created_at.replace(year=2000))
    assert durable_relay()["sent"] == 1
    wait_until(
        lambda: DurableTask.objects.filter(pk=task.pk, status="done").exists(),
        timeout=60,
        what="the relayed notice to be sent by the worker",
    )
    # A second relay and a duplicate delivery change nothing.
    assert durable_relay()["sent"] == 0
    from o2o.durable import durable_send

    durable_send(DurableTask.objects.get(pk=task.pk))
    time.sleep(2)

    notice = Notice.objects.get(member__phone=PHONE, kind="order_paid")
    sent = [t for t in wechat_fake.sent_templates() if t.get("touser") == "o-chaos-shopper"]
    assert len(sent) == 1, sent
    assert notice.title in str(sent[0])
    assert DurableTask.objects.get(pk=task.pk).runs == 1
    assert shopper.get("/healthz").json()["status"] == "ok"
    print(f"outage steps took {outage_seconds:.1f} s with Redis down")


def test_broker_down_a_late_payment_needing_a_refund_is_acknowledged_and_swept_later(
    private_redis, shop
):
    from inventory.services import stock_adjust
    from orders.models import Refund
    from orders.services.checkout import Line, order_place
    from orders.services.expiry import orders_expire
    from orders.services.payment import payment_start
    from orders.tasks import retry_requested_refunds
    from tests.orders.shopper_helpers import notification_for, post_notification

    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 3)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    payment = payment_start(order=order).payment
    orders_expire(now=order.expires_at + timedelta(minutes=1))
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=-3, reason="sale")  # sold at the till
    private_redis.kill()

    # The money arrives for goods no longer there: a refund, whose task cannot be queued.
    response = post_notification(Client(), notification_for(payment, transaction_id="TX-LATE"))

    assert response.status_code == 200 and b"SUCCESS" in response.content
    refund = Refund.objects.get(order=order)
    assert refund.status == "requested"
    # The sweep (beat, once the broker is back; or cron) executes it.
    retry_requested_refunds()
    refund.refresh_from_db()
    assert refund.status == "succeeded"
