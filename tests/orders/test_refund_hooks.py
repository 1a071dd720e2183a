"""Apps above orders (commissions) undo their part of a refund through a registered hook: orders
calls them without importing them."""

import pytest

from commissions.services import commission_reverse_for_refund
from orders.services import refunds
from orders.services.fulfilment import order_hand_over
from orders.services.refunds import refund_execute, refund_hook_register, refund_request
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    calls = []

    def hook(*, order, refund):
        calls.append((order.number, refund.out_refund_no))

    refund_hook_register(hook)
    refund_hook_register(hook)  # registering twice calls it once
    yield calls
    refunds._refund_hooks.remove(hook)


def test_a_succeeded_refund_calls_each_registered_hook_once(shop, recorded):
    order = pay(place(shop))
    order_hand_over(order=order, staff=shop.clerk)
    requested = refund_request(order=order, lines=None, reason="wrong size")
    assert recorded == []

    done = refund_execute(refund=requested)

    assert done.status == done.Status.SUCCEEDED
    assert recorded == [(order.number, done.out_refund_no)]
    refund_execute(refund=done)  # already done: nothing runs again
    assert len(recorded) == 1


def test_commissions_registers_its_reversal():
    assert commission_reverse_for_refund in refunds._refund_hooks
