"""Fixtures of the platform-wide tests: the order tests' small shop (translations), and a
small chain for the trust tests: a store with stock, a member with an order and a cart, a clerk
with a cart built for a customer, and logged-in clients for each."""

from types import SimpleNamespace

import pytest
from django.test import Client

from catalog.models import SKU
from inventory.services import stock_adjust
from members.services.accounts import member_get_or_create_by_phone
from orders.services.assisted import assisted_cart_create
from orders.services.cart import cart_get_or_create, cart_line_add
from orders.services.checkout import Line, order_place
from stores.models import Staff
from tests.catalog.factories import SKUFactory
from tests.orders.conftest import shop  # noqa: F401
from tests.orders.shopper_helpers import log_in
from tests.stores.factories import StaffFactory, StoreFactory


@pytest.fixture
def chain(db):
    store = StoreFactory(code="hz01")
    sku = SKU.objects.select_related("product__category").get(pk=SKUFactory().pk)
    stock_adjust(store=store, sku=sku, delta=5, reason="receipt")
    member, _ = member_get_or_create_by_phone(phone="13900139011")
    order = order_place(member=member, lines=[Line(sku, 1)], fulfillment="pickup", store=store)
    cart_line_add(cart=cart_get_or_create(member=member), sku=sku)
    clerk = StaffFactory(store=store, role=Staff.Role.CLERK)
    return SimpleNamespace(
        store=store,
        sku=sku,
        product=sku.product,
        member=member,
        order=order,
        clerk=clerk,
        clerk_cart=assisted_cart_create(staff=clerk),
    )


@pytest.fixture
def member_client(chain):
    return log_in(Client(), chain.member)


@pytest.fixture
def clerk_client(chain):
    client = Client()
    client.force_login(chain.clerk.user)
    return client
