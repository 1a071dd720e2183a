"""Placing and paying orders for tests: the real services, with a sandbox payment notification
signed as WeChat Pay signs it."""

from datetime import timedelta

from django.utils import timezone

from o2o import wechat_pay
from orders.models import Order
from orders.services.checkout import Line, order_place
from orders.services.payment import payment_notification_handle, payment_start

F = Order.Fulfillment


def pay(order, transaction_id=None):
    payment = payment_start(order=order).payment
    body = wechat_pay.sandbox_notification(
        out_trade_no=payment.out_trade_no,
        amount=order.total_amount,
        transaction_id=transaction_id or f"TX{order.number}",
    )
    assert payment_notification_handle(body=body) is True
    order.refresh_from_db()
    return order


def place(shop, fulfillment=F.IN_STORE, lines=None, **extra):
    channel = Order.Channel.IN_STORE if fulfillment == F.IN_STORE else Order.Channel.H5
    return order_place(
        member=shop.member,
        lines=lines or [Line(shop.sku_m, 1)],
        fulfillment=fulfillment,
        store=shop.store,
        channel=channel,
        **extra,
    )


def next_opening_slot(store, *, days=1):
    """A time inside opening hours `days` from now (the default hours are 10:00-22:00)."""
    day = timezone.localtime() + timedelta(days=days)
    return day.replace(hour=15, minute=0, second=0, microsecond=0)


def booking(shop, lines=None, *, days=1):
    return order_place(
        member=shop.member,
        lines=lines or [Line(shop.sku_m, 1), Line(shop.sku_l, 2)],
        fulfillment=F.TRY_IN_STORE,
        store=shop.store,
        appointment_at=next_opening_slot(shop.store, days=days),
    )


def hold_is_last(queries) -> bool:
    """In captured queries of a placement: the stock hold (`inventory_stock_hold`) is the last
    statement but for savepoint bookkeeping, so nothing runs while its level rows are locked."""
    sql = [query["sql"] for query in queries]
    holds = [index for index, text in enumerate(sql) if "inventory_stock_hold" in text]
    assert len(holds) == 1, sql
    return all("SAVEPOINT" in text for text in sql[holds[0] + 1 :])
