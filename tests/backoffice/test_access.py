"""The back office's named checks: who is staff, and which orders, carts and tasks a staff member
may look at (another store's do not exist: 404) or act on (another store's: the 403 page)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.http import Http404

from backoffice.access import (
    StoreForbidden,
    access_assisted_cart,
    access_follow_up_task,
    access_store_order,
    check_assisted_cart,
    check_staff,
    check_store_order,
)
from orders.models import Order
from orders.services.assisted import assisted_cart_create
from orders.services.checkout import Line, order_place
from stores.models import Staff
from tests.members.loyalty_factories import task_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop):
    return order_place(
        member=shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )


def test_check_staff_roles_and_store(shop):
    assert check_staff(shop.manager.user, roles=[Staff.Role.MANAGER]) == shop.manager
    with pytest.raises(PermissionDenied):
        check_staff(shop.clerk.user, roles=[Staff.Role.MANAGER])
    assert check_staff(shop.clerk.user, store=shop.store) == shop.clerk
    with pytest.raises(PermissionDenied):
        check_staff(shop.other_clerk.user, store=shop.store)


def test_an_order_is_seen_by_its_store_only(shop, order):
    seen = access_store_order(shop.clerk, order.number)

    assert seen == order and [line.sku_id for line in seen.lines.all()] == [shop.sku_m.pk]
    with pytest.raises(Http404):
        access_store_order(shop.other_clerk, order.number)
    with pytest.raises(Http404):
        access_store_order(shop.clerk, "000000000000")


def test_acting_on_another_stores_order_is_forbidden_with_the_reason(shop, order):
    assert check_store_order(shop.manager, order.number) == order
    with pytest.raises(StoreForbidden, match="belongs to another store"):
        check_store_order(shop.other_clerk, order.number)
    with pytest.raises(Http404):
        check_store_order(shop.clerk, "000000000000")


@pytest.mark.django_db(transaction=True)
def test_lock_holds_the_order_row_until_the_transaction_ends(shop, order):
    def try_to_lock() -> str:
        try:
            with transaction.atomic():
                Order.objects.select_for_update(nowait=True).get(pk=order.pk)
            return "got it"
        except DatabaseError:
            return "locked"
        finally:
            connection.close()

    with transaction.atomic():
        assert access_store_order(shop.clerk, order.number, lock=True) == order
        with ThreadPoolExecutor(max_workers=1) as pool:
            while_held = pool.submit(try_to_lock).result()
    with ThreadPoolExecutor(max_workers=1) as pool:
        after = pool.submit(try_to_lock).result()

    assert (while_held, after) == ("locked", "got it")


def test_a_clerks_cart_is_hers_alone(shop):
    cart = assisted_cart_create(staff=shop.clerk)
    colleague = Staff.objects.create(
        user=type(shop.clerk.user).objects.create_user("sh01-c2", password="pw"),
        store=shop.store,
        role=Staff.Role.CLERK,
        staff_code="SH01-C2",
        display_name="店员 SH01-C2",
    )

    assert access_assisted_cart(shop.clerk, cart.pk) == cart
    assert check_assisted_cart(shop.clerk, cart.pk) == cart
    with pytest.raises(Http404):
        access_assisted_cart(colleague, cart.pk)
    with pytest.raises(StoreForbidden, match="Only the clerk who built this cart"):
        check_assisted_cart(colleague, cart.pk)


def test_follow_up_tasks_are_the_clerks_own_or_the_managers_store(shop):
    task = task_make(member=shop.member, assignee=shop.clerk, due=date(2030, 1, 1))

    assert access_follow_up_task(shop.clerk, task.pk) == task
    assert access_follow_up_task(shop.manager, task.pk) == task
    with pytest.raises(Http404):
        access_follow_up_task(shop.other_clerk, task.pk)
