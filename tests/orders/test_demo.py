"""Demo members and their sales (orders/demo.py) go through the real services."""

import pytest

from members.models import Member
from orders.demo import seed_members_and_sales

pytestmark = pytest.mark.django_db


def test_seeded_buyers_have_their_tier_before_any_night_job(shop):
    Member.objects.all().delete()  # the demo seeds members only into an empty chain

    seeded = seed_members_and_sales()

    assert seeded["sales_created"] >= 1
    buyers = Member.objects.filter(last_purchase_at__isnull=False)
    assert buyers.count() == seeded["sales_created"]
    assert set(buyers.values_list("tier", flat=True)) <= {"regular", "loyal", "advocate"}
    assert set(Member.objects.exclude(pk__in=buyers).values_list("tier", flat=True)) <= {
        "potential"
    }
