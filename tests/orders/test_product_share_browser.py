"""Inside WeChat the product page configures the JS-SDK and sets WeChat's share menu to the
page's link with the sharer's referral code (the fragment that brings it arrives later)."""

import pytest

from tests.orders.shopper_helpers import log_in_by_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_JWEIXIN = """
window.__wxCalls = [];
window.wx = (function () {
  var waiting = [], configured = false;
  return {
    config: function (config) {
      window.__wxCalls.push(["config", config.jsApiList]);
      configured = true;
      waiting.forEach(function (callback) { setTimeout(callback, 0); });
    },
    ready: function (callback) { configured ? setTimeout(callback, 0) : waiting.push(callback); },
    error: function () {},
    updateAppMessageShareData: function (data) { window.__wxCalls.push(["friend", data.link]); },
    updateTimelineShareData: function (data) { window.__wxCalls.push(["moments", data.link]); }
  };
})();
"""


@pytest.fixture
def browser_context_options():
    return {"user_agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50"}


def test_sharing_in_wechat_carries_the_sharers_referral_code(page, shop, settings, live_server):
    settings.WECHAT_CONFIGURED = True
    page.route(
        "https://res.wx.qq.com/**",
        lambda route: route.fulfill(body=FAKE_JWEIXIN, content_type="application/javascript"),
    )
    # The signature itself is checked on the store finder (tests/stores/test_finder_browser.py).
    page.route("**/wechat/jssdk/config?**", lambda route: route.fulfill(json={"appId": "wx"}))
    log_in_by_cookie(page, shop.member)

    page.goto(f"/p/{shop.product.code}/")
    link = f"{live_server.url}/p/{shop.product.code}/?r={shop.member.referral_code}"
    page.wait_for_function(
        "link => window.__wxCalls.some(call => call[0] === 'friend' && call[1] === link)",
        arg=link,
        timeout=10000,
    )

    calls = page.evaluate("window.__wxCalls")
    assert calls[0] == ["config", ["updateAppMessageShareData", "updateTimelineShareData"]]
    assert ["moments", link] in calls
