"""The Today board on the back-office home: what the store has to do now, in a fixed number of
queries, with actions that come back to it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.services import stock_adjust
from inventory.services.transfers import transfer_request, transfer_ship
from orders.models import Order
from orders.services.checkout import Line
from orders.services.fulfilment import order_mark_ready
from tests.dispatch.offer_helpers import delivery_offer_make
from tests.members.loyalty_factories import task_make
from tests.orders.placing import F, booking, pay, place

pytestmark = pytest.mark.django_db

HOME = "/staff/"
BOARD = "/staff/today/"


@pytest.fixture
def counter(client, shop):
    for sku in (shop.sku_m, shop.sku_l):
        stock_adjust(store=shop.store, sku=sku, delta=40, reason="receipt")
    client.force_login(shop.clerk.user)
    return client


def visit_today(shop, lines=None):
    """A try-in-store booking moved to a time today (placing one for today depends on the hour
    the test runs)."""
    order = booking(shop, lines)
    now = timezone.localtime().replace(second=0, microsecond=0)
    Order.objects.filter(pk=order.pk).update(appointment_at=now)
    return order


def test_the_board_shows_every_kind_of_work_of_the_store(counter, shop, generous_policy):
    to_hand_over = pay(place(shop))
    to_pack = pay(place(shop, F.PICKUP))
    ready = order_mark_ready(order=pay(place(shop, F.PICKUP)), staff=shop.clerk)
    visit = visit_today(shop)
    tomorrow = booking(shop, days=1)
    proposal = transfer_request(
        from_store=shop.other_store, to_store=shop.store, lines=[(shop.sku_m.pk, 1)], proposed=True
    )
    to_ship = transfer_request(
        from_store=shop.store, to_store=shop.other_store, lines=[(shop.sku_l.pk, 1)]
    )
    task = task_make(member=shop.member, assignee=shop.clerk, due=timezone.localdate())
    later = task_make(
        member=shop.member,
        assignee=shop.clerk,
        due=timezone.localdate() + timedelta(days=3),
    )

    response = counter.get(HOME)

    html = response.content.decode()
    assert response.status_code == 200
    sections = {block["section"].key: block["data"] for block in response.context["board_sections"]}
    assert sections["hand_over"]["orders"] == [to_hand_over]
    assert (sections["pickups"]["to_pack"], sections["pickups"]["ready"]) == ([to_pack], [ready])
    assert sections["visits"]["visits"] == [visit]
    assert tomorrow.number not in html
    pick = {item["line"].sku_id: item["quantity"] for item in sections["visits"]["pick_list"]}
    assert pick == {shop.sku_m.pk: 1, shop.sku_l.pk: 2}
    assert sections["transfers"]["to_ship"] == [to_ship]
    assert sections["transfers"]["arriving"] == []  # a proposal is not on its way yet
    assert f"transfers:in:{proposal.pk}" not in html
    assert (
        sections["follow_ups"]["tasks"] == [task] and later not in sections["follow_ups"]["tasks"]
    )
    for shown in (
        f'data-today-item="hand_over:{to_hand_over.number}"',
        f'data-today-item="pickups:{to_pack.number}"',
        f'data-today-item="visits:{visit.number}"',
        f'data-today-item="transfers:out:{to_ship.pk}"',
        f'data-today-item="follow_ups:{task.pk}"',
        "Items to prepare",
        "Hand over at the counter",
        # The old home tiles are still on the landing page, under the board.
        "Verify a pickup",
        "My customers",
    ):
        assert shown in html


def test_a_shipped_transfer_shows_as_arriving(counter, shop):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")
    transfer = transfer_request(
        from_store=shop.other_store, to_store=shop.store, lines=[(shop.sku_m.pk, 2)]
    )
    transfer_ship(transfer=transfer)

    html = counter.get(BOARD, HTTP_HX_REQUEST="true").content.decode()

    assert f'data-today-item="transfers:in:{transfer.pk}"' in html
    assert "From sh02 店" in html and "× 2" in html


def test_the_board_fragment_is_what_the_page_polls(counter, shop):
    order = pay(place(shop))

    fragment = counter.get(BOARD, HTTP_HX_REQUEST="true")
    page = counter.get(BOARD)

    html = fragment.content.decode()
    assert 'id="today-board"' in html and 'hx-trigger="every 5s"' in html
    assert "<html" not in html and order.number in html
    assert "<html" in page.content.decode() and "backoffice/today.js" in page.content.decode()


def test_handing_over_from_the_board_comes_back_to_it(counter, shop):
    order = pay(place(shop))
    html = counter.get(BOARD, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="next" value="/staff/"' in html

    response = counter.post(f"/staff/orders/{order.number}/hand-over/", {"next": HOME})

    assert response.status_code == 302 and response["Location"] == HOME
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    [board] = [
        block["data"]
        for block in counter.get(HOME).context["board_sections"]
        if block["section"].key == "hand_over"
    ]
    assert board["orders"] == []


def test_another_stores_work_is_not_on_the_board(client, shop):
    pay(place(shop))
    task_make(member=shop.member, assignee=shop.clerk, due=timezone.localdate())
    client.force_login(shop.other_clerk.user)

    response = client.get(HOME)

    assert all(block["data"]["count"] == 0 for block in response.context["board_sections"])


def test_a_clerk_sees_her_own_follow_ups_a_manager_her_stores(client, shop):
    task = task_make(member=shop.member, assignee=shop.clerk, due=timezone.localdate())

    client.force_login(shop.manager.user)
    managers = client.get(BOARD, HTTP_HX_REQUEST="true").context["board_sections"][-1]["data"]

    assert managers["tasks"] == [task]


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD, HTTP_HX_REQUEST="true").status_code == 200
    return len(queries)


def test_the_board_costs_the_same_for_one_order_or_many(
    generous_policy, counter, shop, django_assert_max_num_queries
):
    pay(place(shop))
    pay(place(shop, F.PICKUP))
    visit_today(shop, [Line(shop.sku_m, 1)])
    task_make(member=shop.member, assignee=shop.clerk, due=timezone.localdate())
    transfer_request(from_store=shop.store, to_store=shop.other_store, lines=[(shop.sku_m.pk, 1)])
    delivery_offer_make(store=shop.store, lines=[(shop.sku_l, 1)])
    few = _board_queries(counter)

    for _ in range(6):
        pay(place(shop))
        pay(place(shop, F.PICKUP))
        visit_today(shop, [Line(shop.sku_m, 1)])
        task_make(member=shop.member, assignee=shop.clerk, due=timezone.localdate())
        transfer_request(
            from_store=shop.store, to_store=shop.other_store, lines=[(shop.sku_m.pk, 1)]
        )
        delivery_offer_make(store=shop.store, lines=[(shop.sku_l, 1)])

    assert _board_queries(counter) == few
    # The delivery offers and their lines: two queries.
    with django_assert_max_num_queries(12):
        counter.get(BOARD, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(13):
        counter.get(HOME)
