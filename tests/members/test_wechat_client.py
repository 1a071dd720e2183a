"""o2o.wechat: the client wrapper follows the settings and shares its cache through Redis."""

import pytest

from o2o import wechat
from tests.stores.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_every_call_goes_to_the_configured_base_url(wechat_fake):
    client = wechat.wechat_client()
    assert client.API_BASE_URL == wechat_fake.api_base_url
    assert client.access_token in wechat_fake.access_tokens
    assert wechat_fake.calls("/cgi-bin/token")  # not api.weixin.qq.com's hard-coded URL


def test_the_access_token_is_shared_between_clients(wechat_fake):
    first = wechat.wechat_client().access_token
    second = wechat.wechat_client().access_token
    assert first == second
    assert len(wechat_fake.calls("/cgi-bin/token")) == 1


def test_oauth_uses_the_sns_endpoints_beside_cgi_bin(wechat_fake):
    oauth = wechat.wechat_oauth("https://shop.example.com/wechat/oauth/callback")
    assert oauth.API_BASE_URL == wechat_fake.base_url
    assert oauth.OAUTH_BASE_URL == wechat_fake.oauth_base_url


def test_clerk_qr_is_a_permanent_scene_created_once(wechat_fake):
    clerk = StaffFactory(staff_code="anna")

    first = wechat.clerk_qr_ticket(clerk)
    again = wechat.clerk_qr_ticket(clerk)

    assert first == again
    [create] = wechat_fake.calls("/cgi-bin/qrcode/create")
    assert create.json == {
        "action_name": "QR_LIMIT_STR_SCENE",
        "action_info": {"scene": {"scene_str": "clerk:anna"}},
    }
    assert first["ticket"] in wechat_fake.qr_tickets
    assert first["url"].startswith("http://weixin.qq.com/q/")
    assert first["show_url"].endswith(first["ticket"])


def test_template_message_errors_carry_wechats_errcode(wechat_fake):
    from tests.wechat_fake import error

    wechat_fake.fail_next("POST", "/cgi-bin/message/template/send", error(43004, "unsubscribed"))
    with pytest.raises(wechat.WeChatUnavailable) as raised:
        wechat.template_message_send("o-x", "T1", {"first": {"value": "hi"}})
    assert raised.value.errcode == 43004


def test_not_configured_is_an_error_not_a_call(settings):
    settings.WECHAT_CONFIGURED = False
    with pytest.raises(wechat.WeChatNotConfigured):
        wechat.wechat_client()


def test_the_fake_can_be_extended_with_routes(wechat_fake):
    import requests

    from tests.wechat_fake import FakeResponse

    wechat_fake.add_route(
        "POST",
        "/pay/pay/unifiedorder",
        lambda request: FakeResponse(
            f"<xml><return_code>SUCCESS</return_code><echo>{len(request.body)}</echo></xml>",
            content_type="text/xml",
        ),
    )
    answer = requests.post(f"{wechat_fake.pay_base_url}pay/unifiedorder", data=b"<xml/>", timeout=5)
    assert answer.text == "<xml><return_code>SUCCESS</return_code><echo>6</echo></xml>"
    assert wechat_fake.calls("/pay/pay/unifiedorder")[0].body == b"<xml/>"


def test_my_qr_page_shows_the_wechat_follow_and_bind_code_when_configured(client, wechat_fake):
    import base64
    import io

    import zxingcpp
    from PIL import Image

    clerk = StaffFactory(staff_code="bella")
    client.force_login(clerk.user)

    html = client.get("/staff/members/my-qr/").content.decode()

    uri = html.split('class="mb-my-qr-image" src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(uri))))
    assert [result.text for result in decoded] == [wechat.clerk_qr_ticket(clerk)["url"]]


def test_my_qr_page_falls_back_to_the_h5_link_when_wechat_is_down(client, wechat_fake):
    clerk = StaffFactory(staff_code="carla")
    client.force_login(clerk.user)
    wechat_fake.fail_next("POST", "/cgi-bin/qrcode/create", {"errcode": -1, "errmsg": "busy"})

    html = client.get("/staff/members/my-qr/").content.decode()

    assert 'src="/b/qr/clerk/carla.png"' in html
