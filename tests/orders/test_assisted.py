"""Clerk-assisted carts (导购代下单): the clerk builds, the customer's link places the order (the
back-office pages are in tests/backoffice/test_assist.py)."""

import pytest

from inventory.exceptions import InsufficientStock
from inventory.services import stock_adjust
from orders.models import Order
from orders.services.assisted import (
    AssistedCartClaimed,
    InvalidAssistedLine,
    NotYourCart,
    assisted_cart_create,
    assisted_cart_discard,
    assisted_cart_line_set,
)
from orders.services.cart import clerk_cart_claim

pytestmark = pytest.mark.django_db


def test_clerk_builds_a_cart_the_customer_claims(shop):
    cart = assisted_cart_create(staff=shop.clerk, note="王女士")
    assert cart.store == shop.store and cart.built_by == shop.clerk
    assert cart.token and len(cart.token) <= 32
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=2)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_l, quantity=1)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_l, quantity=0)

    order = clerk_cart_claim(cart=cart, member=shop.member)

    assert order.channel == Order.Channel.CLERK_ASSISTED and order.assisted_by == shop.clerk
    assert order.credited_clerk == shop.clerk
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(shop.sku_m.pk, 2)]
    with pytest.raises(AssistedCartClaimed):
        assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)
    with pytest.raises(AssistedCartClaimed):
        assisted_cart_discard(cart=cart, staff=shop.clerk)


def test_only_the_builder_changes_the_cart(shop):
    cart = assisted_cart_create(staff=shop.clerk)
    for someone in (shop.manager, shop.other_clerk):
        with pytest.raises(NotYourCart):
            assisted_cart_line_set(cart=cart, staff=someone, sku=shop.sku_m, quantity=1)
        with pytest.raises(NotYourCart):
            assisted_cart_discard(cart=cart, staff=someone)


def test_quantities_are_checked(shop):
    cart = assisted_cart_create(staff=shop.clerk)
    for wrong in (-1, 100, True, "2"):
        with pytest.raises(InvalidAssistedLine):
            assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=wrong)
    shop.sku_m.is_active = False
    shop.sku_m.save()
    with pytest.raises(InvalidAssistedLine):
        assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)


def test_a_line_the_store_cannot_serve_is_refused(shop):
    """Her payment would fail on it, and she cannot remove a clerk's line herself."""
    cart = assisted_cart_create(staff=shop.clerk)
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=5, reason="receipt")

    with pytest.raises(InsufficientStock) as refused:
        assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=4)

    assert refused.value.shortages == [
        {"store": "sh01", "sku": "dress-m", "requested": 4, "available": 3}
    ]
    assert not cart.lines.exists()
    other = assisted_cart_create(staff=shop.other_clerk)
    assert assisted_cart_line_set(cart=other, staff=shop.other_clerk, sku=shop.sku_m, quantity=4)
    assert assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=3)
