"""Segments by rules (tier, last purchase, home store, tags, spend, category bought), refreshed by
the command; campaigns issue a coupon to a segment once each; pushes respect the opt-out and the
per-member frequency cap."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import Member, MemberTag, Notice
from members.services.accounts import member_get_or_create_by_phone
from promotions.models import Coupon, CouponCampaign, Push, Segment, SegmentMember
from promotions.services.segments import (
    campaign_run,
    push_opt_out_set,
    push_send,
    segment_refresh,
)
from tests.orders.placing import F, pay, place
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(shop):
    """Four members: A loyal at sh01 who bought last week, B loyal who lapsed 90 days ago,
    C regular tagged "vip", D potential with nothing."""
    now = timezone.now()
    made = {}
    for name, phone, tier, home, last in [
        ("a", "13900000001", "loyal", shop.store, now - timedelta(days=7)),
        ("b", "13900000002", "loyal", shop.other_store, now - timedelta(days=90)),
        ("c", "13900000003", "regular", None, None),
        ("d", "13900000004", "potential", None, None),
    ]:
        member, _ = member_get_or_create_by_phone(phone=phone)
        Member.objects.filter(pk=member.pk).update(
            tier=tier, home_store=home, last_purchase_at=last
        )
        made[name] = member
    made["c"].tags.add(MemberTag.objects.create(name="vip"))
    return made


def members_of(segment):
    return set(
        SegmentMember.objects.filter(segment=segment).values_list("member__phone", flat=True)
    )


def test_rules_select_members_and_refresh_follows_changes(shop, members):
    loyal_recent = Segment.objects.create(
        name="loyal recent", tiers=["loyal"], purchased_within_days=30
    )
    lapsed = Segment.objects.create(name="lapsed", lapsed_days=60)
    vip = Segment.objects.create(name="vip")
    vip.tags.set(MemberTag.objects.filter(name="vip"))
    at_sh01 = Segment.objects.create(name="sh01")
    at_sh01.home_stores.set([shop.store])

    call_command("segments_refresh")

    assert members_of(loyal_recent) == {"13900000001"}
    assert members_of(lapsed) == {"13900000002"}
    assert members_of(vip) == {"13900000003"}
    assert members_of(at_sh01) == {"13900000001"}
    loyal_recent.refresh_from_db()
    assert loyal_recent.member_count == 1 and loyal_recent.refreshed_at

    Member.objects.filter(pk=members["a"].pk).update(tier="regular")
    segment_refresh(segment=loyal_recent)
    assert members_of(loyal_recent) == set()


def test_spend_and_category_rules_read_paid_orders(shop):
    pay(place(shop, F.PICKUP))
    spenders = Segment.objects.create(name="spenders", min_spend_12m=50000)
    big_spenders = Segment.objects.create(name="big", min_spend_12m=100000)
    dress_buyers = Segment.objects.create(name="dresses", category_bought=shop.product.category)

    for segment in (spenders, big_spenders, dress_buyers):
        segment_refresh(segment=segment)

    assert members_of(spenders) == {shop.member.phone}
    assert members_of(big_spenders) == set()
    assert members_of(dress_buyers) == {shop.member.phone}


def test_a_campaign_issues_once_per_member_even_when_run_twice(shop, members):
    segment = Segment.objects.create(name="loyal", tiers=["loyal"])
    segment_refresh(segment=segment)
    campaign = CouponCampaign.objects.create(
        template=template_make(claimable=False), segment=segment
    )

    first = campaign_run(campaign=campaign)
    second = campaign_run(campaign=campaign)

    assert first == {"issued": 2, "skipped": 0}
    assert second == {"issued": 0, "skipped": 0}
    assert Coupon.objects.filter(campaign=campaign).count() == 2


def test_a_campaign_stops_when_the_template_runs_out(shop, members):
    segment = Segment.objects.create(name="all")
    segment_refresh(segment=segment)
    campaign = CouponCampaign.objects.create(
        template=template_make(total_limit=2, claimable=False), segment=segment
    )
    result = campaign_run(campaign=campaign)
    assert result["issued"] == 2
    assert Coupon.objects.count() == 2


def test_pushes_respect_the_opt_out_and_the_frequency_cap(shop, members, settings):
    settings.PROMOTION_PUSH_CAP = 2
    settings.PROMOTION_PUSH_CAP_DAYS = 7
    segment = Segment.objects.create(name="loyal", tiers=["loyal"])
    segment_refresh(segment=segment)
    push_opt_out_set(member=members["b"], opted_out=True)
    pushes = [Push.objects.create(segment=segment, title=f"Sale {n}") for n in range(3)]

    results = [push_send(push=push) for push in pushes]
    repeat = push_send(push=pushes[0])

    assert [r["sent"] for r in results] == [1, 1, 0]
    assert results[2]["capped"] == 1
    assert all(r["opted_out"] == 1 for r in results)
    assert repeat["sent"] == 0 and repeat["already"] == 1
    assert Notice.objects.filter(member=members["a"], kind="promotion").count() == 2
    assert not Notice.objects.filter(member=members["b"]).exists()


def test_the_cap_counts_only_the_period(shop, members, settings):
    settings.PROMOTION_PUSH_CAP = 1
    segment = Segment.objects.create(name="a", tiers=["loyal"], purchased_within_days=30)
    segment_refresh(segment=segment)
    first = Push.objects.create(segment=segment, title="One")
    push_send(push=first)
    Notice.objects.filter(member=members["a"]).update(created_at=timezone.now() - timedelta(days=8))

    assert push_send(push=Push.objects.create(segment=segment, title="Two"))["sent"] == 1


def test_new_arrival_notices_share_the_opt_out_and_the_cap(shop, members, settings):
    from catalog.models import Product
    from members.services.arrivals import product_publish_new_arrival, subscription_add

    settings.PROMOTION_PUSH_CAP = 2
    subscription_add(member=members["a"], category=shop.product.category)
    subscription_add(member=members["b"], category=shop.product.category)
    push_opt_out_set(member=members["b"], opted_out=True)
    segment = Segment.objects.create(name="a", tiers=["loyal"], purchased_within_days=30)
    segment_refresh(segment=segment)
    push_send(push=Push.objects.create(segment=segment, title="Sale"))

    sent = [
        product_publish_new_arrival(
            product=Product.objects.create(
                code=f"new-{n}", name=f"新品 {n}", category=shop.product.category, base_price=100
            )
        )
        for n in range(2)
    ]

    assert sent == [1, 0]  # her second marketing message this week, then the cap
    assert not Notice.objects.filter(member=members["b"]).exists()
