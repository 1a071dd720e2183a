"""Query budgets of the /staff/ pages: bounded, and not growing with the data they list.

Every GET page of PAGES (tests/backoffice/test_permissions.py) is opened by the staff member it
is for, once with the `world` of that file (one order, cart, task, transfer, withdrawal) and once
after more of each were added; the second count must equal the first, and both stay within the
budget. A page that starts querying per row fails here before it is slow in a store.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.services import stock_adjust, transfer_request
from orders.services.assisted import assisted_cart_create
from orders.services.checkout import Line
from tests.backoffice.test_permissions import PAGES, login, world  # noqa: F401 (fixture)
from tests.members.loyalty_factories import task_make
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db

STAFF_PAGE_BUDGET = 40
GET_PAGES = sorted(name for name, page in PAGES.items() if page.method == "get" and not page.public)


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code < 400, (url, response.status_code)
    return len(context.captured_queries)


def more_of_everything(world, count=3):  # noqa: F811
    for store in (world.store, world.other_store):
        stock_adjust(store=store, sku=world.sku_m, delta=2 * count, reason="receipt")
    for day in range(count):
        pay(place(world, F.PICKUP, lines=[Line(world.sku_m, 1)]))
        assisted_cart_create(staff=world.clerk)
        task_make(member=world.member, assignee=world.clerk, due=date(2030, 1, 2 + day))
        transfer_request(
            from_store=world.other_store, to_store=world.store, lines=[(world.sku_m.pk, 1)]
        )


@pytest.mark.parametrize("name", GET_PAGES)
def test_staff_page_queries_are_bounded_and_do_not_grow_with_data(name, client, world):  # noqa: F811
    page = PAGES[name]
    staff = {"clerk": world.clerk, "manager": world.manager, "sender": world.other_clerk}
    login(client, world.hq if page.roles == "hq" else staff[page.insider])
    url = reverse(name, kwargs=page.kwargs(world) if page.kwargs else None)
    queries_for(client, url)  # session, language and first-visit writes out of the way

    few = queries_for(client, url)
    more_of_everything(world)
    many = queries_for(client, url)

    assert few <= STAFF_PAGE_BUDGET, f"{name}: {few} queries"
    assert many == few, f"{name}: {few} queries with one of each, {many} with more"
