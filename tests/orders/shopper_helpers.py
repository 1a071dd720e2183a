"""Helpers for the shopper page tests: log a member in on a test client, pay through the notify
endpoint with a notification signed as WeChat Pay signs it."""

from django.core.cache import cache
from django.test import Client

from members.auth import SESSION_KEY
from o2o import wechat_pay
from orders.models import Payment
from orders.services.payment import REFUSALS_KEY


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


def forget_refusals(*addresses: str) -> None:
    """Reset the notify endpoint's per-address count of refused notifications (kept in Redis)."""
    cache.delete_many([REFUSALS_KEY.format(address=address) for address in addresses])
