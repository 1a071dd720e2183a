"""Members in the back office: the counter's member lookup (scan the card QR, or type the member
code or phone) and the clerk's own QR page."""

import time

import pytest
from django.core import signing
from django.core.cache import cache

from members.card import card_token_issue
from members.models import Member
from members.services.accounts import member_create
from stores.models import Staff
from tests.stores.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SCAN = "/staff/members/scan/"


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk():
    return StaffFactory(display_name="李娜", store__name="静安店")


@pytest.fixture
def counter(client, clerk):
    client.force_login(clerk.user)
    return client


@pytest.fixture
def member(clerk):
    return member_create(
        phone="13800138000",
        nickname="小雨",
        home_store=clerk.store,
        bound_clerk=clerk,
        tier=Member.Tier.REGULAR,
        points_balance=350,
    )


def test_a_fresh_card_token_opens_her_page_then_a_replay_is_refused(counter, member):
    token = card_token_issue(member)

    first = counter.post(SCAN, {"code": token})
    replay = counter.post(SCAN, {"code": token})

    assert first.status_code == 302
    assert first["Location"] == f"/staff/customers/{member.member_code}/"
    page = counter.get(first["Location"]).content.decode()
    for shown in ("小雨", "138****8000", "Regular", "350", "静安店", "none yet"):
        assert shown in page
    assert "13800138000" not in page
    assert replay.context["member"] is None
    assert "already used" in replay.content.decode()


def test_htmx_is_told_to_go_to_her_page(counter, member):
    response = counter.post(SCAN, {"code": card_token_issue(member)}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/staff/customers/{member.member_code}/"


def test_a_typed_lookup_links_to_her_page_only_at_her_store(counter, member, client):
    html = counter.post(SCAN, {"code": member.member_code}).content.decode()
    assert f'href="/staff/customers/{member.member_code}/">Open her page' in html

    client.force_login(StaffFactory().user)
    elsewhere = client.post(SCAN, {"code": member.member_code}).content.decode()
    assert "Open her page" not in elsewhere
    assert "when she shows her member card" in elsewhere


def test_an_expired_card_token_is_refused(counter, member, monkeypatch):
    issued_at = time.time() - 300
    monkeypatch.setattr(signing.time, "time", lambda: issued_at)
    token = card_token_issue(member)
    monkeypatch.undo()

    response = counter.post(SCAN, {"code": token})

    assert response.context["member"] is None
    assert "expired" in response.content.decode()


def test_a_forged_card_token_is_refused(counter, member):
    token = card_token_issue(member)

    response = counter.post(SCAN, {"code": token[:-2] + "xx"})

    assert "not a valid member card code" in response.content.decode()


@pytest.mark.parametrize("typed", ["member_code", "phone", "lower_member_code"])
def test_the_typed_member_code_or_phone_works(counter, member, typed):
    text = {
        "member_code": member.member_code,
        "phone": "138 0013 8000",
        "lower_member_code": member.member_code.lower(),
    }[typed]

    response = counter.post(SCAN, {"code": text})

    assert response.context["member"] == member


def test_an_unknown_code_is_explained(counter, member):
    response = counter.post(SCAN, {"code": "M000000000"})

    assert response.context["member"] is None
    assert "No member has this member code" in response.content.decode()


def test_htmx_gets_only_the_result(counter, member):
    response = counter.post(SCAN, {"code": member.member_code}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'data-testid="member-summary"' in html
    assert "<html" not in html


def test_the_scanner_page_loads_the_vendored_reader(counter):
    html = counter.get(SCAN).content.decode()

    assert "vendor/zxing-browser/zxing-browser.min.js" in html
    assert "backoffice/scanner.js" in html
    assert "data-scanner" in html


def test_only_active_staff_may_look_up_members(client, member):
    assert client.get(SCAN).status_code == 302
    client.force_login(UserFactory())
    assert client.post(SCAN, {"code": member.member_code}).status_code == 403
    gone = StaffFactory(is_active=False, role=Staff.Role.CLERK)
    client.force_login(gone.user)
    assert client.post(SCAN, {"code": card_token_issue(member)}).status_code == 403


# ---- the clerk's own QR code -------------------------------------------------------------------


def test_the_clerk_s_own_qr_page_is_printable_and_shareable(client, settings):
    settings.SITE_URL = "https://shop.example"
    clerk = StaffFactory(staff_code="lina", display_name="李娜")
    client.force_login(clerk.user)

    response = client.get("/staff/members/my-qr/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="/b/qr/clerk/lina.png"' in html
    assert 'data-share-url="https://shop.example/b/clerk/lina"' in html
    assert "data-print" in html


def test_the_qr_page_needs_staff(client):
    assert client.get("/staff/members/my-qr/").status_code == 302
