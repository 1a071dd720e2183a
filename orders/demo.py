"""Demo members and their purchase history, recorded through the same services as real POS
sales, so points, home stores, follow-up tasks and tiers are what the rules make of them."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import SKU
from inventory.models import StockLevel
from members.models import Member
from members.services.accounts import member_create
from members.services.binding import member_touch
from members.services.referrals import member_referrer_set
from orders.models import Order
from orders.services.pos import SaleLine, pos_sale_record
from stores.models import Staff, Store

DEMO_MEMBERS = [
    ("13800000001", "林小雨"),
    ("13800000002", "陈思琪"),
    ("13800000003", "王佳怡"),
    ("13800000004", "张可欣"),
    ("13800000005", "刘梦瑶"),
    ("13800000006", "赵雅婷"),
    ("13800000007", "黄诗涵"),
    ("13800000008", "周若曦"),
]


@transaction.atomic
def seed_members_and_sales() -> dict:
    if Member.objects.exists():
        return {"members_created": 0, "sales_created": 0}
    rng = random.Random(2026)
    now = timezone.now()
    sh01 = Store.objects.get(code="sh01")
    clerks = list(Staff.objects.filter(store=sh01, role=Staff.Role.CLERK).order_by("staff_code"))
    members = []
    for index, (phone, nickname) in enumerate(DEMO_MEMBERS):
        member = member_create(phone=phone, nickname=nickname, joined_via=Member.JoinedVia.CLERK_QR)
        member_touch(member=member, clerk=clerks[index % len(clerks)], source="demo")
        members.append(member)
    # A short referral chain: 林小雨 brought 陈思琪, who brought 王佳怡.
    member_referrer_set(member=members[1], referrer=members[0])
    member_referrer_set(member=members[2], referrer=members[1])

    # Formula (lasts 7 days a can) bought 5 days ago makes a follow-up due about today.
    stocked = {
        level.sku_id: level.available
        for level in StockLevel.objects.filter(store=sh01, on_hand__gt=0)
    }
    skus = [
        sku for sku in SKU.objects.filter(pk__in=stocked).select_related("product").order_by("pk")
    ]
    formula = [sku for sku in skus if sku.product.consumption_days_per_unit]
    others = [sku for sku in skus if not sku.product.consumption_days_per_unit]
    sales = 0
    for index, member in enumerate(members):
        basket = ([formula[index % len(formula)]] if formula and index < 4 else []) + (
            rng.sample(others, k=min(2, len(others))) if others else []
        )
        lines = [
            SaleLine(sku=sku, quantity=1, unit_price=sku.price)
            for sku in basket
            if stocked.get(sku.pk, 0) > 0
        ]
        if not lines:
            continue
        for line in lines:
            stocked[line.sku.pk] -= 1
        goods = sum(line.unit_price for line in lines)
        pos_sale_record(
            store=sh01,
            lines=lines,
            amount_paid=goods - (goods // 10 if index % 3 == 0 else 0),
            external_id=f"DEMO-POS-{index + 1:04d}",
            clerk=clerks[index % len(clerks)],
            member=member,
            sold_at=now - timedelta(days=5 if index < 4 else rng.randint(6, 60)),
        )
        sales += 1
    return {
        "members_created": len(members),
        "sales_created": sales,
        "orders": Order.objects.count(),
    }
