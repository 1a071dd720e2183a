"""WeChat web sign-in (网页授权) for H5 pages, against the fake WeChat server."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from members.auth import SESSION_KEY
from members.models import Member
from members.services.accounts import member_create
from tests.wechat_fake import OAuthUser

pytestmark = pytest.mark.django_db

START = "/wechat/oauth/start"
CALLBACK = "/wechat/oauth/callback"


@pytest.fixture
def site(settings):
    settings.SITE_URL = "http://testserver"
    return settings


def start(client, next_url="/m/card/", scope="snsapi_base"):
    response = client.get(START, {"next": next_url, "scope": scope})
    assert response.status_code == 302
    return response["Location"]


def state_of(authorize_url):
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def test_start_sends_her_to_wechats_authorize_page(client, wechat_fake, site):
    location = start(client, scope="snsapi_userinfo")

    assert location.startswith(f"{wechat_fake.oauth_base_url}oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location).query)
    assert query["appid"] == [wechat_fake.app_id]
    assert query["redirect_uri"] == ["http://testserver/wechat/oauth/callback"]
    assert query["scope"] == ["snsapi_userinfo"]
    assert query["response_type"] == ["code"]
    # WeChat takes at most 128 bytes of [a-zA-Z0-9] as state.
    state = query["state"][0]
    assert state.isalnum() and len(state) <= 128


def test_the_whole_round_trip_through_wechat_signs_her_in(client, wechat_fake, site):
    wechat_fake.authorizing_user = OAuthUser(openid="o-dora", unionid="u-dora")
    authorize_url = start(client, next_url="/m/card/?tab=points")

    # What WeChat does when she taps "allow": back to our callback with a code and the state.
    allowed = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert allowed.status_code == 302
    back = urlsplit(allowed.headers["Location"])
    assert back.path == CALLBACK
    response = client.get(f"{back.path}?{back.query}")

    assert response.status_code == 302
    assert response["Location"] == "/m/card/?tab=points"
    member = Member.objects.get(openid="o-dora")
    assert member.unionid == "u-dora"
    assert client.session[SESSION_KEY] == member.pk
    assert response.wsgi_request.member == member
    assert wechat_fake.calls("/sns/oauth2/access_token")[0].query["code"]
    assert not wechat_fake.calls("/sns/userinfo")  # snsapi_base reads no profile


def test_userinfo_scope_stores_her_nickname_and_avatar(client, wechat_fake, site):
    state = state_of(start(client, scope="snsapi_userinfo"))
    code = wechat_fake.register_code(
        "o-erin",
        scope="snsapi_userinfo",
        nickname="小艾",
        headimgurl="https://thirdwx.qlogo.cn/mmopen/erin/132",
    )

    response = client.get(CALLBACK, {"code": code, "state": state})

    assert response.status_code == 302
    member = Member.objects.get(openid="o-erin")
    assert member.nickname == "小艾"
    assert member.avatar_url == "https://thirdwx.qlogo.cn/mmopen/erin/132"
    assert client.session[SESSION_KEY] == member.pk


def test_a_returning_member_signs_in_as_herself_and_her_profile_refreshes(
    client, wechat_fake, site
):
    existing = member_create(openid="o-fay", nickname="old name")
    state = state_of(start(client, scope="snsapi_userinfo"))
    code = wechat_fake.register_code("o-fay", scope="snsapi_userinfo", nickname="Fay")

    client.get(CALLBACK, {"code": code, "state": state})

    assert Member.objects.filter(openid="o-fay").count() == 1
    existing.refresh_from_db()
    assert existing.nickname == "Fay"
    assert client.session[SESSION_KEY] == existing.pk


def test_a_bad_state_gets_a_friendly_page(client, wechat_fake, site, caplog):
    start(client)
    code = wechat_fake.register_code("o-gina")

    response = client.get(CALLBACK, {"code": code, "state": "a" * 64})

    assert response.status_code == 400
    assert "members/wechat_error.html" in [t.name for t in response.templates]
    assert b'href="/wechat/oauth/start?next=%2F"' in response.content
    assert SESSION_KEY not in client.session
    assert not Member.objects.exists()
    assert not wechat_fake.calls("/sns/oauth2/access_token")  # the code was never spent
    assert "bad state" in caplog.text


def test_a_state_from_another_browser_is_refused(client, wechat_fake, site):
    from django.test import Client

    state = state_of(start(Client()))
    code = wechat_fake.register_code("o-gina")

    assert client.get(CALLBACK, {"code": code, "state": state}).status_code == 400
    assert SESSION_KEY not in client.session


def test_a_state_is_used_once(client, wechat_fake, site):
    state = state_of(start(client))
    first = client.get(CALLBACK, {"code": wechat_fake.register_code("o-hana"), "state": state})
    assert first.status_code == 302

    again = client.get(CALLBACK, {"code": wechat_fake.register_code("o-ivy"), "state": state})
    assert again.status_code == 400
    assert not Member.objects.filter(openid="o-ivy").exists()


def test_a_code_wechat_rejects_gets_a_friendly_page(client, wechat_fake, site):
    state = state_of(start(client, next_url="/m/card/"))

    response = client.get(CALLBACK, {"code": "never-issued", "state": state})

    assert response.status_code == 502
    assert "members/wechat_error.html" in [t.name for t in response.templates]
    assert b'href="/m/card/"' in response.content
    assert SESSION_KEY not in client.session


def test_wechat_down_gets_a_friendly_page(client, wechat_fake, site):
    state = state_of(start(client))
    code = wechat_fake.register_code("o-jade")
    wechat_fake.stop()

    response = client.get(CALLBACK, {"code": code, "state": state})

    assert response.status_code == 502
    assert SESSION_KEY not in client.session


def test_declining_the_profile_prompt_gets_a_friendly_page(client, wechat_fake, site):
    state = state_of(start(client, scope="snsapi_userinfo"))
    response = client.get(CALLBACK, {"state": state})  # WeChat returns without a code
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_only_paths_on_this_site_are_followed(client, wechat_fake, site, next_url):
    state = state_of(start(client, next_url=next_url))
    code = wechat_fake.register_code("o-kim")

    response = client.get(CALLBACK, {"code": code, "state": state})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_deactivated_member_is_not_signed_in(client, wechat_fake, site):
    member_create(openid="o-lee", is_active=False)
    state = state_of(start(client))

    response = client.get(CALLBACK, {"code": wechat_fake.register_code("o-lee"), "state": state})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_without_wechat_the_phone_login_page_takes_over(client, settings):
    settings.WECHAT_CONFIGURED = False

    response = client.get(START, {"next": "/m/card/"})

    assert response.status_code == 302
    assert response["Location"] == "/m/login/?next=%2Fm%2Fcard%2F"


def test_a_clerk_link_opened_before_signing_in_binds_her_after_wechat_sign_in(
    client, wechat_fake, site
):
    from tests.stores.factories import StaffFactory

    clerk = StaffFactory(role="clerk")
    # Logged out, she opens the clerk's H5 link: it waits in the session for her sign-in.
    assert client.get(f"/b/clerk/{clerk.staff_code}").status_code == 302
    wechat_fake.authorizing_user = OAuthUser(openid="o-ella")
    allowed = requests.get(start(client), allow_redirects=False, timeout=5)
    back = urlsplit(allowed.headers["Location"])

    client.get(f"{back.path}?{back.query}")

    member = Member.objects.get(openid="o-ella")
    assert member.bound_clerk == clerk and member.home_store == clerk.store
    assert member.joined_via == Member.JoinedVia.CLERK_QR
    assert member.points_balance > 0  # her first clerk scan earns scan points
