"""Nightly tiers: potential, regular, loyal (12-month window), advocate."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import LoyaltyPolicy, Member
from orders.models import Order
from orders.services.fulfilment import order_hand_over
from orders.services.tiers import tiers_recompute
from orders.tasks import recompute_tiers
from tests.members.loyalty_factories import member_make, order_make, staff_make, store_make

pytestmark = pytest.mark.django_db

S = Order.Status


@pytest.fixture
def policy():
    policy = LoyaltyPolicy.current()
    policy.loyal_min_orders = 3
    policy.loyal_min_spend = 100_000  # ¥1000
    policy.save()
    return policy


def tier_of(member) -> str:
    return Member.objects.values_list("tier", flat=True).get(pk=member.pk)


def test_each_tier_is_reachable(policy):
    now = timezone.now()
    potential = member_make()
    only_unpaid = member_make()
    order_make(only_unpaid, status=S.PENDING_PAYMENT)
    order_make(only_unpaid, status=S.CANCELLED)
    regular = member_make()
    order_make(regular, total=5_000, at=now - timedelta(days=3))
    loyal_by_count = member_make()
    for days in (10, 50, 300):
        order_make(loyal_by_count, total=1_000, at=now - timedelta(days=days))
    loyal_by_spend = member_make()
    order_make(loyal_by_spend, total=150_000, status=S.PAID, at=now - timedelta(days=30))
    advocate = member_make()
    order_make(advocate, total=200_000, at=now - timedelta(days=1))
    referred_buyer = member_make(referrer=advocate)
    order_make(referred_buyer, total=100, status=S.SHIPPED)
    loyal_with_idle_referral = member_make()
    order_make(loyal_with_idle_referral, total=200_000)
    member_make(referrer=loyal_with_idle_referral)  # referred, never bought

    counts = tiers_recompute()

    assert tier_of(potential) == "potential"
    assert tier_of(only_unpaid) == "potential"
    assert tier_of(regular) == "regular"
    assert tier_of(loyal_by_count) == "loyal"
    assert tier_of(loyal_by_spend) == "loyal"
    assert tier_of(advocate) == "advocate"
    assert tier_of(loyal_with_idle_referral) == "loyal"
    assert tier_of(referred_buyer) == "regular"
    assert counts["advocate"] == 1 and counts["loyal"] == 3
    assert counts["potential"] == 3  # potential, only_unpaid, the idle referral


def test_twelve_month_window_and_refunds(policy):
    now = timezone.now()
    old_big_spender = member_make()
    order_make(old_big_spender, total=500_000, at=now - timedelta(days=400))
    order_make(old_big_spender, total=1_000, at=now - timedelta(days=20))
    two_recent_one_old = member_make()
    for days in (5, 6, 370):
        order_make(two_recent_one_old, total=1_000, at=now - timedelta(days=days))
    refunded_back_below = member_make()
    order_make(refunded_back_below, total=150_000, refunded=60_000)
    fully_refunded = member_make()
    order_make(fully_refunded, total=150_000, refunded=150_000, status=S.REFUNDED)

    tiers_recompute()

    assert tier_of(old_big_spender) == "regular"
    assert tier_of(two_recent_one_old) == "regular"
    assert tier_of(refunded_back_below) == "regular"
    assert tier_of(fully_refunded) == "potential"

    # As of 100 days ago the window held the big old order but not the recent ones.
    tiers_recompute(now=now - timedelta(days=100))
    assert tier_of(old_big_spender) == "loyal"
    assert tier_of(two_recent_one_old) == "regular"


def test_pos_sale_counts_as_a_purchase_and_tiers_move_down(policy):
    member = member_make()
    order_make(member, channel=Order.Channel.POS, status=S.REFUNDED, total=100, refunded=100)
    tiers_recompute()
    assert tier_of(member) == "regular"

    loyal = member_make()
    order_make(loyal, total=200_000, at=timezone.now() - timedelta(days=360))
    tiers_recompute()
    assert tier_of(loyal) == "loyal"
    counts = tiers_recompute(now=timezone.now() + timedelta(days=10))
    assert tier_of(loyal) == "regular"
    assert counts["changed"] == 1


def test_recompute_is_one_update_and_a_re_run_changes_nothing(
    policy, django_assert_max_num_queries
):
    for _ in range(5):
        order_make(member_make(), total=200_000)

    with django_assert_max_num_queries(5):  # savepoint, policy, UPDATE, counts, release
        first = tiers_recompute()
    second = tiers_recompute()

    assert first["changed"] == 5 and second["changed"] == 0


def test_command_and_task_print_and_return_counts(policy):
    order_make(member_make(), total=100)
    out = StringIO()

    call_command("recompute_tiers", stdout=out)

    assert "regular: 1" in out.getvalue() and "changed: 1" in out.getvalue()
    assert recompute_tiers.apply().get()["regular"] == 1


def test_a_purchase_sets_the_buyers_tier_at_once_not_the_next_night(policy):
    store = store_make()
    referrer = member_make()
    order_make(referrer, total=200_000, store=store)  # loyal by spend, nobody brought in yet
    buyer = member_make(referrer=referrer)
    bystander = member_make()
    order_make(bystander, total=100, store=store)  # bought, waits for the night job
    sale = order_make(buyer, total=5_000, store=store, status=S.PAID)

    order_hand_over(order=sale, staff=staff_make(store))

    assert tier_of(buyer) == "regular"
    assert tier_of(referrer) == "advocate"  # she brought in a member who bought
    assert tier_of(bystander) == "potential"  # only the buyer and her referrer are refreshed
