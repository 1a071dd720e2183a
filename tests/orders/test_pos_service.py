"""POS sales go through the same order and member services as online orders."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils.timezone import localdate

from catalog.models import SKU, Category, Product
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, StockMovement
from inventory.services import stock_adjust
from members.models import FollowUpTask, PointsEntry
from members.services.accounts import member_get_or_create_by_phone
from o2o.errors import Conflict
from orders.models import Order
from orders.services.pos import SaleLine, pos_sale_record
from stores.models import Region, Staff, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    region = Region.objects.create(code="sh", name="上海")
    store = Store.objects.create(
        code="sh01",
        name="静安店",
        region=region,
        city="上海",
        address="南京西路 1 号",
        latitude=31.23,
        longitude=121.45,
    )
    users = get_user_model().objects
    manager = Staff.objects.create(
        user=users.create_user("m1"),
        store=store,
        role="manager",
        staff_code="SH01-M",
        display_name="王经理",
    )
    clerk = Staff.objects.create(
        user=users.create_user("c1"),
        store=store,
        role="clerk",
        staff_code="SH01-C1",
        display_name="李娜",
    )
    category = Category.objects.create(name="奶粉", slug="formula")
    formula = Product.objects.create(
        code="f900",
        name="婴儿配方奶粉 900g",
        category=category,
        base_price=29800,
        consumption_days_per_unit=7,
    )
    sku = SKU.objects.create(product=formula, code="f900-1", size="900g")
    stock_adjust(store=store, sku=sku, delta=5, reason="receipt")
    return store, manager, clerk, sku


def test_pos_sale_decrements_stock_earns_points_and_creates_follow_ups(shop):
    store, manager, clerk, sku = shop
    member, _ = member_get_or_create_by_phone(phone="13800138000")

    order, created = pos_sale_record(
        store=store,
        clerk=clerk,
        member=member,
        external_id="POS-1",
        lines=[SaleLine(sku=sku, quantity=2, unit_price=29800)],
        amount_paid=55600,
        sold_at=None,
    )

    member.refresh_from_db()
    assert created and order.status == Order.Status.COMPLETED
    assert StockLevel.objects.get(store=store, sku=sku).on_hand == 3
    assert member.home_store == store and member.points_balance == 556
    assert order.credited_clerk == clerk and order.credited_store == store
    assert sum(line.discount_share for line in order.lines.all()) == 4000
    tasks = {t.kind: t for t in FollowUpTask.objects.filter(member=member)}
    # Two cans lasting 7 days each, minus 2 lead days.
    assert tasks["replenish"].due_date == localdate(order.completed_at) + timedelta(days=12)
    assert tasks["replenish"].assignee == manager  # no bound clerk: the manager calls
    assert "first_purchase" in tasks


def test_replay_changes_nothing_and_different_content_conflicts(shop):
    store, _manager, clerk, sku = shop
    sale = dict(
        store=store,
        clerk=clerk,
        member=None,
        external_id="POS-2",
        lines=[SaleLine(sku=sku, quantity=1, unit_price=29800)],
        amount_paid=29800,
    )
    first, _ = pos_sale_record(**sale)
    again, created = pos_sale_record(**sale)

    assert not created and again.pk == first.pk
    assert StockMovement.objects.filter(reason="sale").count() == 1
    with pytest.raises(Conflict):
        pos_sale_record(**{**sale, "amount_paid": 20000})


def test_short_stock_writes_nothing(shop):
    store, _manager, clerk, sku = shop
    member, _ = member_get_or_create_by_phone(phone="13800138001")

    with pytest.raises(InsufficientStock):
        pos_sale_record(
            store=store,
            clerk=clerk,
            member=member,
            external_id="POS-3",
            lines=[SaleLine(sku=sku, quantity=9, unit_price=29800)],
            amount_paid=1,
        )

    assert not Order.objects.exists() and not PointsEntry.objects.exists()
    assert StockLevel.objects.get(store=store, sku=sku).on_hand == 5
