"""Points gifts: redeem all or nothing, verify once by the pickup store's staff, cancel restores."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, StockMovement
from members.auth import SESSION_KEY
from members.exceptions import InsufficientPoints
from members.models import GiftRedemption, Member, PointsEntry
from members.services import gifts
from stores.models import Staff
from tests.members.loyalty_factories import (
    gift_make,
    member_make,
    staff_make,
    stock_put,
    store_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    store = store_make("jingan")
    other = store_make("xuhui")
    gift = gift_make(points=300, name="保温杯")
    stock_put(store, gift.sku, 2)
    return store, other, gift


def points(member) -> int:
    return Member.objects.values_list("points_balance", flat=True).get(pk=member.pk)


def level(store, sku):
    return StockLevel.objects.get(store=store, sku=sku)


def member_client(client, member):
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()
    return client


def test_redeem_spends_points_and_holds_one_unit(shop):
    store, _other, gift = shop
    member = member_make(points=500)

    redemption = gifts.gift_redeem(member=member, gift=gift, store=store)

    assert redemption.state == "reserved" and len(redemption.pickup_code) == 6
    assert redemption.pickup_code.isdigit()
    assert points(member) == 200
    entry = PointsEntry.objects.get(member=member, reason="gift")
    assert entry.delta == -300 and entry.reference == f"gift:{redemption.pk}"
    assert (level(store, gift.sku).on_hand, level(store, gift.sku).reserved) == (2, 1)


def test_not_enough_points_reserves_nothing(shop):
    store, _other, gift = shop
    member = member_make(points=299)

    with pytest.raises(InsufficientPoints):
        gifts.gift_redeem(member=member, gift=gift, store=store)

    assert points(member) == 299
    assert level(store, gift.sku).reserved == 0
    assert not GiftRedemption.objects.exists()


def test_no_stock_spends_no_points(shop):
    _store, other, gift = shop
    member = member_make(points=500)

    with pytest.raises(InsufficientStock):
        gifts.gift_redeem(member=member, gift=gift, store=other)

    assert points(member) == 500
    assert not GiftRedemption.objects.exists()
    assert not PointsEntry.objects.filter(reason="gift").exists()


def test_inactive_gift_cannot_be_redeemed(shop):
    store, _other, gift = shop
    gift.is_active = False
    gift.save()
    with pytest.raises(gifts.GiftUnavailable):
        gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)


def test_verify_by_the_stores_clerk_once(shop):
    store, _other, gift = shop
    clerk = staff_make(store)
    redemption = gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)

    verified = gifts.gift_verify(staff=clerk, code=redemption.pickup_code)

    assert verified.state == "picked_up" and verified.verified_by == clerk
    assert (level(store, gift.sku).on_hand, level(store, gift.sku).reserved) == (1, 0)
    movement = StockMovement.objects.get(reason="sale", reference=f"gift:{redemption.pk}")
    assert movement.delta == -1 and movement.actor == clerk.user
    with pytest.raises(gifts.GiftAlreadyClosed):
        gifts.gift_verify(staff=clerk, code=redemption.pickup_code)
    assert level(store, gift.sku).on_hand == 1


def test_only_that_stores_active_clerk_or_manager_may_verify(shop):
    store, other, gift = shop
    redemption = gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)
    other_clerk = staff_make(other)
    hq = staff_make(store, role=Staff.Role.HQ)
    former = staff_make(store, is_active=False)

    with pytest.raises(gifts.GiftNotFound):  # codes are looked up at her own store only
        gifts.gift_verify(staff=other_clerk, code=redemption.pickup_code)
    for staff in (other_clerk, hq, former):
        with pytest.raises(gifts.GiftNotAllowed):
            gifts.gift_verify(staff=staff, redemption=redemption)

    manager = staff_make(store, role=Staff.Role.MANAGER)
    assert gifts.gift_verify(staff=manager, redemption=redemption).state == "picked_up"


def test_cancel_restores_points_and_stock_once(shop):
    store, _other, gift = shop
    member = member_make(points=500)
    redemption = gifts.gift_redeem(member=member, gift=gift, store=store)

    gifts.gift_cancel(redemption=redemption)
    gifts.gift_cancel(redemption=redemption)

    assert GiftRedemption.objects.get(pk=redemption.pk).state == "cancelled"
    assert points(member) == 500
    assert PointsEntry.objects.filter(member=member, reason="restore").count() == 1
    assert (level(store, gift.sku).on_hand, level(store, gift.sku).reserved) == (2, 0)
    with pytest.raises(gifts.GiftAlreadyClosed):
        gifts.gift_verify(staff=staff_make(store), redemption=redemption)


def test_picked_up_gift_cannot_be_cancelled(shop):
    store, _other, gift = shop
    redemption = gifts.gift_redeem(member=member_make(points=500), gift=gift, store=store)
    gifts.gift_verify(staff=staff_make(store), redemption=redemption)
    with pytest.raises(gifts.GiftAlreadyClosed):
        gifts.gift_cancel(redemption=redemption)


def test_uncollected_pickups_expire_with_points_restored(shop):
    store, _other, gift = shop
    member = member_make(points=500)
    gifts.gift_redeem(member=member, gift=gift, store=store)

    assert gifts.gift_redemptions_expire() == 0
    assert gifts.gift_redemptions_expire(now=timezone.now() + timedelta(days=8)) == 1
    assert points(member) == 500 and level(store, gift.sku).reserved == 0


def test_shopper_pages_redeem_and_show_the_code(client, shop):
    store, _other, gift = shop
    member = member_make(points=500)
    member_client(client, member)

    page = client.get(reverse("loyalty:gifts"))
    assert page.status_code == 200
    assert "保温杯" in page.content.decode() and store.name in page.content.decode()

    response = client.post(
        reverse("loyalty:gift_redeem", args=[gift.pk]), {f"g{gift.pk}-store": store.pk}
    )
    assert response.status_code == 302 and response["Location"] == reverse("loyalty:my_gifts")
    redemption = GiftRedemption.objects.get(member=member)

    mine = client.get(reverse("loyalty:my_gifts")).content.decode()
    assert redemption.pickup_code in mine and "<svg" in mine

    client.post(reverse("loyalty:my_gift_cancel", args=[redemption.pk]))
    assert points(member) == 500


def test_shopper_sees_a_message_when_points_are_short(client, shop):
    store, _other, gift = shop
    member_client(client, member_make(points=10))

    response = client.post(
        reverse("loyalty:gift_redeem", args=[gift.pk]), {f"g{gift.pk}-store": store.pk}, follow=True
    )

    assert "enough points" in response.content.decode() or "积分" in response.content.decode()
    assert not GiftRedemption.objects.exists()


def test_gift_pages_need_a_member(client):
    response = client.get(reverse("loyalty:gifts"))
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
