"""Clerk-assisted orders (导购代下单): a clerk builds a cart for a customer and hands her a link.

The cart belongs to the clerk's store (`Cart.store`) and to the clerk (`Cart.built_by`); its
random token is the link the customer opens (`/cart/shared/<token>/`). Paying it there places an
in-store order of channel `clerk_assisted`, assisted by the clerk (`orders.services.cart.
clerk_cart_claim`). Only the clerk who built a cart changes it, and only until it is claimed.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from catalog.models import SKU
from inventory.exceptions import InsufficientStock
from inventory.selectors import sku_available_at
from o2o.errors import DomainError
from o2o.parsing import is_whole_number
from orders.exceptions import OrderError
from orders.models import Cart, CartLine

MAX_UNITS_PER_LINE = 99


class NotYourCart(OrderError):
    """Only the clerk who built this cart can change it."""

    code = "not_your_cart"
    http_status = 403


class AssistedCartClaimed(OrderError):
    """The customer has already paid for this cart; it cannot change any more."""

    code = "cart_claimed"
    http_status = 409


class InvalidAssistedLine(OrderError):
    """The item or quantity cannot go into the cart."""

    code = "invalid_cart_line"


def _check_builder(*, staff, cart: Cart) -> None:
    if staff is None or not staff.is_active or cart.built_by_id != staff.pk:
        raise NotYourCart()


def _locked(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


def assisted_cart_create(*, staff, note: str = "") -> Cart:
    """Open an empty cart for a customer at the clerk's store."""
    if staff is None or not staff.is_active:
        raise NotYourCart("only active store staff build carts for customers")
    if staff.store.is_warehouse or not staff.store.is_active:
        raise DomainError("carts are built in an open store", code="invalid_store")
    return Cart.objects.create(
        built_by=staff,
        store=staff.store,
        token=secrets.token_urlsafe(16)[:32],
        note=(note or "").strip()[:200],
    )


@transaction.atomic
def assisted_cart_line_set(*, cart: Cart, staff, sku: SKU, quantity: int) -> CartLine | None:
    """Put `quantity` units of `sku` in the cart (replacing what was there); 0 removes the line.

    A line the store cannot serve is refused (InsufficientStock): the customer pays the cart as
    an in-store sale of this store, so a line it lacks would only fail her payment. Stock is not
    held here: it is reserved when the customer pays (and the shopper page says so if a size
    sold out meanwhile; the clerk then removes or lowers the line).
    """
    cart = _locked(cart)
    _check_builder(staff=staff, cart=cart)
    if cart.claimed_order_id:
        raise AssistedCartClaimed()
    if not is_whole_number(quantity):
        raise InvalidAssistedLine("the quantity must be a whole number")
    if not (0 <= quantity <= MAX_UNITS_PER_LINE):
        raise InvalidAssistedLine(f"between 0 and {MAX_UNITS_PER_LINE} units")
    if quantity == 0:
        CartLine.objects.filter(cart=cart, sku=sku).delete()
        return None
    if not (sku.is_active and sku.product.is_active):
        raise InvalidAssistedLine(f"{sku.product.name} is no longer sold")
    available = sku_available_at(sku=sku, store=cart.store)
    if available < quantity:
        raise InsufficientStock(
            f"{cart.store.code} has {max(available, 0)} of {sku.code}",
            shortages=[
                {
                    "store": cart.store.code,
                    "sku": sku.code,
                    "requested": quantity,
                    "available": max(available, 0),
                }
            ],
        )
    line, _created = CartLine.objects.update_or_create(
        cart=cart, sku=sku, defaults={"quantity": quantity}
    )
    return line


@transaction.atomic
def assisted_cart_discard(*, cart: Cart, staff) -> None:
    """Throw away a cart the customer has not paid (its link stops working)."""
    cart = _locked(cart)
    _check_builder(staff=staff, cart=cart)
    if cart.claimed_order_id:
        raise AssistedCartClaimed()
    cart.delete()
