"""Synthetic ledgers for report tests: paid orders, lines and refunds written straight to the
tables at chosen times (the reports read tables; how the rows got there is the orders' tests'
business), deterministic from a seed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from members.services.accounts import member_get_or_create_by_phone
from orders.models import Order, OrderLine, Refund

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(1)
CHANNELS = [
    (Order.Channel.IN_STORE, Order.Fulfillment.IN_STORE),
    (Order.Channel.H5, Order.Fulfillment.PICKUP),
    (Order.Channel.H5, Order.Fulfillment.DELIVERY),
    (Order.Channel.POS, Order.Fulfillment.IN_STORE),
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def order_make(
    shop,
    *,
    paid_at: datetime,
    amount: int = 10000,
    discount: int = 0,
    quantity: int = 1,
    member=None,
    channel=Order.Channel.IN_STORE,
    fulfillment=Order.Fulfillment.IN_STORE,
    credited_store=None,
    fulfilling_store=None,
    clerk=None,
    status=Order.Status.COMPLETED,
) -> Order:
    """A paid order of one line of the shop's dress (`quantity` units, `amount` fen goods)."""
    order = Order.objects.create(
        number=f"T{next(_numbers):09d}",
        member=member,
        channel=channel,
        fulfillment=fulfillment,
        status=status,
        credited_store=credited_store or shop.store,
        fulfilling_store=fulfilling_store or credited_store or shop.store,
        credited_clerk=clerk,
        goods_amount=amount,
        discount_amount=discount,
        total_amount=amount - discount,
        paid_at=paid_at,
    )
    OrderLine.objects.create(
        order=order,
        sku=shop.sku_m,
        product_name=shop.product.name,
        unit_price=amount // quantity,
        quantity=quantity,
        discount_share=discount,
    )
    if amount % quantity:
        raise ValueError("amount must divide by quantity")
    return order


def refund_make(order: Order, *, amount: int, completed_at: datetime | None, status=None):
    """A refund row; counted by reports only once succeeded."""
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.refunded_amount + amount)
    order.refresh_from_db()
    return Refund.objects.create(
        order=order,
        out_refund_no=f"R{next(_numbers):09d}",
        amount=amount,
        reason="test",
        status=status or Refund.Status.SUCCEEDED,
        completed_at=completed_at,
    )


def ledgers_make(shop, *, first_day: date, days: int, seed: int = 7) -> list[Order]:
    """A few weeks of random sales over both stores, some refunded later, some members new."""
    rng = random.Random(seed)
    members = [shop.member] + [
        member_get_or_create_by_phone(phone=f"1380000{index:04d}")[0] for index in range(6)
    ]
    stores = [shop.store, shop.other_store]
    orders = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for _ in range(rng.randint(0, 6)):
            channel, fulfillment = rng.choice(CHANNELS)
            credited = rng.choice(stores)
            quantity = rng.randint(1, 3)
            amount = quantity * rng.choice([9900, 15900, 59900])
            order = order_make(
                shop,
                # Minutes around midnight too: the local day, not UTC's, decides.
                paid_at=at(day, rng.choice([0, 7, 12, 23]), rng.randint(0, 59)),
                amount=amount,
                discount=rng.choice([0, 0, 500]),
                quantity=quantity,
                member=rng.choice(members + [None]),
                channel=channel,
                fulfillment=fulfillment,
                credited_store=credited,
                fulfilling_store=rng.choice(stores),
                clerk=rng.choice([None, shop.clerk]),
            )
            orders.append(order)
            if rng.random() < 0.25:
                later = at(day + timedelta(days=rng.randint(0, 3)), rng.randint(0, 23))
                refund_make(order, amount=rng.randint(1, order.total_amount), completed_at=later)
            elif rng.random() < 0.1:  # a refund still in flight: not money moved yet
                refund_make(order, amount=100, completed_at=None, status=Refund.Status.REQUESTED)
    return orders
