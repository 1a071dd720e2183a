"""新人礼: a template flagged as the new-member gift is given once to every member when her member
record is created, in the same transaction, whichever way she joins; a gift that cannot be given
never stops her joining, and nothing is given twice."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from members.models import Member
from members.services.accounts import (
    member_create,
    member_get_or_create_by_openid,
    member_get_or_create_by_phone,
    member_upsert,
)
from promotions.models import Coupon, CouponTemplate
from promotions.services.coupons import new_member_gifts_issue
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db


def gifts_of(member):
    return list(Coupon.objects.filter(member=member, source=Coupon.Source.NEW_MEMBER))


def test_a_new_member_gets_each_flagged_gift_once_with_its_validity(db):
    gift = template_make(name="新人券", new_member_gift=True, claimable=False, valid_days=7)
    second = template_make(name="新人满减", new_member_gift=True, claimable=False)
    template_make(name="not a gift")

    member, created = member_get_or_create_by_phone(phone="13900139777")

    assert created
    coupons = gifts_of(member)
    assert sorted(c.template.name for c in coupons) == sorted([gift.name, second.name])
    first = next(c for c in coupons if c.template == gift)
    assert first.status == Coupon.Status.AVAILABLE and len(first.code) == 12
    assert abs((first.valid_until - timezone.now()).days - 7) <= 1
    assert first.events.get().kind == "issued"
    gift.refresh_from_db()
    assert gift.issued_count == 1
    # Logging in again finds her: nothing more is given.
    again, created = member_get_or_create_by_phone(phone="13900139777")
    assert (again, created) == (member, False)
    assert len(gifts_of(member)) == 2


@pytest.mark.parametrize(
    "path",
    [
        lambda: member_get_or_create_by_openid(openid="o-new-member")[0],
        lambda: member_upsert(phone="13900139778", nickname="POS")[0],
        lambda: member_create(phone="13900139779"),
    ],
    ids=["wechat", "pos-upsert", "create"],
)
def test_every_way_of_joining_gets_the_gift(db, path):
    template_make(name="新人券", new_member_gift=True)

    member = path()

    assert [c.template.name for c in gifts_of(member)] == ["新人券"]


def test_a_replay_gives_nothing_twice_even_above_the_per_member_limit(db):
    gift = template_make(new_member_gift=True, per_member_limit=3)
    member = member_create(phone="13900139780")

    assert new_member_gifts_issue(member) == []  # the unique (template, member) refuses it

    assert len(gifts_of(member)) == 1
    gift.refresh_from_db()
    assert gift.issued_count == 1  # the refused replay's count was rolled back with it


def test_a_gift_that_cannot_be_given_does_not_stop_her_joining(db):
    template_make(name="sold out", new_member_gift=True, total_limit=0)
    template_make(name="off", new_member_gift=True, is_active=False)
    template_make(
        name="ended", new_member_gift=True, valid_until=timezone.now() - timedelta(days=1)
    )
    fine = template_make(name="fine", new_member_gift=True)

    member = member_create(phone="13900139781")

    assert [c.template for c in gifts_of(member)] == [fine]
    assert CouponTemplate.objects.get(name="sold out").issued_count == 0


def test_the_gift_stands_or_falls_with_the_member(db):
    gift = template_make(new_member_gift=True)

    with pytest.raises(RuntimeError), transaction.atomic():
        member_create(phone="13900139782")
        raise RuntimeError("signing up failed after the member row")

    assert not Member.objects.filter(phone="13900139782").exists()
    assert not Coupon.objects.exists()
    gift.refresh_from_db()
    assert gift.issued_count == 0
