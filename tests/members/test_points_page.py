"""积分明细: the shopper sees her points ledger, newest first, with the balance each entry left,
linked from her member card."""

import re

import pytest
from django.urls import reverse

from members.models import Member
from members.services.points import points_add
from tests.members.loyalty_factories import member_make
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db
URL = "/m/points/"


def balances(html: str) -> list[str]:
    return re.findall(r"Balance (-?\d+)", html)


def test_points_history_lists_the_ledger_newest_first_with_each_balance(client):
    member = member_make()
    points_add(member=member, delta=599, reason="purchase", reference="order:2612010001")
    points_add(member=member, delta=-200, reason="gift", reference="gift:7", note="保温杯")
    points_add(member=member, delta=10, reason="scan", reference="scan:1")
    someone_else = member_make()
    points_add(member=someone_else, delta=77, reason="adjustment", reference="x")
    log_in(client, member)

    html = client.get(URL).content.decode()

    assert reverse("loyalty:points") == URL
    assert 'data-testid="points-balance">409<' in html
    assert re.findall(r'mb-points-delta (?:plus|minus)">([^<]+)<', html) == ["+10", "-200", "+599"]
    assert balances(html) == ["409", "399", "599"]
    assert "Scanned a QR code" in html and "Gift redemption" in html and "保温杯" in html
    assert 'href="/orders/2612010001/"' in html
    assert "+77" not in html


def test_the_member_card_links_to_the_points_history(client):
    member = member_make(points=30)
    log_in(client, member)

    card = client.get(reverse("members:card")).content.decode()

    assert card.count(f'href="{URL}"') == 2  # the points figure and the account links


def test_points_history_needs_a_member_and_reads_in_few_queries(
    client, django_assert_max_num_queries
):
    assert client.get(URL)["Location"].startswith("/m/login/")
    member = member_make()
    for number in range(30):
        points_add(member=member, delta=5, reason="scan", reference=f"scan:{number}")
    log_in(client, member)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert len(response.context["rows"]) == 30
    assert Member.objects.get(pk=member.pk).points_balance == 150
