"""/wechat/jssdk/config: wx.config parameters signed with a ticket from (fake) WeChat."""

import hashlib

import pytest

from tests.wechat_fake import error

pytestmark = pytest.mark.django_db

URL = "/wechat/jssdk/config"
PAGE = "https://shop.example.com/stores/?city=%E4%B8%8A%E6%B5%B7"


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://shop.example.com"
    return settings


def wechat_signature(*, ticket, nonce, timestamp, url):
    # WeChat's JS-SDK appendix 1: sha1 of the four fields sorted by name, joined as a query string.
    fields = {"jsapi_ticket": ticket, "noncestr": nonce, "timestamp": timestamp, "url": url}
    plain = "&".join(f"{name}={fields[name]}" for name in sorted(fields))
    return hashlib.sha1(plain.encode()).hexdigest()


def test_the_config_is_signed_with_wechats_ticket(client, wechat_fake, site):
    response = client.get(URL, {"url": PAGE})

    assert response.status_code == 200
    config = response.json()
    assert config["appId"] == wechat_fake.app_id
    assert config["jsApiList"] == ["getLocation", "openLocation", "scanQRCode", "chooseWXPay"]
    assert len(wechat_fake.jsapi_tickets) == 1
    ticket = wechat_fake.jsapi_tickets[0]
    assert config["signature"] == wechat_signature(
        ticket=ticket, nonce=config["nonceStr"], timestamp=config["timestamp"], url=PAGE
    )
    # The ticket was asked for with an access token the fake issued for this app's secret.
    ticket_call = wechat_fake.calls("/cgi-bin/ticket/getticket")[0]
    assert ticket_call.query["access_token"] in wechat_fake.access_tokens
    assert wechat_fake.calls("/cgi-bin/token")[0].query["secret"] == wechat_fake.secret


def test_token_and_ticket_are_cached_between_requests(client, wechat_fake, site):
    first = client.get(URL, {"url": PAGE}).json()
    second = client.get(URL, {"url": "https://shop.example.com/m/card/"}).json()

    assert len(wechat_fake.calls("/cgi-bin/token")) == 1
    assert len(wechat_fake.calls("/cgi-bin/ticket/getticket")) == 1
    assert second["signature"] == wechat_signature(
        ticket=wechat_fake.jsapi_tickets[0],
        nonce=second["nonceStr"],
        timestamp=second["timestamp"],
        url="https://shop.example.com/m/card/",
    )
    assert first["nonceStr"] != second["nonceStr"]


def test_the_fragment_is_not_signed(client, wechat_fake, site):
    config = client.get(URL, {"url": f"{PAGE}#map"}).json()
    assert config["signature"] == wechat_signature(
        ticket=wechat_fake.jsapi_tickets[0],
        nonce=config["nonceStr"],
        timestamp=config["timestamp"],
        url=PAGE,
    )


def test_an_expired_access_token_is_renewed(client, wechat_fake, site):
    client.get(URL, {"url": PAGE})
    # WeChat invalidated the cached token (another system fetched a new one) and the ticket
    # expired: wechatpy fetches a new token and retries.
    wechat_fake.access_tokens.clear()
    from o2o.wechat import session_storage

    session_storage().delete(f"{wechat_fake.app_id}_jsapi_ticket")

    response = client.get(URL, {"url": PAGE})

    assert response.status_code == 200
    assert len(wechat_fake.calls("/cgi-bin/token")) == 2
    assert response.json()["signature"] == wechat_signature(
        ticket=wechat_fake.jsapi_tickets[-1],
        nonce=response.json()["nonceStr"],
        timestamp=response.json()["timestamp"],
        url=PAGE,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/stores/",
        "http://shop.example.com/stores/",  # another scheme is another origin
        "https://shop.example.com.evil.example/",
        "/stores/",
        "javascript:alert(1)",
        "",
    ],
)
def test_only_pages_of_this_site_are_signed(client, wechat_fake, site, url):
    response = client.get(URL, {"url": url})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_url"
    assert not wechat_fake.calls("/cgi-bin/ticket/getticket")


def test_without_wechat_there_is_no_config(client, settings):
    settings.WECHAT_CONFIGURED = False
    response = client.get(URL, {"url": "http://testserver/"})
    assert response.status_code == 404
    assert response.json()["code"] == "wechat_not_configured"


def test_wechat_refusing_the_ticket_is_a_json_error(client, wechat_fake, site):
    wechat_fake.fail_next("GET", "/cgi-bin/ticket/getticket", error(-1, "system error"))
    response = client.get(URL, {"url": PAGE})
    assert response.status_code == 502
    assert response.json()["code"] == "wechat_unavailable"
