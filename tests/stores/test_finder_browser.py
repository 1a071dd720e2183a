"""The store finder in a phone browser: located by GPS, and by the city picker when refused."""

import hashlib
import secrets
from decimal import Decimal

import pytest

from o2o.geo import wgs84_to_gcj02
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The phone's GPS fix, WGS-84, as navigator.geolocation reports it (near Jing'an temple).
GPS = {"latitude": 31.2255, "longitude": 121.4410}


def at(latitude, longitude):
    return {"latitude": Decimal(f"{latitude:.6f}"), "longitude": Decimal(f"{longitude:.6f}")}


def make_stores():
    """Stores placed relative to where the shopper really is (GPS shifted to GCJ-02)."""
    lat, lng = wgs84_to_gcj02(GPS["latitude"], GPS["longitude"])
    StoreFactory(
        code="sh-near",
        name="上海静安嘉里中心店",
        district="静安区",
        address="南京西路1515号",
        phone="021-61110001",
        **at(lat + 0.0009, lng),
    )
    # On the raw GPS point, ~500 m from the shopper's true (GCJ-02) position: only a finder
    # that forgets the datum shift would list it first.
    StoreFactory(
        code="sh-decoy",
        name="上海静安寺店",
        district="静安区",
        address="南京西路1699号",
        **at(GPS["latitude"], GPS["longitude"]),
    )
    StoreFactory(
        code="sh-xjh",
        name="上海徐家汇港汇店",
        district="徐汇区",
        address="虹桥路1号",
        opening_hours={
            "mon": None,
            "tue": None,
            "wed": None,
            "thu": None,
            "fri": None,
            "sat": None,
            "sun": None,
        },
        **at(31.1950, 121.4370),
    )
    StoreFactory(
        code="sh-ljz",
        name="上海陆家嘴正大广场店",
        district="浦东新区",
        address="陆家嘴西路168号",
        delivers=False,
        **at(31.2368, 121.4993),
    )
    StoreFactory(
        code="gz01",
        name="广州天河城店",
        city="广州",
        district="天河区",
        address="天河路208号",
        **at(23.1321, 113.3268),
    )
    StoreFactory(
        code="gz04",
        name="广州江南西店",
        city="广州",
        district="海珠区",
        address="江南西路48号",
        **at(23.0998, 113.2701),
    )
    StoreFactory(code="closed", name="已停业店", is_active=False, **at(lat, lng))  # fmt: skip


class TestLocated:
    @pytest.fixture
    def browser_context_options(self):
        return {"geolocation": GPS, "permissions": ["geolocation"]}

    def test_nearest_store_is_listed_first(self, page, screenshot):
        make_stores()

        page.goto("/stores/")
        cards = page.locator(".store-card")
        cards.first.wait_for()

        codes = [cards.nth(i).get_attribute("data-store-code") for i in range(cards.count())]
        assert codes[:2] == ["sh-near", "sh-decoy"]
        assert "closed" not in codes
        first = cards.first
        assert "上海静安嘉里中心店" in first.inner_text()
        assert first.locator(".store-distance").inner_text().endswith(" m")
        assert first.locator("a[href^='tel:021-61110001']").count() == 1
        assert "uri.amap.com/marker" in first.locator("a.store-nav").get_attribute("href")
        assert page.locator("#city-picker").is_hidden()
        screenshot(page, "located")


class TestLocationRefused:
    @pytest.fixture
    def browser_context_options(self):
        return {"permissions": []}

    def test_shopper_picks_city_and_district(self, page, screenshot):
        make_stores()

        page.goto("/stores/")
        picker = page.locator("#city-picker")
        picker.wait_for(state="visible")
        assert page.locator("#picker-district").is_disabled()

        with page.expect_response(lambda r: "/stores/nearby/" in r.url):
            page.select_option("#picker-city", "广州")
        page.locator(".store-card").first.wait_for()
        assert page.locator(".store-card").count() == 2
        assert page.locator(".store-distance").count() == 0

        with page.expect_response(lambda r: "district=" in r.url and "/stores/nearby/" in r.url):
            page.select_option("#picker-district", "海珠区")
        page.wait_for_function("() => document.querySelectorAll('.store-card').length === 1")
        assert "广州江南西店" in page.locator(".store-card").inner_text()
        screenshot(page, "picked")

        page.select_option("#picker-city", "上海")
        page.wait_for_function("() => document.querySelectorAll('.store-card').length === 4")
        screenshot(page, "shanghai")


# A stand-in for WeChat's JS-SDK as the page sees it after wx.config: GCJ-02 location, and a
# record of openLocation calls instead of opening WeChat's map.
FAKE_WX = """
window.wx = {
  config: function () {},
  ready: function (callback) { setTimeout(callback, 0); },
  error: function () {},
  getLocation: function (options) {
    window.__wxLocationType = options.type;
    options.success({ latitude: %(lat)f, longitude: %(lng)f });
  },
  openLocation: function (options) { window.__wxOpened = options; }
};
"""


class TestInsideWeChat:
    @pytest.fixture
    def browser_context_options(self):
        return {
            "user_agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50",
            "permissions": [],  # the browser's own geolocation must not be needed
        }

    def test_wechat_location_and_map_are_used(self, page, settings):
        settings.WECHAT_CONFIGURED = True
        make_stores()
        # wx.getLocation answers in GCJ-02: a point right at the "decoy" store (no shift).
        page.add_init_script(FAKE_WX % {"lat": GPS["latitude"], "lng": GPS["longitude"]})
        # The page loads and configures the SDK itself (TestWeChatJsSdk checks how): here both
        # are stubbed, only what the finder does with it is looked at.
        page.route("https://res.wx.qq.com/**", lambda route: route.fulfill(body=""))
        page.route("**/wechat/jssdk/config?**", lambda route: route.fulfill(json={}))

        page.goto("/stores/")
        first = page.locator(".store-card").first
        first.wait_for()

        assert first.get_attribute("data-store-code") == "sh-decoy"
        assert page.evaluate("window.__wxLocationType") == "gcj02"
        first.locator("a.store-nav").click()
        opened = page.evaluate("window.__wxOpened")
        assert opened["name"] == "上海静安寺店"
        assert opened["latitude"] == pytest.approx(GPS["latitude"])
        assert opened["longitude"] == pytest.approx(GPS["longitude"])


# WeChat's jweixin as the page loads it, faked: records wx.config and the calls after it, and
# runs wx.ready callbacks only once wx.config was called (as the real SDK does).
FAKE_JWEIXIN = """
window.__wxCalls = [];
window.wx = (function () {
  var configured = false, waiting = [];
  return {
    config: function (config) {
      window.__wxCalls.push(["config", config]);
      configured = true;
      waiting.forEach(function (callback) { setTimeout(callback, 0); });
    },
    ready: function (callback) { configured ? setTimeout(callback, 0) : waiting.push(callback); },
    error: function () {},
    getLocation: function (options) {
      window.__wxCalls.push(["getLocation", options.type]);
      options.success({ latitude: %(lat)f, longitude: %(lng)f });
    },
    openLocation: function (options) { window.__wxCalls.push(["openLocation", options.name]); }
  };
})();
"""


class TestWeChatJsSdk:
    @pytest.fixture
    def browser_context_options(self):
        return {
            "user_agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50",
            "permissions": [],
        }

    @pytest.fixture
    def wechat(self, settings):
        from o2o.wechat import session_storage_clear
        from tests.wechat_fake import WeChatFake

        fake = WeChatFake(app_id=f"wxtest{secrets.token_hex(6)}", secret=secrets.token_hex(16))
        fake.start()
        settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = fake.app_id, fake.secret
        settings.WECHAT_API_BASE_URL = fake.api_base_url
        settings.WECHAT_CONFIGURED = True
        session_storage_clear(fake.app_id)
        try:
            yield fake
        finally:
            session_storage_clear(fake.app_id)
            fake.stop()

    def test_the_page_signs_wx_config_with_the_servers_ticket(
        self, page, wechat, live_server, settings
    ):
        settings.SITE_URL = live_server.url
        make_stores()
        script = FAKE_JWEIXIN % {"lat": GPS["latitude"], "lng": GPS["longitude"]}
        page.route(
            "https://res.wx.qq.com/**",
            lambda route: route.fulfill(body=script, content_type="application/javascript"),
        )

        page.goto("/stores/")
        page.locator(".store-card").first.wait_for()

        calls = page.evaluate("window.__wxCalls")
        assert [name for name, _ in calls[:2]] == ["config", "getLocation"]
        config = calls[0][1]
        assert config["appId"] == wechat.app_id
        assert config["jsApiList"] == ["getLocation", "openLocation"]
        (ticket,) = wechat.jsapi_tickets
        signed = (
            f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}"
            f"&timestamp={config['timestamp']}&url={live_server.url}/stores/"
        )
        assert config["signature"] == hashlib.sha1(signed.encode()).hexdigest()
        assert calls[1][1] == "gcj02"

    def test_when_the_signature_cannot_be_had_the_browser_locates(self, page, settings):
        settings.WECHAT_CONFIGURED = True  # but no WeChat server answers: config fails
        settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/"
        make_stores()
        page.route(
            "https://res.wx.qq.com/**",
            lambda route: route.fulfill(
                body=FAKE_JWEIXIN % {"lat": 0, "lng": 0}, content_type="application/javascript"
            ),
        )

        page.goto("/stores/")

        # no location from WeChat and none from the browser: the city picker, not a hang
        page.locator("#city-picker").wait_for(state="visible", timeout=15000)
        assert [name for name, _ in page.evaluate("window.__wxCalls")] == []
