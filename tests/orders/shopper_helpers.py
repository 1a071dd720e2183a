"""Helpers for the shopper page tests: log a member in on a test client, pay through the notify
endpoint with a notification signed as WeChat Pay signs it."""

from django.test import Client

from members.auth import SESSION_KEY
from o2o import wechat_pay
from orders.models import Payment


def log_in(client: Client, member) -> Client:
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()
    return client


def notification_for(payment: Payment, *, transaction_id: str = "TX-PAGE", amount=None) -> bytes:
    return wechat_pay.sandbox_notification(
        out_trade_no=payment.out_trade_no,
        amount=payment.amount if amount is None else amount,
        transaction_id=transaction_id,
    )


def post_notification(client: Client, body: bytes):
    return client.post("/wechat/pay/notify", data=body, content_type="text/xml")
