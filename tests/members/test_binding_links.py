"""Clerk and store links outside WeChat (/b/clerk/<code>, /b/store/<code>) and their QR images."""

import io
import re

import pytest
import zxingcpp
from django.core.cache import cache
from PIL import Image

from members import sms
from members.auth import SESSION_KEY
from members.models import BindingChange, ClerkPointsEntry, LoyaltyPolicy, Member, PointsEntry
from members.services.accounts import member_create
from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean(settings):
    cache.clear()
    sms.outbox.clear()
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    settings.SITE_URL = "https://shop.example"
    yield
    cache.clear()


@pytest.fixture
def clerk():
    return StaffFactory(staff_code="lina", display_name="李娜", store__name="静安店")


def log_in(client, member):
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()


def phone_login(client, phone="13800138000"):
    client.post("/m/login/", {"phone": phone})
    code = re.search(r"\d{6}", sms.outbox[-1].message).group()
    return client.post("/m/login/", {"phone": phone, "code": code, "next": "/"}, follow=True)


def test_a_member_scanning_a_clerk_link_is_bound_and_earns_scan_points_once(client, clerk):
    member = member_create(phone="13800138000")
    log_in(client, member)
    policy = LoyaltyPolicy.current()

    response = client.get("/b/clerk/lina", follow=True)
    client.get("/b/clerk/lina")

    member.refresh_from_db()
    assert response.redirect_chain[0] == ("/", 302)
    assert "You are now served by 李娜 at 静安店." in response.content.decode()
    assert member.bound_clerk == clerk
    assert member.home_store == clerk.store
    assert member.points_balance == policy.scan_points_member
    assert PointsEntry.objects.filter(member=member).count() == 1
    assert ClerkPointsEntry.objects.filter(staff=clerk).count() == 1
    assert BindingChange.objects.filter(
        member=member, source="h5:clerk:lina", reason=BindingChange.Reason.FIRST_TOUCH
    ).exists()


def test_a_member_bound_to_another_clerk_stays_with_her(client, clerk):
    first = StaffFactory(display_name="王芳")
    member = member_create(phone="13800138000", bound_clerk=first, home_store=first.store)
    log_in(client, member)

    response = client.get("/b/clerk/lina", follow=True)

    member.refresh_from_db()
    assert member.bound_clerk == first
    assert member.home_store == first.store
    assert "Welcome to 静安店!" in response.content.decode()


def test_a_store_link_sets_the_home_store(client):
    store = StoreFactory(code="jingan", name="静安店")
    member = member_create(phone="13800138000")
    log_in(client, member)

    response = client.get("/b/store/jingan", follow=True)

    member.refresh_from_db()
    assert member.home_store == store
    assert member.bound_clerk is None
    assert "It is now your home store." in response.content.decode()


def test_an_anonymous_scan_is_applied_after_she_logs_in(client, clerk):
    response = client.get("/b/clerk/lina")

    assert response.status_code == 302
    assert response["Location"] == "/m/login/?next=%2F"
    assert "李娜 at 静安店 invited you" in client.get(response["Location"]).content.decode()
    final = phone_login(client)
    member = Member.objects.get(phone="13800138000")
    assert client.session[SESSION_KEY] == member.pk
    assert member.joined_via == Member.JoinedVia.CLERK_QR
    assert member.bound_clerk == clerk
    assert member.home_store == clerk.store
    assert member.points_balance == LoyaltyPolicy.current().scan_points_member
    assert "You are now served by 李娜" in final.content.decode()
    # Applied once: a later login does not apply it again.
    assert "members_pending_binding" not in client.session


def test_an_anonymous_store_scan_makes_a_store_qr_member(client):
    store = StoreFactory(code="jingan")
    client.get("/b/store/jingan")

    phone_login(client)

    member = Member.objects.get(phone="13800138000")
    assert member.joined_via == Member.JoinedVia.STORE_QR
    assert member.home_store == store


def test_an_existing_member_keeps_how_she_joined(client, clerk):
    member_create(phone="13800138000", joined_via=Member.JoinedVia.POS)
    client.get("/b/clerk/lina")

    phone_login(client)

    member = Member.objects.get(phone="13800138000")
    assert member.joined_via == Member.JoinedVia.POS
    assert member.bound_clerk == clerk


@pytest.mark.parametrize(
    "path", ["/b/clerk/nobody", "/b/store/nowhere", "/b/clerk/gone", "/b/store/closed"]
)
def test_unknown_or_inactive_codes_get_a_friendly_404(client, path):
    StaffFactory(staff_code="gone", is_active=False)
    StoreFactory(code="closed", is_active=False)

    response = client.get(path)

    assert response.status_code == 404
    assert "no longer in use" in response.content.decode()
    assert "members_pending_binding" not in client.session


def test_a_clerk_of_a_closed_store_is_unknown(client):
    StaffFactory(staff_code="lina", store__is_active=False)

    assert client.get("/b/clerk/lina").status_code == 404


def test_qr_images_encode_the_links_and_are_cacheable(client, clerk):
    clerk_png = client.get("/b/qr/clerk/lina.png")
    store_png = client.get(f"/b/qr/store/{clerk.store.code}.png")

    assert clerk_png["Content-Type"] == "image/png"
    assert "max-age=86400" in clerk_png["Cache-Control"]
    assert "public" in clerk_png["Cache-Control"]
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(clerk_png.content)))
    assert decoded.text == "https://shop.example/b/clerk/lina"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(store_png.content)))
    assert decoded.text == f"https://shop.example/b/store/{clerk.store.code}"


def test_qr_images_of_unknown_codes_are_404_and_not_cached(client):
    response = client.get("/b/qr/clerk/nobody.png")

    assert response.status_code == 404
    assert "max-age" not in response.get("Cache-Control", "")
