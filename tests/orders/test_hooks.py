"""Apps above orders (commissions, dispatch) plug into named points of an order's life
(orders.hooks): orders runs them without importing those apps."""

import pytest

from commissions.services.ledger import commission_record_for_order, commission_reverse_for_refund
from orders import hooks
from orders.models import Order
from orders.services.fulfilment import order_hand_over, try_visit_checkout
from orders.services.pos import SaleLine, pos_sale_record
from orders.services.refunds import refund_execute, refund_request
from tests.orders.placing import booking, pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    """A hook on every point that records (point, order number[, refund number])."""
    recorded = []
    registered = []
    for point in hooks.POINTS:

        def hook(*, order, refund=None, point=point):
            recorded.append((point, order.number) + ((refund.out_refund_no,) if refund else ()))

        hooks.hook_register(point, hook)
        hooks.hook_register(point, hook)  # registering twice calls it once
        registered.append((point, hook))
    yield recorded
    for point, hook in registered:
        hooks.hook_unregister(point, hook)


def test_payment_completion_and_refund_each_reach_their_point_once(shop, calls):
    order = pay(place(shop))
    assert calls == [(hooks.ORDER_PAID, order.number)]

    order_hand_over(order=order, staff=shop.clerk)
    requested = refund_request(order=order, lines=None, reason="wrong size")
    done = refund_execute(refund=requested)
    refund_execute(refund=done)  # already done: nothing runs again

    assert calls == [
        (hooks.ORDER_PAID, order.number),
        (hooks.ORDER_COMPLETED, order.number),
        (hooks.REFUND_SUCCEEDED, order.number, done.out_refund_no),
    ]


def test_a_pos_sale_is_paid_and_completed_at_once(shop, calls):
    order, _created = pos_sale_record(
        store=shop.store,
        lines=[SaleLine(shop.sku_m, 1, 59900)],
        amount_paid=59900,
        external_id="POS-H1",
    )

    assert order.status == Order.Status.COMPLETED
    assert calls == [(hooks.ORDER_PAID, order.number), (hooks.ORDER_COMPLETED, order.number)]


def test_a_booking_completed_by_its_visit_sold_nothing_itself(shop, calls):
    booked = booking(shop)
    sale = try_visit_checkout(
        order=booked, staff=shop.clerk, kept={booked.lines.order_by("pk").first().pk: 1}
    )

    assert calls == []  # the kept items are a new order, paid on her phone next
    pay(sale)
    assert calls == [(hooks.ORDER_PAID, sale.number)]


def test_a_hook_that_fails_rolls_the_payment_back(shop):
    def broken(*, order):
        raise RuntimeError("hook failed")

    order = place(shop)
    hooks.hook_register(hooks.ORDER_PAID, broken)
    try:
        with pytest.raises(RuntimeError):
            pay(order)
    finally:
        hooks.hook_unregister(hooks.ORDER_PAID, broken)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_unknown_points_are_refused():
    with pytest.raises(ValueError, match="unknown order hook point"):
        hooks.hook_register("order_shipped", lambda **kwargs: None)


def test_commissions_registers_its_earnings_and_its_reversal():
    assert commission_record_for_order in hooks.hooks_registered(hooks.ORDER_PAID)
    assert commission_reverse_for_refund in hooks.hooks_registered(hooks.REFUND_SUCCEEDED)
