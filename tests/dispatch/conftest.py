"""A small same-city delivery world around Jing'an, Shanghai (GCJ-02), for dispatch tests.

Distances from the shopper's point JING_AN: near ~0.15 km, mid ~2.7 km, home ~3.9 km (each
delivers 5 km around it), far ~12 km (delivers 5 km: out of reach), the HQ warehouse ~25 km.
Stores are open all day unless a test gives hours; `NOW` (a Monday, 14:00 in Shanghai) is passed
to every service so that deadlines and opening hours do not depend on when the suite runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from catalog.models import SKU, Category, Product
from dispatch import hooks
from dispatch.models import DispatchPolicy
from dispatch.services import (
    dispatch_offer_accept,
    dispatch_offer_decline,
    dispatch_offer_make,
    dispatch_offers_expire,
    dispatch_route,
)
from inventory.models import StockLevel
from inventory.services import stock_adjust, stock_reserve
from members.services.accounts import member_create
from orders.models import Order, OrderLine
from orders.services.numbers import order_number_next
from stores.models import WEEKDAYS, Region, Staff, Store
from tests.members.conftest import wechat_fake  # noqa: F401 - the fake WeChat for alerts

NOW = datetime(2030, 3, 4, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
JING_AN = (31.2290, 121.4480)
ALL_DAY = {day: ["00:00", "23:59"] for day in WEEKDAYS}


class City:
    """Stores, SKUs, staff and helpers; attributes are set by the `city` fixture."""

    def __init__(self):
        self.region = Region.objects.create(code="sh", name="上海")
        self.category = Category.objects.create(name="女装", slug="women")
        self._serial = 0

    def store(self, code, latitude, longitude, *, radius="5", hours=None, **extra) -> Store:
        return Store.objects.create(
            code=code,
            name=f"{code} 店",
            region=self.region,
            city="上海",
            address="测试路 1 号",
            latitude=Decimal(f"{latitude:.6f}"),
            longitude=Decimal(f"{longitude:.6f}"),
            delivers=extra.pop("delivers", True),
            delivery_radius_km=Decimal(radius),
            opening_hours=hours or ALL_DAY,
            **extra,
        )

    def sku(self, code, *, price=19900) -> SKU:
        product = Product.objects.create(
            code=f"p-{code}", name=f"商品 {code}", category=self.category, base_price=price
        )
        return SKU.objects.create(product=product, code=code, color="黑色", size=code[-1:])

    def clerk(self, store, *, role=Staff.Role.CLERK) -> Staff:
        self._serial += 1
        user = get_user_model().objects.create_user(f"staff{self._serial}", password="pw")
        return Staff.objects.create(
            user=user,
            store=store,
            role=role,
            staff_code=f"S{self._serial:03d}",
            display_name=f"店员 {self._serial}",
        )

    def stock(self, store, sku, units: int) -> None:
        stock_adjust(store=store, sku=sku, delta=units, reason="receipt")

    def member(self, *, home=None, phone=None):
        self._serial += 1
        return member_create(phone=phone or f"139{self._serial:08d}", home_store=home)

    def order(self, member, lines, *, reserve_at: Store | None = None) -> Order:
        """A paid delivery order as checkout would leave it: lines, and (with `reserve_at`) its
        stock reserved at the routed store."""
        goods = sum(sku.price * quantity for sku, quantity in lines)
        order = Order.objects.create(
            number=order_number_next(),
            member=member,
            channel=Order.Channel.H5,
            fulfillment=Order.Fulfillment.DELIVERY,
            status=Order.Status.PAID,
            goods_amount=goods,
            total_amount=goods,
            address={"address": "南京西路 1 号", "latitude": JING_AN[0], "longitude": JING_AN[1]},
            paid_at=NOW,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                sku=sku,
                product_name=sku.product.name,
                unit_price=sku.price,
                quantity=quantity,
            )
            for sku, quantity in lines
        )
        if reserve_at is not None:
            self.reserve(order, reserve_at, lines)
        return order

    @staticmethod
    def reserve(order, store, lines) -> None:
        """Hold [(sku, quantity), ...] at `store` for the order, as checkout does."""
        stock_reserve(
            store=store,
            lines=[(sku.pk, quantity) for sku, quantity in lines],
            expires_at=NOW,
            owner=order.reservation_owner,
        )

    @staticmethod
    def level(store, sku) -> tuple[int, int]:
        """(on hand, reserved) of a SKU at a store."""
        level = StockLevel.objects.filter(store=store, sku=sku).first()
        return (level.on_hand, level.reserved) if level else (0, 0)


@pytest.fixture
def city(db):
    c = City()
    c.near = c.store("near", 31.2300, 121.4490)
    c.mid = c.store("mid", 31.2190, 121.4740)
    c.home = c.store("home", 31.1950, 121.4370)
    c.far = c.store("far", 31.1580, 121.3530)
    c.depot = c.store(
        "hq-wh", 31.0500, 121.3000, radius="0", delivers=False, kind=Store.Kind.WAREHOUSE
    )
    c.dress_m, c.dress_l, c.shirt = c.sku("dress-m"), c.sku("dress-l"), c.sku("shirt-s")
    return c


@pytest.fixture
def hook_calls():
    """Record what dispatch's hooks are sent: {"offer_made": [kwargs, ...], ...}."""
    calls: dict[str, list[dict]] = {"offer_made": [], "offer_accepted": [], "dispatch_queued": []}
    receivers = {}
    for name in calls:

        def receiver(name=name, **kwargs):
            calls[name].append(kwargs)

        receivers[name] = receiver
        getattr(hooks, name).connect(receiver)
    yield calls
    for name, receiver in receivers.items():
        getattr(hooks, name).disconnect(receiver)


# --- a week of offers for HQ's figures (test_hq, test_hq_browser) ---


def offered_at(city, at):
    """A new customer's order for the dress, offered to near (mid next) at `at`."""
    decision = dispatch_route(
        latitude=JING_AN[0], longitude=JING_AN[1], lines=[(city.dress_m.pk, 1)], now=at
    )
    order = city.order(city.member(), [(city.dress_m, 1)], reserve_at=city.near)
    return dispatch_offer_make(order=order, decision=decision, now=at)


def minutes(n):
    return timedelta(minutes=n)


@pytest.fixture
def week(city):
    """From `start`: A accepted by near after 5 min; B declined by near after 20 min, accepted
    by mid 30 min later; C let pass by near, now offered to mid; D accepted by near after
    10 min; E declined everywhere HQ allows: in HQ's queue."""

    def play(start):
        for store in (city.near, city.mid):
            city.stock(store, city.dress_m, 5)
        near, mid = city.clerk(city.near), city.clerk(city.mid)
        a, b, c, d = (offered_at(city, start) for _ in range(4))
        dispatch_offer_accept(offer=a, staff=near, now=start + minutes(5))
        b_next = dispatch_offer_decline(
            offer=b, staff=near, reason="no courier", now=start + minutes(20)
        )
        dispatch_offer_accept(offer=b_next, staff=mid, now=start + minutes(50))
        dispatch_offer_accept(offer=d, staff=near, now=start + minutes(10))
        dispatch_offers_expire(now=start + minutes(60))  # C moves on to mid
        DispatchPolicy.objects.update_or_create(pk=1, defaults={"max_stores_tried": 1})
        e = offered_at(city, start + minutes(61))
        dispatch_offer_decline(offer=e, staff=near, reason="closing", now=start + minutes(62))
        return {"a": a, "b": b, "c": c, "d": d, "e": e}

    return play
