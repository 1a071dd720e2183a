"""My customers and a member's page: who is bound to the clerk (tier, last purchase, spend, open
follow-ups) in a fixed number of queries; her history, favourites and follow-ups; a cart and a
follow-up started from her page; and nobody else's members."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.views.customers import CUSTOMERS_PER_PAGE
from members.card import card_token_issue
from members.models import Favorite, FollowUpTask, Member
from members.services.accounts import member_create
from orders.models import Cart, Order
from orders.services.checkout import Line
from tests.members.loyalty_factories import order_make, task_make
from tests.orders.placing import pay

pytestmark = pytest.mark.django_db

LIST = "/staff/customers/"


def page_of(member):
    return f"/staff/customers/{member.member_code}/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counter(client, shop):
    client.force_login(shop.clerk.user)
    return client


@pytest.fixture
def mine(shop):
    """A loyal customer of the clerk with two sold orders (one partly refunded) and a refund."""
    member = member_create(
        phone="13800138000",
        nickname="小雨",
        home_store=shop.store,
        bound_clerk=shop.clerk,
        tier=Member.Tier.LOYAL,
    )
    at = timezone.now() - timedelta(days=3)
    order_make(member, total=59900, store=shop.store, at=at)
    order_make(member, total=20000, refunded=5000, store=shop.store, at=at)
    order_make(member, total=99900, status=Order.Status.REFUNDED, refunded=99900, at=at)
    order_make(member, total=88800, status=Order.Status.PENDING_PAYMENT)
    Member.objects.filter(pk=member.pk).update(last_purchase_at=at)
    return member


def test_my_customers_shows_tier_last_purchase_spend_and_open_follow_ups(counter, shop, mine):
    member_create(phone="13700137000", home_store=shop.store)  # the store's, not hers
    member_create(phone="13600136000", bound_clerk=shop.manager)
    due = timezone.localdate() + timedelta(days=2)
    task_make(member=mine, assignee=shop.clerk, due=due)
    task_make(member=mine, assignee=shop.clerk, due=due + timedelta(days=5))
    task_make(member=mine, assignee=shop.clerk, due=due, outcome=FollowUpTask.Outcome.REACHED)

    response = counter.get(LIST)

    html = response.content.decode()
    customers = list(response.context["page"].object_list)
    assert customers == [mine]
    row = customers[0]
    assert (row.spend, row.open_follow_ups, row.next_follow_up) == (59900 + 15000, 2, due)
    for shown in ("小雨", "138****8000", "Loyal", "¥749.00", due.strftime("%m-%d")):
        assert shown in html
    assert "13800138000" not in html


def test_my_customers_is_paginated_and_searchable_in_fixed_queries(counter, shop):
    for n in range(CUSTOMERS_PER_PAGE + 5):
        member = member_create(phone=f"1390000{n:04d}", bound_clerk=shop.clerk)
        order_make(member, total=1000 + n, store=shop.store)
        task_make(member=member, assignee=shop.clerk, due=timezone.localdate())

    with CaptureQueriesContext(connection) as first_page:
        first = counter.get(LIST)
    with CaptureQueriesContext(connection) as second_page:
        second = counter.get(f"{LIST}?page=2")
    found = counter.get(f"{LIST}?q=13900000007")

    assert len(first.context["page"].object_list) == CUSTOMERS_PER_PAGE
    assert len(second.context["page"].object_list) == 5
    assert len(first_page) == len(second_page) <= 6
    assert [m.phone for m in found.context["page"].object_list] == ["13900000007"]
    assert "Page 1 of 2" in first.content.decode()


def test_her_page_has_history_favorites_follow_ups_and_the_actions(counter, shop, mine):
    sold = pay(_her_order(shop, mine))
    elsewhere = order_make(mine, total=1000, store=shop.other_store)
    Favorite.objects.create(member=mine, product=shop.product)
    task = task_make(member=mine, assignee=shop.clerk, due=timezone.localdate())

    response = counter.get(page_of(mine))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["member"].spend == 59900 + 15000 + sold.total_amount + 1000
    assert sold in response.context["orders"].object_list
    assert f'href="/staff/orders/{sold.number}/"' in html
    assert f'href="/staff/orders/{elsewhere.number}/"' not in html  # another store's order
    assert elsewhere.number in html
    assert [f.product for f in response.context["favorites"]] == [shop.product]
    assert response.context["open_tasks"] == [task]
    for shown in ("Start a cart for her", "Record a follow-up", "真丝连衣裙", "Loyal", "you"):
        assert shown in html


def _her_order(shop, member):
    from orders.services.checkout import order_place

    return order_place(
        member=member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=Order.Fulfillment.PICKUP,
        store=shop.store,
    )


def test_her_page_costs_the_same_for_few_or_many_orders(counter, shop, mine):
    def queries():
        with CaptureQueriesContext(connection) as done:
            assert counter.get(page_of(mine)).status_code == 200
        return len(done)

    few = queries()
    for _ in range(15):
        order_make(mine, total=1000, store=shop.store)
    assert queries() == few <= 14


def test_starting_a_cart_for_her(counter, shop, mine):
    response = counter.post(f"{page_of(mine)}cart/")

    cart = Cart.objects.get(built_by=shop.clerk)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/orders/assist/{cart.pk}/"
    assert cart.note == f"小雨 · {mine.member_code}" and cart.store == shop.store


def test_recording_a_reminder_and_a_contact(counter, shop, mine):
    later = timezone.localdate() + timedelta(days=10)

    reminder = counter.post(
        f"{page_of(mine)}follow-up/", {"note": "New colours arrive", "due_date": later}
    )
    contact = counter.post(
        f"{page_of(mine)}follow-up/", {"note": "Called, will come", "outcome": "will_buy"}
    )

    assert reminder.status_code == contact.status_code == 302
    open_task, done = FollowUpTask.objects.filter(member=mine).order_by("id")
    assert (open_task.kind, open_task.due_date, open_task.outcome) == ("clerk_note", later, "")
    assert open_task.script == "New colours arrive" and open_task.assignee == shop.clerk
    assert (done.outcome, done.outcome_note, done.due_date) == (
        "will_buy",
        "Called, will come",
        timezone.localdate(),
    )
    page = counter.get(page_of(mine)).context
    assert page["open_tasks"] == [open_task] and page["contacts"] == [done]


def test_a_follow_up_in_the_past_or_without_a_note_is_refused(counter, mine):
    past = counter.post(
        f"{page_of(mine)}follow-up/",
        {"note": "x", "due_date": timezone.localdate() - timedelta(days=1)},
    )
    empty = counter.post(f"{page_of(mine)}follow-up/", {"note": ""})

    assert past.status_code == empty.status_code == 400
    assert "from today to a year ahead" in past.content.decode()
    assert not FollowUpTask.objects.exists()


def test_recording_the_outcome_of_her_open_follow_up(counter, shop, mine):
    task = task_make(member=mine, assignee=shop.clerk, due=timezone.localdate())

    response = counter.post(
        f"{page_of(mine)}follow-ups/{task.pk}/outcome/", {"outcome": "reached", "note": "ok"}
    )

    assert response["Location"] == page_of(mine)
    task.refresh_from_db()
    assert (task.outcome, task.outcome_note) == ("reached", "ok")


# ---- who may see whom -------------------------------------------------------------------------


def test_another_stores_clerk_gets_404_on_her_page_and_actions(client, shop, mine):
    task = task_make(member=mine, assignee=shop.clerk, due=timezone.localdate())
    order = pay(_her_order(shop, mine))
    client.force_login(shop.other_clerk.user)

    assert client.get(page_of(mine)).status_code == 404
    assert client.post(f"{page_of(mine)}cart/").status_code == 404
    assert client.post(f"{page_of(mine)}follow-up/", {"note": "x"}).status_code == 404
    outcome_url = f"{page_of(mine)}follow-ups/{task.pk}/outcome/"
    assert client.post(outcome_url, {"outcome": "reached"}).status_code == 404
    assert client.get(f"/staff/orders/{order.number}/").status_code == 404
    assert mine not in client.get(LIST).context["page"].object_list
    assert not Cart.objects.exists() and not FollowUpTask.objects.exclude(pk=task.pk).exists()


def test_a_colleague_sees_her_page_but_not_in_her_own_list(client, shop, mine):
    client.force_login(shop.manager.user)

    assert client.get(page_of(mine)).status_code == 200
    assert list(client.get(LIST).context["page"].object_list) == []


def test_a_member_of_another_store_opens_after_showing_her_card_here(client, shop):
    visitor = member_create(phone="13700137000", home_store=shop.other_store)
    client.force_login(shop.clerk.user)
    assert client.get(page_of(visitor)).status_code == 404

    scanned = client.post("/staff/scan/resolve/", {"text": card_token_issue(visitor)})

    assert scanned["Location"] == page_of(visitor)
    assert client.get(page_of(visitor)).status_code == 200
    client.force_login(shop.manager.user)  # a new session: she has not shown her card there
    assert client.get(page_of(visitor)).status_code == 404


def test_a_task_of_another_member_is_not_recorded_through_her_page(counter, shop, mine):
    other = member_create(phone="13700137000", home_store=shop.store)
    task = task_make(member=other, assignee=shop.clerk, due=timezone.localdate())

    response = counter.post(f"{page_of(mine)}follow-ups/{task.pk}/outcome/", {"outcome": "reached"})

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.outcome == ""


def test_unknown_and_inactive_members_are_404(counter, shop, mine):
    assert counter.get("/staff/customers/M000000000/").status_code == 404
    Member.objects.filter(pk=mine.pk).update(is_active=False)
    assert counter.get(page_of(mine)).status_code == 404
