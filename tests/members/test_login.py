"""Phone login with one-time SMS codes, the demo picker and logout."""

import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from members import sms
from members.auth import SESSION_KEY
from members.models import Member
from members.services import login_codes
from members.services.accounts import member_create
from o2o.expiring import expiring_get
from o2o.throttle import throttle_reset

pytestmark = pytest.mark.django_db

LOGIN = "/m/login/"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _clean(settings):
    cache.clear()
    sms.outbox.clear()
    settings.SMS_BACKEND = "members.sms.MemoryBackend"
    settings.DEMO_MODE = False
    settings.WECHAT_CONFIGURED = False
    yield
    cache.clear()


def sent_code(phone=PHONE) -> str:
    message = [m for m in sms.outbox if m.phone == phone][-1]
    return re.search(r"\d{6}", message.message).group()


def send(client, phone=PHONE, **extra):
    """Ask for a code; a sent code redirects to the code step, which is what is returned."""
    return client.post(LOGIN, {"phone": phone, **extra}, follow=True)


def verify(client, code, phone=PHONE, next_url=""):
    return client.post(LOGIN, {"phone": phone, "code": code, "next": next_url})


def test_a_new_shopper_logs_in_with_the_code_and_keeps_what_she_did_before(client):
    session = client.session
    session["scanned_store"] = "jingan"
    session.save()

    response = send(client, "+86 138-0013-8000")

    assert response.status_code == 200
    assert "Enter the 6-digit code" in response.content.decode()
    assert len(sms.outbox) == 1 and sms.outbox[0].phone == PHONE
    response = verify(client, sent_code())
    assert response.status_code == 302
    assert response["Location"] == reverse("members:card")
    member = Member.objects.get(phone=PHONE)
    assert member.joined_via == Member.JoinedVia.ORGANIC
    assert client.session[SESSION_KEY] == member.pk
    assert client.session["scanned_store"] == "jingan"


def test_an_existing_member_logs_in_as_herself(client):
    member = member_create(phone=PHONE, nickname="小雨")
    send(client)

    verify(client, sent_code())

    assert client.session[SESSION_KEY] == member.pk
    assert Member.objects.count() == 1


def test_the_code_works_once(client):
    send(client)
    code = sent_code()
    verify(client, code)
    client.post(reverse("members:logout"))

    response = verify(client, code)

    assert response.status_code == 200
    assert "expired" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_bad_phone_number_is_explained(client):
    response = send(client, "12345")

    assert response.status_code == 200
    assert "Enter a mainland China mobile number" in response.content.decode()
    assert sms.outbox == []


def test_wrong_codes_are_capped_at_five_then_even_the_right_one_is_refused(client):
    send(client)
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"

    for _attempt in range(login_codes.MAX_WRONG_ATTEMPTS):
        response = verify(client, wrong)
        assert response.status_code == 200
        assert "Wrong code" in response.content.decode()
    response = verify(client, right)

    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_new_code_after_wrong_attempts_works(client):
    send(client)
    verify(client, "999999" if sent_code() != "999999" else "888888")
    throttle_reset(scope=login_codes.SEND_COOLDOWN, key=PHONE)  # a minute later

    send(client)
    response = verify(client, sent_code())

    assert response.status_code == 302


def test_an_expired_code_is_refused(client, monkeypatch):
    monkeypatch.setattr(login_codes, "CODE_TTL", 1)
    send(client)
    time.sleep(1.3)

    response = verify(client, sent_code())

    assert response.status_code == 200
    assert "This code has expired" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_one_code_per_minute_per_phone(client):
    send(client)

    response = send(client)

    assert response.status_code == 429
    assert "You can ask for another in" in response.content.decode()
    assert len(sms.outbox) == 1


def test_a_few_codes_per_hour_per_client_address(client):
    phones = [f"1390000{n:04d}" for n in range(login_codes.SENDS_PER_CLIENT_PER_HOUR + 1)]
    statuses = [send(client, phone).status_code for phone in phones]

    assert statuses[:-1] == [200] * login_codes.SENDS_PER_CLIENT_PER_HOUR
    assert statuses[-1] == 429
    assert len(sms.outbox) == login_codes.SENDS_PER_CLIENT_PER_HOUR


def test_codes_are_stored_hashed(client):
    send(client)

    stored = expiring_get(f"members:login-code:{PHONE}")

    assert stored and sent_code() not in stored


def test_demo_mode_shows_the_code_on_screen(client, settings):
    settings.DEMO_MODE = True

    response = send(client)

    assert f'<strong id="demo-code">{sent_code()}</strong>' in response.content.decode()


def test_the_code_is_not_shown_outside_demo_mode(client):
    response = send(client)

    assert sent_code() not in response.content.decode()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/p/wom-knit/", "/p/wom-knit/"),
        ("https://evil.example/steal", "/m/card/"),
        ("//evil.example/", "/m/card/"),
    ],
)
def test_only_a_same_site_next_is_followed(client, next_url, expected):
    send(client)

    response = verify(client, sent_code(), next_url=next_url)

    assert response["Location"] == expected


def test_wechat_login_is_offered_only_inside_wechat_when_configured(client, settings):
    wechat_ua = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"}
    assert "Continue with WeChat" not in client.get(LOGIN, **wechat_ua).content.decode()

    settings.WECHAT_CONFIGURED = True
    inside = client.get(LOGIN + "?next=/p/x/", **wechat_ua).content.decode()
    outside = client.get(LOGIN, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari").content.decode()

    assert "Continue with WeChat" in inside
    assert "/wechat/oauth/start?next=%2Fp%2Fx%2F" in inside
    assert "Continue with WeChat" not in outside


def test_the_demo_picker_is_404_outside_demo_mode(client):
    member = member_create(phone=PHONE)

    assert client.get("/m/login/demo/").status_code == 404
    assert client.post("/m/login/demo/", {"member": member.pk}).status_code == 404
    assert SESSION_KEY not in client.session


def test_the_demo_picker_logs_in_with_one_tap(client, settings):
    settings.DEMO_MODE = True
    members = [member_create(phone=f"1370000{n:04d}", nickname=f"演示{n}") for n in range(12)]

    assert 'href="/m/login/demo/' in client.get(LOGIN).content.decode()
    page = client.get("/m/login/demo/")
    response = client.post("/m/login/demo/", {"member": members[-1].pk, "next": "/p/x/"})

    assert page.status_code == 200
    assert len(page.context["demo_members"]) == 10
    assert "演示11" in page.content.decode()
    assert response["Location"] == "/p/x/"
    assert client.session[SESSION_KEY] == members[-1].pk


def test_logout_is_a_post(client):
    member = member_create(phone=PHONE)
    session = client.session
    session[SESSION_KEY] = member.pk
    session.save()

    assert client.get(reverse("members:logout")).status_code == 405
    response = client.post(reverse("members:logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_reloading_the_login_page_keeps_the_code_step(client):
    sent = client.post(LOGIN, {"phone": PHONE, "next": "/p/x/"})
    code = sent_code()

    # Sent, then redirected (a reload is a GET, not the phone form sent again), next kept.
    assert sent.status_code == 302 and sent["Location"] == LOGIN + "?next=%2Fp%2Fx%2F"

    reloaded = client.get(LOGIN).content.decode()

    assert "Enter the 6-digit code sent to 13800138000" in reloaded
    assert 'value="13800138000"' in reloaded
    assert "Send code" not in reloaded  # not the phone step
    assert verify(client, code).status_code == 302
    client.post(reverse("members:logout"))
    assert "Send code" in client.get(LOGIN).content.decode()  # used: back to the phone step


def test_the_code_step_can_be_left_for_another_number(client):
    send(client)

    page = client.get(LOGIN + "?step=phone").content.decode()

    assert "Send code" in page and "Enter the 6-digit code" not in page


def test_the_reloaded_code_step_ends_when_the_code_expires(client, monkeypatch):
    monkeypatch.setattr(login_codes, "CODE_TTL", 1)
    send(client)
    time.sleep(1.3)

    page = client.get(LOGIN).content.decode()

    assert "Send code" in page and "Enter the 6-digit code" not in page


def test_shoppers_behind_the_trusted_proxy_are_counted_apart(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    shoppers = login_codes.SENDS_PER_CLIENT_PER_HOUR + 1

    statuses = [
        client.post(
            LOGIN,
            {"phone": f"1390000{n:04d}"},
            REMOTE_ADDR="10.0.0.2",  # the proxy, for everyone
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}",
        ).status_code
        for n in range(shoppers)
    ]

    assert statuses == [302] * shoppers  # each one sent, then on to the code step


def test_a_forged_forwarded_for_does_not_step_around_the_client_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    sends = login_codes.SENDS_PER_CLIENT_PER_HOUR + 1

    statuses = [
        client.post(
            LOGIN,
            {"phone": f"1390000{n:04d}"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.1",  # the proxy appended the last one
        ).status_code
        for n in range(sends)
    ]

    assert statuses[-1] == 429
    assert statuses[:-1] == [302] * (sends - 1)
