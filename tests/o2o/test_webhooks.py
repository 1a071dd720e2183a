"""Webhooks through the transactional outbox (DESIGN §4 "Outbound events"), delivered to a real
HTTP receiver on this machine: order, signatures, retries with backoff, dead-letter and
redelivery, a crashed relay, a rolled-back change."""

import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.services import stock_adjust
from o2o.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from o2o.outbox import EventType, outbox_event_record
from o2o.tasks import relay_webhooks
from o2o.webhooks import (
    SIGNATURE_HEADER,
    _deliveries_claim,
    outbox_fan_out,
    retry_delay,
    signature_header,
    signature_verify,
    webhook_deliveries_redeliver,
    webhooks_relay,
)
from orders.models import Order
from orders.services.checkout import Line, order_place
from orders.services.fulfilment import order_hand_over
from tests.orders.test_order_flow import pay
from tests.webhook_receiver import receiver_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver, server = receiver_start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscription(receiver):
    return WebhookSubscription.objects.create(name="ERP", url=receiver.url, secret="s3cret")


def _events(subscription_or_receiver, *, prefix=""):
    return [
        (r.document["type"], r.document["aggregate"])
        for r in subscription_or_receiver.delivered
        if r.document["type"].startswith(prefix)
    ]


def _record(aggregate="order:A", event_type=EventType.ORDER_PAID, **data):
    with transaction.atomic():
        return outbox_event_record(event_type=event_type, aggregate=aggregate, data=data)


def test_an_orders_events_arrive_in_order_signed(shop, receiver, subscription):
    # given an in-store order placed, paid and handed over
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.IN_STORE,
        store=shop.store,
        channel=Order.Channel.IN_STORE,
    )
    pay(order)
    order_hand_over(order=order, staff=shop.clerk)

    # when the relay runs
    webhooks_relay()

    # then the order's events arrived once each, in order, each signed with the secret
    aggregate = f"order:{order.number}"
    assert [t for t, a in _events(receiver, prefix="order.") if a == aggregate] == [
        "order.placed",
        "order.paid",
        "order.completed",
    ]
    for received in receiver.delivered:
        assert signature_verify(
            secret="s3cret", body=received.body, header=received.headers[SIGNATURE_HEADER]
        )
        assert received.headers["Idempotency-Key"] == received.document["id"]
    completed = receiver.delivered[-1].document
    assert completed["data"]["status"] == "completed"
    assert completed["data"]["total_amount"] == order.total_amount
    # stock left the shelf: its new on-hand was reported too
    stock = [
        r.document["data"] for r in receiver.delivered if r.document["type"] == "stock.changed"
    ]
    assert {"store": "sh01", "sku": "dress-m", "delta": -1, "on_hand": 2}.items() <= stock[
        -1
    ].items()
    # and a second run sends nothing again
    assert webhooks_relay() == 0
    assert len(receiver.requests) == len(receiver.delivered)


def test_a_subscription_gets_only_its_event_types(receiver):
    WebhookSubscription.objects.create(
        name="Tills", url=receiver.url, event_types=[EventType.STOCK_CHANGED]
    )
    _record(event_type=EventType.ORDER_PAID)
    _record(aggregate="stock:sh01:x", event_type=EventType.STOCK_CHANGED)

    webhooks_relay()

    assert _events(receiver) == [("stock.changed", "stock:sh01:x")]


def test_receiver_down_for_a_while_gets_retries_with_backoff_then_everything_in_order(
    receiver, subscription
):
    # given a receiver that answers 503 twice, and two events of one order
    receiver.fail_first = 2
    first, second = _record(step=1), _record(step=2)
    start = timezone.now()

    # when the relay runs: the first event fails, the second waits behind it
    webhooks_relay(now=start)
    delivery = WebhookDelivery.objects.get(event=first)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == start + retry_delay(1)
    assert WebhookDelivery.objects.get(event=second).attempts == 0
    assert delivery.last_response_status == 503

    # nothing is due before the backoff is over
    assert webhooks_relay(now=start + timedelta(seconds=1)) == 0
    # the second try fails too, and the wait doubles
    later = start + retry_delay(1)
    webhooks_relay(now=later)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - later == 2 * retry_delay(1)

    # then the receiver is back: both arrive, in order
    webhooks_relay(now=delivery.next_attempt_at)
    assert [r.document["data"]["step"] for r in receiver.delivered] == [1, 2]
    statuses = WebhookDelivery.objects.values_list("status", "attempts").order_by("event_id")
    assert list(statuses) == [("delivered", 3), ("delivered", 1)]
    # every try of the first event carried the same event id, for the receiver to de-duplicate
    ids = {r.headers["X-O2O-Event-Id"] for r in receiver.requests[:3]}
    assert ids == {str(first.event_id)}


def test_receiver_always_failing_goes_dead_then_redeliver_works(settings, receiver, subscription):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.always_fail = True
    event = _record(step=1)
    later_of_same_order = _record(step=2)
    now = timezone.now()
    for _attempt in range(3):
        webhooks_relay(now=now)
        now += settings.WEBHOOK_RETRY_MAX_SECONDS * timedelta(seconds=1)

    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    # a dead event does not hold the order's later events back for ever
    assert WebhookDelivery.objects.get(event=later_of_same_order).attempts >= 1

    # when the receiver is fixed and HQ redelivers
    receiver.always_fail = False
    assert webhook_deliveries_redeliver(delivery_ids=[delivery.pk]) == 1
    webhooks_relay(now=timezone.now())

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert str(event.event_id) in {r.document["id"] for r in receiver.delivered}


def test_a_relay_that_crashed_after_claiming_loses_nothing(settings, receiver, subscription):
    # given an event claimed by a worker that died before posting it
    event = _record(step=1)
    now = timezone.now()
    outbox_fan_out(now=now)
    assert _deliveries_claim(now=now, batch_size=10)

    # then other relays leave it alone until the claim lapses, and then deliver it
    assert webhooks_relay(now=now + timedelta(seconds=1)) == 0
    assert webhooks_relay(now=now + timedelta(hours=1)) == 1
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [r.document["id"] for r in receiver.delivered] == [str(event.event_id)]


def test_an_event_waits_in_the_outbox_while_no_relay_runs(shop, subscription):
    # the change committed, the relay did not run (down, crashed): the event is kept
    stock_adjust(store=shop.store, sku=shop.sku_l, delta=2, reason="receipt")
    event = OutboxEvent.objects.filter(event_type=EventType.STOCK_CHANGED).latest("id")
    assert event.payload["on_hand"] == 5 and event.fanned_out_at is None


def test_a_rolled_back_change_leaves_no_event(shop):
    before = OutboxEvent.objects.count()

    # a change that fails half-way (not enough stock to take out)
    with pytest.raises(InsufficientStock):
        stock_adjust(store=shop.store, sku=shop.sku_m, delta=-99, reason="adjustment")
    # a change rolled back by its caller after it was written
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_adjust(store=shop.store, sku=shop.sku_m, delta=1, reason="receipt")
        raise RuntimeError("the caller fails after the change")

    assert OutboxEvent.objects.count() == before


def test_an_event_of_an_unknown_type_is_refused(db):
    with pytest.raises(ValueError), transaction.atomic():
        outbox_event_record(event_type="order.teleported", aggregate="order:A", data={})


def test_signature_verification_refuses_tampering_and_old_timestamps():
    body = b'{"id":"1"}'
    now = int(timezone.now().timestamp())
    header = signature_header(secret="k", body=body, timestamp=now)
    assert signature_verify(secret="k", body=body, header=header)
    assert not signature_verify(secret="k", body=body + b" ", header=header)
    assert not signature_verify(secret="other", body=body, header=header)
    stale = signature_header(secret="k", body=body, timestamp=now - 3600)
    assert not signature_verify(secret="k", body=body, header=stale)
    assert not signature_verify(secret="k", body=body, header="garbage")


def test_hq_redelivers_from_the_admin(admin_client, receiver, subscription):
    event = _record(step=1)
    webhooks_relay()
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == "delivered"

    response = admin_client.post(
        reverse("admin:o2o_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    webhooks_relay()
    assert [r.document["id"] for r in receiver.delivered] == [str(event.event_id)] * 2


def test_hq_subscribes_in_the_admin(admin_client, receiver):
    url = reverse("admin:o2o_webhooksubscription_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": "ERP",
            "url": receiver.url,
            "secret": "abc",
            "event_types": [EventType.ORDER_PAID, EventType.STOCK_CHANGED],
            "active": "on",
        },
    )
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.event_types == [EventType.ORDER_PAID, EventType.STOCK_CHANGED]
    for page in ("o2o_webhookdelivery_changelist", "o2o_outboxevent_changelist"):
        assert admin_client.get(reverse(f"admin:{page}")).status_code == 200


def test_the_readmes_three_lines_verify_a_delivery(receiver, subscription):
    _record(step=1)
    webhooks_relay()
    received = receiver.delivered[0]
    secret, body, headers = "s3cret", received.body, received.headers

    # README "Webhooks": the receiver's check, as written there
    t, v1 = (part.split("=", 1)[1] for part in headers["X-O2O-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, v1) and abs(time.time() - int(t)) < 300

    assert ok


def test_beat_and_cron_run_the_relay(settings, receiver, subscription, capsys):
    assert settings.CELERY_BEAT_SCHEDULE["platform-relay-webhooks"]["schedule"] == 10.0
    _record(step=1)
    assert relay_webhooks() == 1
    _record(step=2)
    call_command("relay_webhooks")
    assert "1 deliveries attempted" in capsys.readouterr().out
    assert [r.document["data"]["step"] for r in receiver.delivered] == [1, 2]
