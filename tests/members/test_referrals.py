"""Referral capture (DESIGN §4 "Commission"): a share or invitation link sets the visitor's
referrer once, never herself, never a cycle, never an account that is the same person."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from members import sms
from members.exceptions import ReferralCycle, SharedIdentity
from members.models import Member, ReferralChange, ShareVisit
from members.services.accounts import member_get_or_create_by_phone
from members.services.referrals import member_referrer_change, member_referrer_set
from tests.orders.conftest import shop  # noqa: F401
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def member(phone, **fields):
    created, _new = member_get_or_create_by_phone(phone=phone, **fields)
    return created


@pytest.fixture
def people(db):
    class People:
        a = member("13700000001")
        b = member("13700000002")
        c = member("13700000003")

    return People


def referrer_of(person):
    return Member.objects.get(pk=person.pk).referrer


def test_a_referrer_is_set_once_and_recorded(people):
    assert member_referrer_set(member=people.b, referrer=people.a) is True
    assert member_referrer_set(member=people.b, referrer=people.c) is False

    assert referrer_of(people.b) == people.a
    change = ReferralChange.objects.get()
    assert (change.member, change.to_referrer, change.reason) == (people.b, people.a, "share_link")


def test_self_referral_and_cycles_are_refused(people):
    member_referrer_set(member=people.b, referrer=people.a)
    member_referrer_set(member=people.c, referrer=people.b)

    with pytest.raises(ReferralCycle):
        member_referrer_set(member=people.a, referrer=people.a)
    with pytest.raises(ReferralCycle):
        member_referrer_set(member=people.a, referrer=people.c)  # a → b → c → a
    assert referrer_of(people.a) is None


def test_accounts_that_share_a_wechat_identity_cannot_refer_each_other(people):
    Member.objects.filter(pk__in=[people.a.pk, people.c.pk]).update(unionid="same-person")
    member_referrer_set(member=people.b, referrer=people.a)

    # Directly, or through someone in between: C would earn on A's purchases as A.
    with pytest.raises(SharedIdentity):
        member_referrer_set(member=people.a, referrer=Member.objects.get(pk=people.c.pk))
    with pytest.raises(SharedIdentity):
        member_referrer_set(member=Member.objects.get(pk=people.c.pk), referrer=people.b)
    assert referrer_of(people.c) is None


def test_a_member_visiting_a_product_share_link_gets_the_sharer_as_referrer(client, shop, people):  # noqa: F811
    log_in(client, shop.member)

    client.get(reverse("orders:product_actions", args=["dress"]), {"r": people.a.referral_code})

    assert referrer_of(shop.member) == people.a
    assert ShareVisit.objects.get().visitor == shop.member
    assert ReferralChange.objects.get().reason == "share_link"


def test_a_member_opening_an_invitation_link_gets_the_inviter(client, people):
    log_in(client, people.b)

    client.get(reverse("binding:invite", args=[people.a.referral_code]))

    assert referrer_of(people.b) == people.a
    assert ReferralChange.objects.get().reason == "invitation"


def test_a_visitor_who_joins_after_an_invitation_link_gets_the_inviter(client, people, settings):
    cache.clear()
    sms.outbox.clear()
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    settings.DEMO_MODE = False

    response = client.get(reverse("binding:invite", args=[people.a.referral_code]))
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
    client.post("/m/login/", {"phone": "13900000111"})
    code = re.search(r"\d{6}", sms.outbox[-1].message).group()
    client.post("/m/login/", {"phone": "13900000111", "code": code})

    joined = Member.objects.get(phone="13900000111")
    assert joined.referrer == people.a
    assert joined.joined_via == Member.JoinedVia.SHARE_LINK


def test_a_member_with_a_referrer_keeps_hers_and_her_own_link_changes_nothing(client, people):
    member_referrer_set(member=people.b, referrer=people.a)
    log_in(client, people.b)

    client.get(reverse("binding:invite", args=[people.c.referral_code]))
    client.get(reverse("binding:invite", args=[people.b.referral_code]))

    assert referrer_of(people.b) == people.a
    assert ReferralChange.objects.count() == 1


def test_a_refused_link_is_ignored_quietly(client, people):
    member_referrer_set(member=people.b, referrer=people.a)
    log_in(client, people.a)

    response = client.get(reverse("binding:invite", args=[people.b.referral_code]))

    assert response.status_code == 302  # no error for the shopper, and no cycle
    assert referrer_of(people.a) is None


def test_an_unknown_invitation_is_a_friendly_404(client):
    response = client.get(reverse("binding:invite", args=["NOSUCH"]))

    assert response.status_code == 404
    assert "no longer in use" in response.content.decode()


def test_the_invitation_qr_encodes_the_link(client, people):
    response = client.get(reverse("binding:qr_invite", args=[people.a.referral_code]))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(reverse("binding:qr_invite", args=["NOSUCH"])).status_code == 404


def test_hq_changes_a_referrer_with_the_same_guards_and_the_history_says_who(people):
    hq = get_user_model().objects.create_user("hq", is_staff=True)
    member_referrer_set(member=people.b, referrer=people.a)

    member_referrer_change(member=people.b, referrer=people.c, actor=hq)
    with pytest.raises(ReferralCycle):
        member_referrer_change(member=people.c, referrer=people.b, actor=hq)
    member_referrer_change(member=people.b, referrer=None, actor=hq)

    assert referrer_of(people.b) is None
    history = list(
        ReferralChange.objects.filter(member=people.b)
        .order_by("id")
        .values_list("from_referrer", "to_referrer", "actor")
    )
    assert history == [
        (None, people.a.pk, None),
        (people.a.pk, people.c.pk, hq.pk),
        (people.c.pk, None, hq.pk),
    ]
