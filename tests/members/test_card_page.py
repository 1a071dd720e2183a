"""The member card page, its refreshing QR, and the notices page."""

import base64
import io
import re

import pytest
import zxingcpp
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from members.auth import SESSION_KEY
from members.card import card_token_verify
from members.models import Member, Notice
from members.services.accounts import member_create
from tests.stores.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def log_in(client, member):
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()


def qr_text(html: str) -> str:
    data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    assert len(results) == 1
    return results[0].text


@pytest.fixture
def member():
    clerk = StaffFactory(display_name="李娜", store__name="静安店")
    return member_create(
        phone="13800138000",
        nickname="小雨",
        home_store=clerk.store,
        bound_clerk=clerk,
        tier=Member.Tier.LOYAL,
        points_balance=1280,
    )


def test_visitors_are_sent_to_log_in_first(client):
    response = client.get("/m/card/")

    assert response.status_code == 302
    assert response["Location"] == "/m/login/?next=%2Fm%2Fcard%2F"


def test_the_card_shows_a_scannable_one_time_qr_and_her_details(client, member):
    log_in(client, member)

    response = client.get("/m/card/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert card_token_verify(qr_text(html)) == member
    assert member.member_code in html
    assert ">1280<" in html
    assert "Loyal" in html
    assert "静安店" in html
    assert "李娜" in html
    assert 'hx-get="/m/card/qr/"' in html and "every 60s" in html
    assert reverse("members:notices") in html


def test_the_qr_partial_gives_a_new_token_each_time(client, member):
    log_in(client, member)

    first = qr_text(client.get("/m/card/qr/").content.decode())
    second = qr_text(client.get("/m/card/qr/").content.decode())

    assert first != second
    assert card_token_verify(second) == member


def test_the_qr_partial_sends_a_logged_out_shopper_to_the_login(client):
    response = client.get("/m/card/qr/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/m/login/")


def test_the_qr_partial_without_htmx_redirects_to_the_login(client):
    response = client.get("/m/card/qr/")

    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/")


def test_the_card_page_query_count_is_pinned(client, member, django_assert_max_num_queries):
    log_in(client, member)
    Notice.objects.create(member=member, kind="x", title="t", dedupe_key="x")

    # session, member (with home store and clerk), the clerk's store, unread notices
    with django_assert_max_num_queries(4):
        response = client.get("/m/card/")

    assert response.status_code == 200
    assert 'class="mb-unread">1<' in response.content.decode()


def test_notices_newest_first_and_marked_read(client, member):
    other = member_create(phone="13900139000")
    Notice.objects.create(member=member, kind="order", title="Order shipped", dedupe_key="a")
    Notice.objects.create(member=member, kind="arrival", title="New arrivals", dedupe_key="b")
    Notice.objects.create(member=other, kind="order", title="Not hers", dedupe_key="a")
    log_in(client, member)

    response = client.get("/m/notices/")

    html = response.content.decode()
    assert html.index("New arrivals") < html.index("Order shipped")
    assert "Not hers" not in html
    assert html.count("mb-notice unread") == 2
    assert not Notice.objects.filter(member=member, read_at__isnull=True).exists()
    assert Notice.objects.get(member=other).read_at is None
    assert "mb-notice unread" not in client.get("/m/notices/").content.decode()


def test_notices_need_a_login(client):
    assert client.get("/m/notices/")["Location"].startswith("/m/login/")
