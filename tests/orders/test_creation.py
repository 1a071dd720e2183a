"""One door for new orders: `order_create` writes the order, its lines and its first event, and
checkout, POS sales and try-in-store visits all go through it."""

import ast
from pathlib import Path

import pytest

from orders.models import Order, OrderEvent
from orders.services.creation import order_create
from orders.services.fulfilment import try_visit_checkout
from orders.services.pos import SaleLine, pos_sale_record
from tests.orders.placing import booking, place

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def first_event(order):
    event = order.events.order_by("id").first()
    return event.kind, event.from_status, event.to_status


def test_order_create_writes_lines_amounts_and_the_first_event(shop):
    order = order_create(
        lines=[(shop.sku_m, 2, 10_000), (shop.sku_l, 1, 30_000)],
        channel=Order.Channel.POS,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=Order.Status.PENDING_PAYMENT,
        store=shop.store,
        actor_label="POS",
        discount_amount=5_000,
        member=shop.member,
    )

    assert (order.goods_amount, order.discount_amount, order.total_amount) == (
        50_000,
        5_000,
        45_000,
    )
    lines = list(order.lines.order_by("id"))
    assert [(line.product_name, line.size, line.quantity) for line in lines] == [
        ("真丝连衣裙", "M", 2),
        ("真丝连衣裙", "L", 1),
    ]
    assert [line.discount_share for line in lines] == [2_000, 3_000]
    assert first_event(order) == (OrderEvent.Kind.PLACED, "", Order.Status.PENDING_PAYMENT)
    assert len(order.pickup_code) == 6  # collected at the counter


def test_a_sale_completed_at_once_needs_no_pickup_code(shop):
    order = order_create(
        lines=[(shop.sku_m, 1, 10_000)],
        channel=Order.Channel.POS,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=Order.Status.COMPLETED,
        store=shop.store,
        event=OrderEvent.Kind.POS_SALE,
    )

    assert order.pickup_code == ""
    assert first_event(order) == (OrderEvent.Kind.POS_SALE, "", Order.Status.COMPLETED)


def test_checkout_pos_and_visits_each_write_one_first_event(shop):
    placed = place(shop, Order.Fulfillment.PICKUP)
    sold, _created = pos_sale_record(
        store=shop.store,
        lines=[SaleLine(shop.sku_l, 1, 59_900)],
        amount_paid=50_000,
        external_id="POS-1",
        clerk=shop.clerk,
    )
    booked = booking(shop)
    kept = {line.pk: line.quantity for line in booked.lines.all()}
    converted = try_visit_checkout(order=booked, staff=shop.clerk, kept=kept)

    assert first_event(placed) == (OrderEvent.Kind.PLACED, "", Order.Status.PENDING_PAYMENT)
    assert first_event(sold) == (OrderEvent.Kind.POS_SALE, "", Order.Status.COMPLETED)
    assert first_event(booked) == (OrderEvent.Kind.PLACED, "", Order.Status.BOOKED)
    assert first_event(converted) == (OrderEvent.Kind.PLACED, "", Order.Status.PENDING_PAYMENT)
    assert (sold.total_amount, sold.discount_amount, sold.pickup_code) == (50_000, 9_900, "")
    assert placed.pickup_code and converted.pickup_code and not booked.pickup_code
    assert converted.events.filter(kind=OrderEvent.Kind.CONVERTED_FROM).count() == 1


def _creates(path: Path, model: str) -> list[int]:
    """Lines of `path` that call `<model>.objects.create(...)`."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        func = getattr(node, "func", None)
        if (
            isinstance(node, ast.Call)
            and isinstance(func, ast.Attribute)
            and func.attr == "create"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "objects"
            and isinstance(func.value.value, ast.Name)
            and func.value.value.id == model
        ):
            lines.append(node.lineno)
    return lines


def test_only_order_create_writes_new_orders():
    doors = {"Order": {"orders/services/creation.py"}}
    doors["OrderEvent"] = doors["Order"] | {"orders/services/status.py"}
    found = {model: set() for model in doors}
    apps = [path.parent for path in ROOT.glob("*/apps.py")]
    for path in (path for app in apps for path in app.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        for model in doors:
            if _creates(path, model):
                found[model].add(relative)

    assert found == doors
