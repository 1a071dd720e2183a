"""分享领券: a member shares a coupon's claim link carrying her referral code; a friend (new or
existing member) who claims through it gets the coupon, and the sharer one more when the
template rewards sharing, once per friend. Unknown or hostile codes and tokens are refused
plainly and change nothing; racing claims give one coupon and one reward."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from members.models import Member, ShareVisit
from members.services.accounts import member_create, member_get_or_create_by_phone
from promotions.exceptions import CouponShareInvalid, CouponUnavailable
from promotions.models import Coupon, CouponTemplate
from promotions.services.coupons import coupon_claim, coupon_claim_shared
from tests.orders.shopper_helpers import log_in
from tests.promotions.coupon_fixtures import template_make

SHARE, REWARD = Coupon.Source.SHARE, Coupon.Source.SHARE_REWARD


def people():
    return member_create(phone="13900139101"), member_create(phone="13900139102")


def shared_claim(template, friend, sharer):
    return coupon_claim_shared(
        claim_token=template.claim_token, member=friend, referral_code=sharer.referral_code
    )


@pytest.mark.django_db
def test_the_friend_gets_the_coupon_and_the_sharer_a_reward(db):
    template = template_make(reward_sharer=True)
    sharer, friend = people()

    coupon, reward = shared_claim(template, friend, sharer)

    assert (coupon.member, coupon.source, coupon.shared_by) == (friend, SHARE, sharer)
    assert (reward.member, reward.source, reward.reward_for) == (sharer, REWARD, friend)
    assert reward.code != coupon.code
    template.refresh_from_db()
    assert template.issued_count == 2


@pytest.mark.django_db
def test_the_sharer_is_rewarded_once_per_friend_and_still_claims_her_own(db):
    template = template_make(reward_sharer=True, per_member_limit=1)
    sharer, friend = people()
    other = member_create(phone="13900139103")
    shared_claim(template, friend, sharer)

    with pytest.raises(CouponUnavailable):  # the friend has hers: no second coupon, no reward
        shared_claim(template, friend, sharer)
    shared_claim(template, other, sharer)
    own = coupon_claim(claim_token=template.claim_token, member=sharer)  # rewards do not count

    rewards = Coupon.objects.filter(member=sharer, source=REWARD)
    assert sorted(r.reward_for_id for r in rewards) == sorted([friend.pk, other.pk])
    assert own.source == Coupon.Source.CLAIM


@pytest.mark.django_db
def test_a_friend_allowed_two_coupons_earns_the_sharer_one_reward(db):
    template = template_make(reward_sharer=True, per_member_limit=2)
    sharer, friend = people()

    first = shared_claim(template, friend, sharer)
    second = shared_claim(template, friend, sharer)

    assert first[1] is not None and second[1] is None
    assert Coupon.objects.filter(member=friend).count() == 2
    assert Coupon.objects.filter(member=sharer).count() == 1


@pytest.mark.django_db
def test_no_reward_unless_the_template_says_so_nor_on_her_own_link(db):
    plain = template_make()
    rewarding = template_make(reward_sharer=True)
    sharer, friend = people()

    coupon, reward = shared_claim(plain, friend, sharer)
    own, own_reward = shared_claim(rewarding, sharer, sharer)

    assert (coupon.shared_by, reward) == (sharer, None)
    assert (own.source, own.shared_by, own_reward) == (Coupon.Source.CLAIM, None, None)
    assert not Coupon.objects.filter(source=REWARD).exists()


@pytest.mark.django_db
def test_a_reward_that_cannot_be_given_leaves_the_friend_her_coupon(db):
    template = template_make(reward_sharer=True, total_limit=1)
    sharer, friend = people()

    coupon, reward = shared_claim(template, friend, sharer)

    assert reward is None and coupon.member == friend
    template.refresh_from_db()
    assert template.issued_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code", ["", "NOPE1234", "x" * 300, "' OR 1=1 --", "%00", "inactive"], ids=repr
)
def test_an_unknown_or_hostile_share_code_is_refused_and_writes_nothing(db, code):
    template = template_make(reward_sharer=True)
    sharer, friend = people()
    if code == "inactive":
        Member.objects.filter(pk=sharer.pk).update(is_active=False)
        code = sharer.referral_code

    with pytest.raises(CouponShareInvalid) as refused:
        coupon_claim_shared(claim_token=template.claim_token, member=friend, referral_code=code)

    assert "share link is not valid" in str(refused.value)
    assert not Coupon.objects.exists()
    assert CouponTemplate.objects.get(pk=template.pk).issued_count == 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nope", "x" * 300, ""])
def test_an_unknown_claim_token_is_refused(db, token):
    sharer, friend = people()
    template_make(reward_sharer=True, claimable=False, claim_token="not-claimable")

    for bad in (token, "not-claimable"):
        with pytest.raises(CouponUnavailable):
            coupon_claim_shared(claim_token=bad, member=friend, referral_code=sharer.referral_code)
    assert not Coupon.objects.exists()


# ---- racing claims, in threads on the real database -------------------------------------------


def run_together(work) -> list[str]:
    barrier = threading.Barrier(len(work), timeout=30)
    results = [""] * len(work)

    def target(index):
        try:
            barrier.wait()
            work[index]()
            results[index] = "ok"
        except CouponUnavailable as refused:
            results[index] = refused.code
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_one_friend_claiming_at_once_from_two_phones_gives_one_coupon_and_one_reward():
    template = template_make(reward_sharer=True)
    sharer, friend = people()

    results = run_together([lambda: shared_claim(template, friend, sharer)] * 6)

    assert sorted(results) == ["coupon_member_limit"] * 5 + ["ok"], results
    assert Coupon.objects.filter(member=friend).count() == 1
    assert Coupon.objects.filter(member=sharer, source=REWARD).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_friends_claiming_through_each_others_links_at_once_do_not_deadlock():
    template = template_make(reward_sharer=True)
    a, b = people()

    results = run_together(
        [lambda: shared_claim(template, a, b), lambda: shared_claim(template, b, a)] * 3
    )

    assert sorted(results) == ["coupon_member_limit"] * 4 + ["ok"] * 2, results
    for member in (a, b):
        assert Coupon.objects.filter(member=member, source=SHARE).count() == 1
        assert Coupon.objects.filter(member=member, source=REWARD).count() == 1


# ---- the pages ---------------------------------------------------------------------------------


def claim_url(template, code=None):
    url = reverse("promotions:claim", args=[template.claim_token])
    return f"{url}?r={code}" if code is not None else url


@pytest.mark.django_db
def test_a_new_friend_opens_the_shared_link_logs_in_and_claims(client):
    template = template_make(name="好友券", reward_sharer=True)
    sharer = member_create(phone="13900139101", nickname="小红")

    page = client.get(claim_url(template, sharer.referral_code))
    assert page.status_code == 200
    assert "小红 shared this coupon with you." in page.content.decode()
    assert ShareVisit.objects.filter(sharer=sharer).count() == 1  # a share link's visit
    to_login = client.post(claim_url(template, sharer.referral_code))
    assert to_login.status_code == 302 and "r%3D" in to_login["Location"]  # she comes back to it

    friend, created = member_get_or_create_by_phone(phone="13900139555")  # she joins
    assert created
    log_in(client, friend)
    claimed = client.post(claim_url(template, sharer.referral_code))

    coupon = Coupon.objects.get(member=friend, template=template)
    assert claimed["Location"] == reverse("promotions:coupon", args=[coupon.code])
    assert coupon.shared_by == sharer
    assert Coupon.objects.get(member=sharer, source=REWARD).reward_for == friend


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["NOPE1234", "x" * 300, "<script>", "%E4%B8"], ids=repr)
def test_a_bad_share_code_on_the_page_is_said_plainly_and_changes_nothing(client, code):
    template = template_make(reward_sharer=True)
    friend = member_create(phone="13900139555")
    log_in(client, friend)

    page = client.get(claim_url(template, code))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="share-error"' in text and "<script>" not in text
    # The button claims through the plain link instead.
    assert f'action="{claim_url(template)}"' in text
    refused = client.post(claim_url(template, code))

    assert refused.status_code == 400
    assert "This share link is not valid." in refused.content.decode()
    assert not Coupon.objects.exists() and not ShareVisit.objects.exists()


@pytest.mark.django_db
def test_an_unknown_claim_link_says_so(client):
    page = client.get("/m/coupons/claim/nope/?r=ABC")
    assert page.status_code == 404
    assert "This coupon link is not valid, or the offer ended." in page.content.decode()
    template = template_make(reward_sharer=True)
    log_in(client, member_create(phone="13900139555"))
    # A NUL byte is refused before any view (the project's request guard).
    assert client.post(claim_url(template, "%00")).status_code == 400
    assert not Coupon.objects.exists()


@pytest.mark.django_db
def test_her_coupon_and_claim_pages_give_her_share_link(client, settings):
    template = template_make(reward_sharer=True)
    member = member_create(phone="13900139101")
    coupon = coupon_claim(claim_token=template.claim_token, member=member)
    log_in(client, member)
    link = f"{settings.SITE_URL}{claim_url(template, member.referral_code)}"

    for url in (reverse("promotions:coupon", args=[coupon.code]), claim_url(template)):
        text = client.get(url).content.decode()
        assert f'value="{link}"' in text
        assert "you get one more for each of them" in text
