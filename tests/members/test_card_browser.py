"""On a phone: a shopper scans a clerk's link, logs in by phone (demo mode), opens her member card,
and the counter scans it once."""

import pytest
import zxingcpp
from django.core.cache import cache
from PIL import Image

from members.card import CardTokenError, card_token_verify
from members.models import Member, Notice
from members.services.accounts import member_create
from tests.stores.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk():
    return StaffFactory(
        staff_code="SH01-C1",
        display_name="李娜",
        phone="13911112222",
        store__code="sh01",
        store__name="上海静安嘉里中心店",
        user__username="clerk_sh01_1",
    )


def phone_login(page, screenshot, phone="13800138000"):
    page.fill("input[name=phone]", phone)
    page.click(".mb-login-form button[type=submit]")
    code = page.locator("#demo-code").inner_text().strip()
    assert len(code) == 6 and code.isdigit()
    screenshot(page, "code")
    page.fill("input[name=code]", code)
    page.click(".mb-login-form button[type=submit]")


def test_shopper_logs_in_by_phone_and_her_card_qr_is_accepted_once(page, screenshot, clerk):
    page.goto("/b/clerk/SH01-C1")
    assert "/m/login/" in page.url
    assert "李娜" in page.locator(".mb-invite").inner_text()
    screenshot(page, "login")

    phone_login(page, screenshot)
    page.wait_for_url(lambda url: "/m/login/" not in url)
    assert "李娜" in page.locator(".messages").inner_text()

    page.goto("/m/card/")
    member = Member.objects.get(phone="13800138000")
    assert page.locator("[data-testid=member-code]").inner_text() == member.member_code
    assert "李娜" in page.locator(".mb-clerk-card").inner_text()
    path = screenshot(page, "card")

    texts = [result.text for result in zxingcpp.read_barcodes(Image.open(path))]
    tokens = [text for text in texts if not text.startswith("http")]
    assert "http://testserver/b/clerk/SH01-C1" in texts  # the clerk card's QR
    assert len(tokens) == 1
    assert card_token_verify(tokens[0]) == member
    with pytest.raises(CardTokenError) as replayed:
        card_token_verify(tokens[0])
    assert replayed.value.code == "replayed"


def test_hq_picks_a_demo_member_and_her_card_qr_refreshes(page, screenshot, clerk):
    member = member_create(
        phone="13700000001", nickname="小雨", home_store=clerk.store, points_balance=1280
    )
    page.goto("/m/login/?next=/m/card/")
    page.click(".mb-demo-link a")
    assert "小雨" in page.locator(".mb-demo-list").inner_text()
    screenshot(page, "picker")
    page.click(f".mb-demo-member[value='{member.pk}']")
    page.wait_for_url(lambda url: url.endswith("/m/card/"))
    screenshot(page, "card")
    first = page.locator("[data-testid=card-qr]").get_attribute("src")

    page.evaluate("htmx.trigger('#card-qr', 'refresh')")
    page.wait_for_function(
        "src => document.querySelector('[data-testid=card-qr]').getAttribute('src') !== src",
        arg=first,
    )

    assert page.locator(".mb-card-countdown").is_visible()

    Notice.objects.create(
        member=member,
        kind="order_ready",
        title="Your order is ready for pickup",
        body="Order 2611220001 is waiting at 上海静安嘉里中心店.",
        url="/",
        dedupe_key="order_ready:2611220001",
    )
    page.goto("/m/notices/")
    assert "ready for pickup" in page.locator(".mb-notices").inner_text()
    screenshot(page, "notices")

    response = page.goto("/b/clerk/nobody")
    assert response.status == 404
    screenshot(page, "unknown-clerk")


def test_counter_types_the_member_code_and_sees_the_member(page, screenshot, clerk):
    page.goto("/m/login/")
    phone_login(page, lambda *args: None)
    member = Member.objects.get(phone="13800138000")
    page.context.clear_cookies()

    page.goto("/staff/login/?next=/staff/members/scan/")
    page.fill("input[name=username]", "clerk_sh01_1")
    page.fill("input[name=password]", "pass1234")
    page.click(".bo-login button[type=submit]")
    page.wait_for_url(lambda url: "login" not in url and url.endswith("/staff/members/scan/"))
    screenshot(page, "scanner")

    page.fill("#id_code", member.member_code)
    page.click("#member-lookup button[type=submit]")
    summary = page.locator("[data-testid=member-summary]")
    summary.wait_for()
    assert "138****8000" in summary.inner_text()
    assert page.locator("#id_code").input_value() == ""
    screenshot(page, "summary")

    page.goto("/staff/members/my-qr/")
    path = screenshot(page, "my-qr")
    texts = [result.text for result in zxingcpp.read_barcodes(Image.open(path))]
    assert texts == ["http://testserver/b/clerk/SH01-C1"]
