"""The clerk's commission pages: her earnings from the ledger, her bound customers' orders with
her share, and a share poster for any product that carries her code."""

import base64
import io
import re

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from commissions.models import CommissionRule, Withdrawal
from members.models import Member
from members.services.accounts import member_get_or_create_by_phone
from members.services.binding import member_touch
from tests.commissions.money import completed, matured
from tests.orders.placing import pay, place
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_shop(shop):
    CommissionRule.objects.create(scope=CommissionRule.Scope.DEFAULT, clerk_rate_bp=500)
    member_touch(member=shop.member, clerk=shop.clerk, source="test")
    shop.member.refresh_from_db()
    return shop


def login(client, staff):
    client.force_login(staff.user)
    return client


def test_the_clerk_sees_her_commission_and_withdraws(
    client, clerk_shop, django_assert_max_num_queries
):
    matured(clerk_shop)
    pay(place(clerk_shop))
    login(client, clerk_shop.clerk)

    with django_assert_max_num_queries(16):
        page = client.get(reverse("commissions_backoffice:earnings")).content.decode()

    assert 'data-testid="available">¥29.95<' in page
    assert 'data-testid="pending">¥29.95<' in page
    assert "Clerk · 5% of ¥599.00" in page
    client.post(reverse("commissions_backoffice:withdraw"))
    assert Withdrawal.objects.get().wallet.staff == clerk_shop.clerk


def test_another_clerk_sees_nothing_of_hers(client, clerk_shop):
    matured(clerk_shop)
    login(client, clerk_shop.clerk)
    client.post(reverse("commissions_backoffice:withdraw"))
    withdrawal = Withdrawal.objects.get()

    login(client, clerk_shop.other_clerk)
    page = client.get(reverse("commissions_backoffice:earnings")).content.decode()
    response = client.post(
        reverse("commissions_backoffice:withdrawal_cancel", args=[withdrawal.pk])
    )

    assert 'data-testid="available">¥0.00<' in page
    assert response.status_code == 404


def test_her_customers_orders_show_her_share(client, clerk_shop):
    order = completed(clerk_shop)
    stranger = place(clerk_shop)
    Member.objects.filter(pk=clerk_shop.member.pk).update(bound_clerk=None)
    login(client, clerk_shop.other_clerk)
    assert (
        order.number not in client.get(reverse("commissions_backoffice:customers")).content.decode()
    )
    Member.objects.filter(pk=clerk_shop.member.pk).update(bound_clerk=clerk_shop.clerk)

    page = login(client, clerk_shop.clerk).get(reverse("commissions_backoffice:customers"))

    text = page.content.decode()
    assert order.number in text and "¥29.95" in text
    assert stranger.number not in text  # not paid: no sale yet


def test_a_poster_for_any_product_carries_her_code(client, clerk_shop):
    login(client, clerk_shop.clerk)

    found = client.get(reverse("commissions_backoffice:poster"), {"q": "连衣裙"}).content.decode()
    assert "?product=dress" in found
    page = client.get(
        reverse("commissions_backoffice:poster"), {"product": "dress"}
    ).content.decode()

    link = f"http://testserver/b/clerk/{clerk_shop.clerk.staff_code}?p=dress"
    data_uri = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(data_uri)))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [link]
    assert (
        client.get(reverse("commissions_backoffice:poster"), {"product": "nosuch"}).status_code
        == 404
    )


def test_the_poster_link_binds_a_new_customer_and_opens_the_product(client, clerk_shop):
    newcomer, _new = member_get_or_create_by_phone(phone="13500135000")
    log_in(client, newcomer)

    response = client.get(f"/b/clerk/{clerk_shop.clerk.staff_code}", {"p": "dress"})

    assert response.status_code == 302 and response["Location"] == "/p/dress/"
    assert Member.objects.get(pk=newcomer.pk).bound_clerk == clerk_shop.clerk


def test_a_visitor_scanning_a_poster_sees_the_product_before_logging_in(client, clerk_shop):
    response = client.get(f"/b/clerk/{clerk_shop.clerk.staff_code}", {"p": "dress"})

    assert response["Location"] == "/p/dress/"
    assert client.session["members_pending_binding"]["code"] == clerk_shop.clerk.staff_code


def test_the_home_page_links_to_commission_and_posters(client, clerk_shop):
    page = login(client, clerk_shop.clerk).get(reverse("backoffice:home")).content.decode()

    assert reverse("commissions_backoffice:earnings") in page
    assert reverse("commissions_backoffice:poster") in page
