"""Follow-ups a clerk writes herself (from a member's page): a reminder, or a contact made."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import FollowUpTask
from members.services.followups import follow_up_create, follow_ups_convert
from tests.members.loyalty_factories import member_make, staff_make, store_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return staff_make(store_make())


def test_a_reminder_is_an_open_task_of_the_clerk_due_on_the_day(clerk):
    member = member_make()
    day = timezone.localdate() + timedelta(days=4)

    task = follow_up_create(member=member, staff=clerk, due_date=day, note="  New colours  ")

    assert (task.kind, task.assignee, task.store, task.due_date) == (
        FollowUpTask.Kind.CLERK_NOTE,
        clerk,
        clerk.store,
        day,
    )
    assert (task.script, task.outcome, task.outcome_at) == ("New colours", "", None)


def test_a_contact_made_is_closed_at_once_and_can_convert(clerk):
    member = member_make()
    today = timezone.localdate()

    task = follow_up_create(
        member=member,
        staff=clerk,
        due_date=today + timedelta(days=9),
        note="Called",
        outcome="will_buy",
    )
    again = follow_up_create(member=member, staff=clerk, due_date=today, note="Called")
    converted = follow_ups_convert(member=member, purchased_on=today, order_reference="order:X1")

    assert (task.outcome, task.outcome_note, task.due_date) == ("will_buy", "Called", today)
    assert task.outcome_at is not None and again.pk != task.pk
    assert converted == 2


def test_an_unknown_outcome_or_an_inactive_clerk_is_refused(clerk):
    member = member_make()
    with pytest.raises(ValueError):
        follow_up_create(
            member=member, staff=clerk, due_date=timezone.localdate(), note="x", outcome="maybe"
        )
    clerk.is_active = False
    with pytest.raises(ValueError):
        follow_up_create(member=member, staff=clerk, due_date=timezone.localdate(), note="x")
    assert not FollowUpTask.objects.exists()
