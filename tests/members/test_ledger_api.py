"""Loyalty reads for tills (DESIGN §5): a member's points ledger and a store's follow-ups due."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.services.followups import follow_up_create
from members.services.points import points_add
from tests.api import token_client
from tests.members.loyalty_factories import member_make, staff_make, store_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model):
    return token_client(django_user_model.objects.create_user("till", is_staff=True))


def test_a_members_points_ledger_pages_by_cursor_with_her_balance(api):
    member = member_make()
    for number in range(3):
        points_add(
            member=member, delta=10 * (number + 1), reason="adjustment", reference=f"r{number}"
        )

    first = api.get(f"/api/v1/points/?member={member.member_code}&limit=2").json()
    second = api.get(first["next"]).json()

    entries = first["results"] + second["results"]
    assert [entry["delta"] for entry in entries] == [10, 20, 30]
    assert {entry["balance"] for entry in entries} == {60}
    unknown = api.get("/api/v1/points/?member=M000")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_member")
    assert api.get("/api/v1/points/").status_code == 400


def test_a_till_lists_the_open_follow_ups_due_at_its_store(api):
    clerk = staff_make(store_make())
    today = timezone.localdate()
    due = follow_up_create(member=member_make(), staff=clerk, due_date=today, note="call")
    follow_up_create(
        member=member_make(), staff=clerk, due_date=today + timedelta(days=3), note="later"
    )

    listed = api.get(f"/api/v1/follow-ups/?store={clerk.store.code}").json()["results"]
    later = api.get(
        f"/api/v1/follow-ups/?store={clerk.store.code}&due_by={today + timedelta(days=3)}"
    ).json()["results"]

    assert [task["id"] for task in listed] == [due.pk]
    assert listed[0]["assignee"] == clerk.staff_code and listed[0]["script"] == "call"
    assert len(later) == 2
    assert api.get("/api/v1/follow-ups/?store=nope").json()["code"] == "unknown_store"
