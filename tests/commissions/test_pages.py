"""Shopper pages: my earnings (every figure from the ledger, each entry explained) and my team
(counts and what their orders earned, masked names only)."""

import pytest
from django.urls import reverse

from commissions.models import Withdrawal
from commissions.services.withdrawals import withdrawal_approve, withdrawal_payout
from members.services.accounts import member_get_or_create_by_phone
from members.services.referrals import member_referrer_set
from tests.commissions.money import completed, matured
from tests.orders.placing import pay, place
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def test_earnings_need_a_login(client):
    response = client.get(reverse("commissions:earnings"))

    assert response.status_code == 302 and response["Location"].startswith("/m/login/")


def test_my_earnings_explain_each_figure(client, chain, django_assert_max_num_queries):
    matured(chain)  # Bella: ¥17.97 available
    pay(place(chain))  # and ¥17.97 pending
    log_in(client, chain.b)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("commissions:earnings")).content.decode()

    assert 'data-testid="available">¥17.97<' in page
    assert 'data-testid="pending">¥17.97<' in page
    assert page.count('data-testid="entry"') == 2
    # The buyer by a masked name only, the level and the rate of each entry.
    assert "Level 1" in page and "3% of ¥599.00" in page
    assert chain.c.phone not in page
    assert "139****9000" in page
    assert "Withdraw ¥17.97" in page


def test_a_member_withdraws_and_accepts_the_transfer(client, chain):
    matured(chain)
    log_in(client, chain.b)

    client.post(reverse("commissions:withdraw"))
    withdrawal = Withdrawal.objects.get()
    page = client.get(reverse("commissions:earnings")).content.decode()
    assert "Waiting for HQ approval" in page

    withdrawal_approve(withdrawal=withdrawal, actor=None)
    withdrawal_payout(withdrawal=withdrawal)
    page = client.get(reverse("commissions:earnings")).content.decode()
    assert "Accept the transfer" in page
    client.post(reverse("commissions:withdrawal_accept", args=[withdrawal.pk]))

    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PAID
    assert (
        'data-testid="withdrawn">¥17.97<'
        in client.get(reverse("commissions:earnings")).content.decode()
    )


def test_a_member_cannot_touch_someone_elses_withdrawal(client, chain):
    matured(chain)
    log_in(client, chain.b)
    client.post(reverse("commissions:withdraw"))
    withdrawal = Withdrawal.objects.get()

    log_in(client, chain.a)
    response = client.post(reverse("commissions:withdrawal_cancel", args=[withdrawal.pk]))

    assert response.status_code == 404
    assert Withdrawal.objects.get().status == Withdrawal.Status.REQUESTED


def test_below_the_minimum_the_page_says_from_when(client, chain):
    completed(chain)
    log_in(client, chain.b)

    page = client.get(reverse("commissions:earnings")).content.decode()

    assert "You can withdraw from ¥10.00 available." in page
    response = client.post(reverse("commissions:withdraw"), follow=True)
    assert "You can withdraw from ¥10.00 available." in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_my_team_counts_both_levels_with_masked_names(client, chain, django_assert_max_num_queries):
    extra, _new = member_get_or_create_by_phone(phone="13700000077")
    member_referrer_set(member=extra, referrer=chain.b)  # a second level-2 member for Alice
    pay(place(chain))  # Carol (level 2 for Alice) buys
    log_in(client, chain.a)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("commissions:team")).content.decode()

    assert 'data-testid="team-level-1"' in page and "1 member" in page
    assert "2 members" in page
    assert 'data-testid="team-earned-2">¥11.98<' in page
    assert "B**" in page and "Bella" not in page
    assert extra.phone not in page and "137****0077" in page
    assert f"/b/invite/{chain.a.referral_code}" in page


def test_the_member_card_links_to_earnings_and_team(client, chain):
    log_in(client, chain.c)

    page = client.get(reverse("members:card")).content.decode()

    assert 'href="/m/earnings/"' in page and 'href="/m/team/"' in page
