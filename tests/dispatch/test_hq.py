"""HQ's dispatch desk in the admin: orders waiting with the time left, the queue, reassigned
orders with their chain of offers, and per store the offers received, accepted, declined and
expired with the median time to accept against the response target."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.hq_selectors import offer_stats_by_store
from dispatch.models import Dispatch
from tests.dispatch.conftest import NOW, minutes

pytestmark = pytest.mark.django_db

HQ_URL = "admin:dispatch_dispatch_hq"


def test_the_figures_per_store(city, week):
    week(NOW)

    stats = {
        row.code: row
        for row in offer_stats_by_store(
            since=NOW - timedelta(days=1), until=NOW + timedelta(days=1), target_minutes=15
        )
    }

    near, mid = stats["near"], stats["mid"]
    assert (near.received, near.accepted, near.declined, near.expired) == (5, 2, 2, 1)
    assert near.within_target == 3  # A (5 min), D (10 min), E declined after 1 min
    assert near.median_to_accept == timedelta(minutes=7, seconds=30)  # of 5 and 10 min
    assert near.median_within_target is True
    assert (mid.received, mid.accepted, mid.declined, mid.expired) == (2, 1, 0, 0)
    assert mid.median_to_accept == minutes(30) and mid.median_within_target is False
    assert mid.within_target == 0
    assert set(stats) == {"near", "mid"}


def test_the_period_bounds_the_figures(city, week):
    week(NOW)

    later = offer_stats_by_store(
        since=NOW + minutes(61), until=NOW + timedelta(days=1), target_minutes=15
    )

    assert [(row.code, row.received) for row in later] == [("near", 1)]  # E alone


def test_the_hq_desk_shows_waiting_orders_queue_chain_and_figures(
    admin_client, city, week, django_assert_max_num_queries
):
    start = timezone.now() - minutes(90)
    orders = week(start)

    with django_assert_max_num_queries(15):
        response = admin_client.get(reverse(HQ_URL))

    assert response.status_code == 200
    page = response.content.decode()
    waiting = page[page.index('id="hq-waiting"') : page.index('id="hq-queue"')]
    assert orders["c"].order.number in waiting
    assert re.search(r"<td>(29|30):\d\d</td>", waiting)  # mid's deadline is 30 min away
    queue = page[page.index('id="hq-queue"') : page.index('id="hq-reassigned"')]
    e_dispatch = Dispatch.objects.get(order=orders["e"].order)
    assert orders["e"].order.number in queue
    assert reverse("admin:dispatch_dispatch_assign", args=[e_dispatch.pk]) in queue
    chain = re.sub(
        r"<[^>]+>", "", page[page.index('id="hq-reassigned"') : page.index('id="hq-stats"')]
    )
    assert "near: Declined “no courier” → mid: Accepted" in chain
    assert "near: Deadline passed → mid: Offered" in chain
    assert orders["a"].order.number not in chain  # one store took it at once
    near_row = page[page.index('<tr data-store="near">') :]
    near_row = near_row[: near_row.index("</tr>")]
    cells = re.findall(r"<td>([^<]*)", near_row)
    assert cells[1:7] == ["5", "2", "2", "1", "0", "3"]
    assert "7:30 ✔" in near_row
    mid_row = page[page.index('<tr data-store="mid">') :]
    assert "30:00 <strong>✘ over target</strong>" in mid_row[: mid_row.index("</tr>")]


def test_the_dispatch_list_links_to_the_desk(admin_client):
    page = admin_client.get(reverse("admin:dispatch_dispatch_changelist")).content.decode()
    assert reverse(HQ_URL) in page


def test_a_bad_period_falls_back_to_a_week(admin_client):
    response = admin_client.get(reverse(HQ_URL), {"days": "lots\u00e9"})
    assert response.status_code == 200
    assert response.context["days"] == 7


def test_staff_without_the_view_permission_are_refused(client, django_user_model):
    user = django_user_model.objects.create_user("clerk-admin", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse(HQ_URL)).status_code == 403
