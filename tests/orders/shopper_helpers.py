"""Helpers for the shopper page tests: log a member in on a test client or a browser page, pay
through the notify endpoint with a notification signed as WeChat Pay signs it."""

from decimal import Decimal

from django.test import Client

from inventory.services import stock_adjust
from members.auth import SESSION_KEY
from o2o import wechat_pay
from o2o.geo import wgs84_to_gcj02
from o2o.throttle import throttle_reset
from orders.models import Payment
from orders.services.payment import REFUSALS_SCOPE
from stores.models import Store


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
    """Reset the notify endpoint's per-address count of refused notifications (a throttle row,
    which outlives a transactional test)."""
    for address in addresses:
        throttle_reset(scope=REFUSALS_SCOPE, key=address)


def log_in_by_cookie(page, member):
    """A member session set up directly in a browser (test_shopper_browser.py exercises the
    phone login itself)."""
    from django.conf import settings as django_settings
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["member_id"] = member.pk
    session.save()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": page.base_url,
            }
        ]
    )


# The shopper's GPS fix (WGS-84), as navigator.geolocation reports it.
GPS = (31.2000, 121.4000)
HERE = wgs84_to_gcj02(*GPS)  # where she really is on the stores' (GCJ-02) map


def place_store(shop, code, latitude, longitude, **stock):
    store = Store.objects.create(
        code=code,
        name=f"{code} 店",
        region=shop.store.region,
        city="上海",
        address=f"{code} 路 1 号",
        latitude=Decimal(f"{latitude:.6f}"),
        longitude=Decimal(f"{longitude:.6f}"),
    )
    for sku, quantity in stock.items():
        stock_adjust(store=store, sku=getattr(shop, sku), delta=quantity, reason="receipt")
    return store
