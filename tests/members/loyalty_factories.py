"""Builders for the loyalty tests (points, tiers, gifts, arrivals, follow-ups, admin)."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import SKU, Category, Product
from inventory.services import stock_adjust
from members.models import FollowUpTask, Gift, Member
from members.services.accounts import member_create
from members.services.points import points_add
from orders.models import Order
from stores.models import Region, Staff, Store

_serial = itertools.count(1)


def store_make(code: str = "", **fields) -> Store:
    code = code or f"s{next(_serial)}"
    region, _ = Region.objects.get_or_create(code="sh", defaults={"name": "上海"})
    defaults = dict(
        name=f"门店 {code}",
        region=region,
        city="上海",
        address="南京西路 1 号",
        latitude=31.23,
        longitude=121.45,
    )
    return Store.objects.create(code=code, **{**defaults, **fields})


def staff_make(store: Store, role: str = Staff.Role.CLERK, name: str = "", **fields) -> Staff:
    code = f"{store.code}-{role}-{next(_serial)}"
    user = get_user_model().objects.create_user(code, password="pw-12345678")
    return Staff.objects.create(
        user=user,
        store=store,
        role=role,
        staff_code=code,
        display_name=name or code,
        **fields,
    )


def member_make(phone: str | None = None, *, points: int = 0, **fields) -> Member:
    phone = phone or f"139{next(_serial):08d}"
    member = member_create(phone=phone, **fields)
    if points:
        points_add(member=member, delta=points, reason="adjustment", reference="seed")
    return member


def category_make(name: str = "", parent: Category | None = None) -> Category:
    serial = next(_serial)
    return Category.objects.create(
        name=name or f"分类{serial}", slug=f"cat-{serial}", parent=parent
    )


def product_make(
    *, category: Category | None = None, brand: str = "", days: int | None = None, **fields
) -> Product:
    serial = next(_serial)
    return Product.objects.create(
        code=fields.pop("code", f"p{serial}"),
        name=fields.pop("name", f"商品 {serial}"),
        category=category or category_make(),
        brand=brand,
        base_price=fields.pop("base_price", 10000),
        consumption_days_per_unit=days,
        **fields,
    )


def sku_make(product: Product | None = None) -> SKU:
    product = product or product_make()
    return SKU.objects.create(product=product, code=f"sku-{next(_serial)}")


def stock_put(store: Store, sku: SKU, quantity: int) -> None:
    stock_adjust(store=store, sku=sku, delta=quantity, reason="receipt")


def gift_make(*, points: int = 100, sku: SKU | None = None, **fields) -> Gift:
    return Gift.objects.create(
        name=fields.pop("name", f"礼品 {next(_serial)}"),
        sku=sku or sku_make(),
        points_cost=points,
        **fields,
    )


def order_make(
    member: Member | None,
    *,
    total: int = 10000,
    refunded: int = 0,
    status: str = Order.Status.COMPLETED,
    channel: str = Order.Channel.H5,
    at: datetime | None = None,
    store: Store | None = None,
) -> Order:
    at = at or timezone.now()
    sold = status in {"paid", "ready", "shipped", "completed", "refunded"}
    return Order.objects.create(
        number=f"T{next(_serial):012d}",
        member=member,
        channel=channel,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=status,
        fulfilling_store=store,
        credited_store=store,
        goods_amount=total,
        total_amount=total,
        refunded_amount=refunded,
        paid_at=at if sold else None,
        completed_at=at if status == Order.Status.COMPLETED else None,
    )


def task_make(
    *,
    member: Member,
    assignee: Staff,
    due: date,
    product: Product | None = None,
    quantity: int = 1,
    kind: str = FollowUpTask.Kind.REPLENISH,
    **fields,
) -> FollowUpTask:
    return FollowUpTask.objects.create(
        member=member,
        assignee=assignee,
        store=fields.pop("store", assignee.store),
        kind=kind,
        product=product,
        quantity=quantity,
        source=fields.pop("source", f"order:T{next(_serial)}"),
        purchased_on=fields.pop("purchased_on", due),
        due_date=due,
        script=fields.pop("script", "Hello, shall I keep one for you?"),
        **fields,
    )
