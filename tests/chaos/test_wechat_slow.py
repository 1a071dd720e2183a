"""WeChat answering after 30 s: pages that need it answer within the read timeout with a clear
message; after a few such failures the breaker answers at once, so a slow WeChat cannot hold the
web workers; /healthz says "degraded" and names it; WeChat back → calls go through again.
"""

from __future__ import annotations

import time

import pytest
from django.test import Client

from orders.models import Order
from orders.services.checkout import Line, order_place
from tests.orders.shopper_helpers import log_in

pytestmark = [pytest.mark.chaos, pytest.mark.django_db]

WECHAT_DELAY = 30  # seconds; every test here must end long before it
READ_TIMEOUT = 1.0
JSSDK = "/wechat/jssdk/config"


@pytest.fixture
def slow_wechat(wechat_fake, settings):
    settings.OUTGOING_CONNECT_TIMEOUT = 1.0
    settings.OUTGOING_READ_TIMEOUT = READ_TIMEOUT
    settings.OUTGOING_BREAKER_FAILURES = 2
    settings.OUTGOING_BREAKER_RESET = 60.0
    settings.SITE_URL = "https://shop.example.com"
    wechat_fake.slow(WECHAT_DELAY)
    return wechat_fake


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_slow_wechat_costs_a_page_the_timeout_then_nothing(slow_wechat, client):
    page = "https://shop.example.com/stores/"

    answers = [timed(lambda: client.get(JSSDK, {"url": page})) for _ in range(4)]

    for response, _seconds in answers:
        assert response.status_code == 502
        assert response.json()["code"] == "wechat_unavailable"
    first, second, third, fourth = (seconds for _response, seconds in answers)
    # The first two wait for the read timeout (not 30 s); then the breaker is open.
    assert READ_TIMEOUT * 0.9 < first < READ_TIMEOUT + 2
    assert second < READ_TIMEOUT + 2
    assert third < 0.3 and fourth < 0.3
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["outgoing"] == {"wechat": "unavailable"}


def test_the_breaker_lets_a_trial_through_and_closes_when_wechat_is_back(
    slow_wechat, client, settings
):
    settings.OUTGOING_BREAKER_RESET = 0.5
    page = "https://shop.example.com/stores/"
    for _ in range(2):
        client.get(JSSDK, {"url": page})
    assert client.get(JSSDK, {"url": page}).status_code == 502  # open: not even tried

    slow_wechat.slow(0)
    time.sleep(0.6)
    response = client.get(JSSDK, {"url": page})

    assert response.status_code == 200 and response.json()["signature"]
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_slow_wechat_pay_the_pay_page_answers_in_time_with_a_clear_message(
    slow_wechat, shop, settings
):
    settings.WECHAT_PAY_SANDBOX = False
    settings.WECHAT_PAY_API_KEY = "k" * 32
    settings.WECHAT_PAY_MCH_ID = "1900000109"
    shop.member.openid = "o-slow-pay"
    shop.member.save(update_fields=["openid"])
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    client = log_in(Client(), shop.member)

    response, seconds = timed(lambda: client.get(f"/orders/{order.number}/pay/", follow=True))

    assert seconds < READ_TIMEOUT + 2
    assert response.status_code == 200
    assert "Online payment is not available right now" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending_payment"  # nothing changed; she can pay in a minute
