"""Loyalty in the back office: follow-up tasks (a clerk's own list, outcomes, the printable
list) and gift pickups verified by code."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import FollowUpTask, GiftRedemption
from members.services import gifts
from stores.models import Staff
from tests.members.loyalty_factories import (
    gift_make,
    member_make,
    product_make,
    staff_make,
    stock_put,
    store_make,
    task_make,
)

pytestmark = pytest.mark.django_db

URL = "/staff/loyalty/follow-ups/"


@pytest.fixture
def team():
    store = store_make("jingan")
    li = staff_make(store, name="李娜")
    wang = staff_make(store, name="王芳")
    manager = staff_make(store, role=Staff.Role.MANAGER, name="张经理")
    other_store_clerk = staff_make(store_make("xuhui"), name="赵敏")
    return store, li, wang, manager, other_store_clerk


def test_a_clerk_sees_only_her_open_tasks_due_today_or_overdue(client, team):
    _store, li, wang, _manager, _other = team
    today = timezone.localdate()
    formula = product_make(name="婴儿配方奶粉 900g", days=7)
    mine = task_make(
        member=member_make("13800138000", nickname="小美"),
        assignee=li,
        due=today,
        product=formula,
        quantity=2,
        purchased_on=today - timedelta(days=12),
    )
    overdue = task_make(member=member_make(nickname="阿兰"), assignee=li, due=today - timedelta(3))
    upcoming = task_make(member=member_make(nickname="小雨"), assignee=li, due=today + timedelta(5))
    task_make(member=member_make(nickname="别人的"), assignee=wang, due=today)
    task_make(member=member_make(nickname="已联系"), assignee=li, due=today, outcome="reached")
    client.force_login(li.user)

    page = client.get(URL).content.decode()

    assert "小美" in page and "阿兰" in page
    assert "别人的" not in page and "已联系" not in page and "小雨" not in page
    assert 'href="tel:13800138000"' in page and "138****8000" in page
    assert "婴儿配方奶粉 900g × 2" in page and mine.script in page
    assert page.index("阿兰") < page.index("小美")  # overdue first
    upcoming_page = client.get(URL, {"tab": "upcoming"}).content.decode()
    assert "小雨" in upcoming_page and "小美" not in upcoming_page
    assert overdue.pk and upcoming.pk


def test_a_manager_sees_the_stores_tasks(client, team):
    _store, li, wang, manager, other = team
    today = timezone.localdate()
    task_make(member=member_make(nickname="甲"), assignee=li, due=today)
    task_make(member=member_make(nickname="乙"), assignee=wang, due=today)
    task_make(member=member_make(nickname="丙"), assignee=other, due=today)
    client.force_login(manager.user)

    page = client.get(URL).content.decode()

    assert "甲" in page and "乙" in page and "丙" not in page


def test_recording_an_outcome(client, team):
    _store, li, wang, _manager, _other = team
    task = task_make(member=member_make(), assignee=li, due=timezone.localdate())
    someone_elses = task_make(member=member_make(), assignee=wang, due=timezone.localdate())
    client.force_login(li.user)

    response = client.post(
        reverse("loyalty_backoffice:follow_up_outcome", args=[task.pk]),
        {"outcome": "will_buy", "note": "周六来店"},
    )
    refused = client.post(
        reverse("loyalty_backoffice:follow_up_outcome", args=[someone_elses.pk]),
        {"outcome": "reached"},
    )

    task.refresh_from_db()
    assert response.status_code == 302
    assert (task.outcome, task.outcome_note) == ("will_buy", "周六来店") and task.outcome_at
    assert refused.status_code == 404
    assert FollowUpTask.objects.get(pk=someone_elses.pk).outcome == ""
    invalid = client.post(
        reverse("loyalty_backoffice:follow_up_outcome", args=[task.pk]), {"outcome": "maybe"}
    )
    assert invalid.status_code == 302
    task.refresh_from_db()
    assert task.outcome == "will_buy"


def test_printable_list(client, team):
    _store, li, _wang, _manager, _other = team
    task_make(
        member=member_make("13900001111", nickname="小美"), assignee=li, due=timezone.localdate()
    )
    client.force_login(li.user)

    page = client.get(URL, {"print": "1"}).content.decode()

    assert "follow-up-sheet" in page and "小美" in page and "139****1111" in page
    sheet = page.split("<table")[1].split("</table>")[0]
    assert "<form" not in sheet  # a clean table, no outcome forms


def test_query_count_does_not_grow_with_tasks(client, team, django_assert_max_num_queries):
    _store, li, _wang, manager, _other = team
    today = timezone.localdate()
    for _ in range(15):
        task_make(member=member_make(), assignee=li, due=today, product=product_make(days=7))
    for staff in (li, manager):
        client.force_login(staff.user)
        with django_assert_max_num_queries(6):
            response = client.get(URL)
        assert response.status_code == 200
        assert response.content.decode().count('class="card follow-up"') == 15


def test_non_staff_are_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("shopper"))
    assert client.get(URL).status_code == 403


# ---- gift pickups ------------------------------------------------------------------------------


def test_back_office_verify_page(client):
    store, other = store_make("jingan"), store_make("xuhui")
    gift = gift_make(points=300, name="保温杯")
    stock_put(store, gift.sku, 2)
    redemption = gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)
    clerk, stranger = staff_make(store), staff_make(other)
    url = reverse("loyalty_backoffice:gift_verify")

    client.force_login(stranger.user)
    assert gift.name not in client.get(url).content.decode()  # not her store's pickup
    client.post(url, {"code": redemption.pickup_code})
    assert GiftRedemption.objects.get(pk=redemption.pk).state == "reserved"

    client.force_login(clerk.user)
    page = client.get(url)
    assert page.status_code == 200 and gift.name in page.content.decode()
    client.post(url, {"code": redemption.pickup_code})
    assert GiftRedemption.objects.get(pk=redemption.pk).state == "picked_up"
    again = client.post(url, {"code": redemption.pickup_code}, follow=True)
    assert GiftRedemption.objects.get(pk=redemption.pk).verified_by == clerk
    assert again.status_code == 200
