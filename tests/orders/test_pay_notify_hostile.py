"""/wechat/pay/notify against hostile input: never a 5xx, never a change, a bounded audit trail.

Notifications are signed with wechatpy's own signer (o2o.wechat_pay.signed_notification), with the
sandbox's key as in the rest of the suite.
"""

import secrets
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wechatpy.pay.utils import calculate_signature

from o2o import wechat_pay
from orders.models import Order, Payment, PaymentNotification
from orders.services import payment as payment_service
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_start
from orders.tasks import purge_payment_notifications
from tests.orders.shopper_helpers import forget_refusals, notification_for, post_notification

FAIL = b"<xml><return_code><![CDATA[FAIL]]></return_code>"
Outcome = PaymentNotification.Outcome


@pytest.fixture
def payment(shop) -> Payment:
    order = order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )
    return payment_start(order=order).payment


def signed(payment: Payment, **overrides) -> bytes:
    fields = {
        "appid": wechat_pay.DEMO_APP_ID,
        "mch_id": wechat_pay.DEMO_MCH_ID,
        "nonce_str": secrets.token_hex(16),
        "result_code": "SUCCESS",
        "return_code": "SUCCESS",
        "openid": "o-someone",
        "trade_type": "JSAPI",
        "total_fee": payment.amount,
        "transaction_id": "TX-HOSTILE",
        "out_trade_no": payment.out_trade_no,
        **overrides,
    }
    return wechat_pay.signed_notification(fields)


def assert_nothing_changed(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CREATED and not payment.transaction_id
    assert payment.order.status == Order.Status.PENDING_PAYMENT
    assert not PaymentNotification.objects.filter(outcome=Outcome.APPLIED).exists()


HOSTILE_BODIES = {
    "doctype": b'<!DOCTYPE xml SYSTEM "http://attacker.example/x.dtd"><xml><a>1</a></xml>',
    "doctype only": b"<!DOCTYPE xml><xml/>",
    "internal entity": (
        b'<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<xml><return_code>&b;</return_code></xml>"
    ),
    "external entity": (
        b'<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>'
    ),
    "undeclared entity": b"<xml><return_code>&x;</return_code></xml>",
    "empty root": b"<xml/>",
    "text root": b"<xml>hi</xml>",
    "other root": b"<html><body>hi</body></html>",
    "NUL bytes": b"<xml><return_code>SUCCESS\x00</return_code></xml>\x00",
    "bad encoding declaration": b'<?xml version="1.0" encoding="no-such"?><xml><a>1</a></xml>',
    "not UTF-8": b"<xml><a>\xff\xfe</a></xml>",
    "empty": b"",
    "too large": b"<xml><a>" + b"x" * 100_000 + b"</a></xml>",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_unreadable_notifications_answer_fail_with_a_4xx_and_change_nothing(client, payment, name):
    response = post_notification(client, HOSTILE_BODIES[name])

    assert response.status_code == 400, response.content
    assert response.content.startswith(FAIL)
    assert_nothing_changed(payment)
    assert PaymentNotification.objects.get().outcome == Outcome.MALFORMED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"total_fee": "abc"},
        {"total_fee": "+1"},
        {"total_fee": "1_0"},
        {"total_fee": "1e5"},
        {"total_fee": "99999999999999999999999999"},
        {"total_fee": None},
        {"transaction_id": None},
    ],
    ids=["abc", "plus", "underscore", "exponent", "huge", "no total_fee", "no transaction_id"],
)
def test_signed_notifications_with_bad_fields_answer_fail_with_a_4xx_and_change_nothing(
    client, payment, overrides
):
    response = post_notification(client, signed(payment, **overrides))

    assert response.status_code == 400 and response.content.startswith(FAIL)
    assert_nothing_changed(payment)
    assert PaymentNotification.objects.get().outcome == Outcome.MALFORMED


@pytest.mark.django_db
def test_a_signed_notification_with_a_nested_amount_changes_nothing(client, payment):
    fields = {
        "return_code": "SUCCESS",
        "result_code": "SUCCESS",
        "out_trade_no": payment.out_trade_no,
        "transaction_id": "TX-NESTED",
        "total_fee": {"inner": str(payment.amount)},
    }
    # Signed over the fields as the endpoint reads them, as a holder of the key could.
    sign = calculate_signature(fields, wechat_pay.api_key())
    body = (
        f"<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code>"
        f"<out_trade_no>{payment.out_trade_no}</out_trade_no>"
        f"<transaction_id>TX-NESTED</transaction_id>"
        f"<total_fee><inner>{payment.amount}</inner></total_fee><sign>{sign}</sign></xml>"
    ).encode()

    response = post_notification(client, body)

    assert response.status_code == 400 and response.content.startswith(FAIL)
    assert_nothing_changed(payment)
    assert PaymentNotification.objects.get().outcome == Outcome.MALFORMED


@pytest.mark.django_db
def test_a_mismatched_amount_answers_fail_with_a_4xx(client, payment):
    response = post_notification(client, notification_for(payment, amount=payment.amount + 1))

    assert response.status_code == 400 and response.content.startswith(FAIL)
    assert_nothing_changed(payment)


@pytest.mark.django_db
def test_unverifiable_notifications_are_throttled_per_address(payment):
    limit = payment_service.UNVERIFIED_PER_ADDRESS
    attacker, wechat = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.9")
    forget_refusals("198.51.100.7", "203.0.113.9")
    forged = notification_for(payment).replace(b"<transaction_id>", b"<transaction_id>X", 1)

    answers = [post_notification(attacker, forged).status_code for _ in range(limit + 30)]

    # Every request was refused; only the first `limit` left a row.
    assert answers[:limit] == [403] * limit
    assert answers[limit:] == [429] * 30
    assert PaymentNotification.objects.filter(remote_addr="198.51.100.7").count() == limit
    assert_nothing_changed(payment)
    # A genuine notification is still applied, from any address, the throttled one included.
    assert post_notification(attacker, notification_for(payment)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    # Another address has its own allowance.
    assert post_notification(wechat, forged).status_code == 403
    forget_refusals("198.51.100.7", "203.0.113.9")


@pytest.mark.django_db
def test_verified_notifications_do_not_count_against_the_throttle(client, payment):
    for _ in range(payment_service.UNVERIFIED_PER_ADDRESS + 5):
        assert post_notification(client, signed(payment, total_fee="abc")).status_code == 400

    assert PaymentNotification.objects.count() == payment_service.UNVERIFIED_PER_ADDRESS + 5


@pytest.mark.django_db
def test_refused_notification_bodies_are_truncated(client, payment):
    huge_but_allowed = b"<xml><a>" + b"x" * 15_000 + b"</a></xml>"

    post_notification(client, huge_but_allowed)
    post_notification(client, HOSTILE_BODIES["too large"])

    bodies = list(PaymentNotification.objects.values_list("body", flat=True))
    assert len(bodies) == 2
    assert all(len(body) <= payment_service.BODY_CHARS_UNVERIFIED for body in bodies)


@pytest.mark.django_db
def test_a_nul_byte_in_a_refused_body_is_recorded_not_a_500(client, payment):
    response = post_notification(client, HOSTILE_BODIES["NUL bytes"])

    assert response.status_code == 400
    assert "\x00" not in PaymentNotification.objects.get().body


def _aged(outcome: str, days: int) -> PaymentNotification:
    row = PaymentNotification.objects.create(outcome=outcome, body="<xml/>")
    PaymentNotification.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=days)
    )
    return row


@pytest.mark.django_db
def test_the_purge_removes_old_refused_and_duplicate_notifications_only():
    old_refused = [
        _aged(outcome, 120)
        for outcome in (Outcome.BAD_SIGNATURE, Outcome.MALFORMED, Outcome.DUPLICATE)
    ]
    kept = [
        _aged(Outcome.APPLIED, 400),
        _aged(Outcome.LATE_REFUNDED, 400),
        _aged(Outcome.NOT_SUCCESS, 400),
        _aged(Outcome.BAD_SIGNATURE, 10),
    ]

    assert purge_payment_notifications() == len(old_refused)

    assert set(PaymentNotification.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert purge_payment_notifications() == 0  # a re-run is harmless


@pytest.mark.django_db
def test_the_purge_command_takes_the_age_in_days(capsys):
    _aged(Outcome.BAD_SIGNATURE, 20)
    _aged(Outcome.BAD_SIGNATURE, 5)

    call_command("purge_payment_notifications", "--days", "14")

    assert PaymentNotification.objects.count() == 1
    assert "1 payment notification" in capsys.readouterr().out


def test_the_purge_runs_nightly_from_beat(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "orders.tasks.purge_payment_notifications" in entries


@pytest.mark.django_db
def test_a_replayed_genuine_notification_is_acknowledged_but_recorded_only_up_to_the_limit(
    client, payment
):
    body = notification_for(payment, transaction_id="TX-REPLAYED")
    limit = payment_service.UNVERIFIED_PER_ADDRESS

    answers = {post_notification(client, body).status_code for _ in range(limit + 11)}

    assert answers == {200}
    assert PaymentNotification.objects.filter(outcome=Outcome.APPLIED).count() == 1
    assert PaymentNotification.objects.filter(outcome=Outcome.DUPLICATE).count() == limit
