"""The stock hold comes last in every placement: on a hot SKU each shopper waits for the level's
row lock, which lasts until the placing transaction commits, so nothing may follow the hold
(order_place's `before_hold`). The flash sale and delivery placements are checked in
tests/promotions/test_flash.py and tests/dispatch/test_delivery_flow.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.exceptions import InsufficientStock
from members.models import PointsEntry
from members.services.points import points_add
from orders.models import Cart, CartLine, Order
from orders.services.assisted import assisted_cart_create, assisted_cart_line_set
from orders.services.cart import cart_checkout, clerk_cart_claim
from tests.orders.placing import hold_is_last

pytestmark = pytest.mark.django_db


def test_cart_checkout_empties_the_cart_and_spends_points_before_the_hold(shop):
    points_add(member=shop.member, delta=500, reason=PointsEntry.Reason.ADJUSTMENT, reference="t")
    cart = Cart.objects.create(member=shop.member)
    CartLine.objects.create(cart=cart, sku=shop.sku_m, quantity=2)
    CartLine.objects.create(cart=cart, sku=shop.sku_l, quantity=1)
    with CaptureQueriesContext(connection) as queries:
        order = cart_checkout(
            cart=cart,
            member=shop.member,
            fulfillment=Order.Fulfillment.PICKUP,
            store=shop.store,
            points_to_use=100,
        )
    assert hold_is_last(queries)
    assert not cart.lines.exists() and order.points_used > 0
    assert PointsEntry.objects.filter(reason=PointsEntry.Reason.DISCOUNT).count() == 1
    assert sorted(order.lines.values_list("sku_id", "quantity")) == sorted(
        [(shop.sku_m.pk, 2), (shop.sku_l.pk, 1)]
    )


def test_a_refused_hold_leaves_the_cart_as_it_was(shop):
    cart = Cart.objects.create(member=shop.member)
    CartLine.objects.create(cart=cart, sku=shop.sku_m, quantity=9)
    with pytest.raises(InsufficientStock):
        cart_checkout(
            cart=cart, member=shop.member, fulfillment=Order.Fulfillment.PICKUP, store=shop.store
        )
    assert list(cart.lines.values_list("quantity", flat=True)) == [9]
    assert not Order.objects.exists()


def test_a_clerk_cart_is_claimed_before_the_hold(shop):
    cart = assisted_cart_create(staff=shop.clerk, note="王女士")
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)
    with CaptureQueriesContext(connection) as queries:
        order = clerk_cart_claim(cart=cart, member=shop.member)
    assert hold_is_last(queries)
    cart.refresh_from_db()
    assert cart.claimed_order == order
