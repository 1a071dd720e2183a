"""The desk scanner's page and its one endpoint: htmx gets the result partial (refusals with
their 4xx status), a member card sends the page to her page, and no input gives a 5xx."""

import pytest
from django.core.cache import cache

from catalog.qr import sku_qr_url
from members.card import card_token_issue
from members.services.accounts import member_create
from orders.models import Order
from orders.services.assisted import assisted_cart_create
from orders.services.fulfilment import order_mark_ready, pickup_token
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db

PAGE = "/staff/scan/"
RESOLVE = "/staff/scan/resolve/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counter(client, shop):
    client.force_login(shop.clerk.user)
    return client


def test_the_page_has_the_camera_the_typed_fallback_and_the_htmx_post(counter):
    html = counter.get(PAGE).content.decode()

    assert "vendor/zxing-browser/zxing-browser.min.js" in html
    assert "backoffice/scanner.js" in html
    assert 'data-scanner-input="#id_text"' in html
    assert f'hx-post="{RESOLVE}"' in html
    assert "jweixin" not in html  # WeChat's SDK only inside WeChat, when configured


def test_inside_wechat_the_page_loads_wechats_scanner(counter, settings):
    settings.WECHAT_CONFIGURED = True

    response = counter.get(PAGE, HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0.49")
    html = response.content.decode()

    assert "jweixin-1.6.0.js" in html and "js/wechat_jssdk.js" in html
    assert 'data-apis="scanQRCode"' in html
    # WeChat's script host is allowed on this page, or the browser would refuse the SDK
    assert "https://res.wx.qq.com" in response["Content-Security-Policy"]


def test_a_scanned_order_qr_verifies_with_htmx(counter, shop):
    order = order_mark_ready(order=pay(place(shop, F.PICKUP)), staff=shop.clerk)

    response = counter.post(RESOLVE, {"text": pickup_token(order)}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Verified" in html and order.number in html and "真丝连衣裙" in html
    assert "<html" not in html
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_a_refusal_keeps_its_status_for_htmx_to_swap(client, shop):
    order = order_mark_ready(order=pay(place(shop, F.PICKUP)), staff=shop.clerk)
    client.force_login(shop.other_clerk.user)

    response = client.post(RESOLVE, {"text": pickup_token(order)}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert "belongs to sh01 店" in response.content.decode()
    page = client.get(PAGE).content.decode()
    assert '"code":"[4]..","swap":true' in page


def test_a_member_card_sends_htmx_to_her_page(counter, shop):
    member = member_create(phone="13800138000", home_store=shop.store)

    response = counter.post(RESOLVE, {"text": card_token_issue(member)}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/staff/customers/{member.member_code}/"


def test_without_javascript_the_form_still_works(counter, shop):
    member = member_create(phone="13800138000", home_store=shop.store)

    redirected = counter.post(RESOLVE, {"text": member.member_code})
    item = counter.post(RESOLVE, {"text": sku_qr_url(shop.sku_m, shop.store)})

    assert redirected.status_code == 302
    assert redirected["Location"] == f"/staff/customers/{member.member_code}/"
    assert item.status_code == 200 and "<html" in item.content.decode()
    assert "Available in this store" in item.content.decode()


def test_an_item_label_links_to_the_stock_room(counter, shop):
    response = counter.post(RESOLVE, {"text": sku_qr_url(shop.sku_m)}, HTTP_HX_REQUEST="true")

    assert 'href="/staff/stock/?sku=dress-m"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{"text": "x" * 501}, {"text": ""}, {}, {"text": "a", "cart": "x"}],
)
def test_unreadable_input_is_a_clear_400(counter, data):
    response = counter.post(RESOLVE, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "Nothing readable was scanned" in response.content.decode()


def test_a_control_byte_is_refused_before_the_scanner_reads_it(counter):
    response = counter.post(RESOLVE, {"text": "bad\x00byte"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400  # the request guard, for every page alike


def test_from_a_cart_items_go_in_and_another_clerks_cart_is_refused(counter, shop):
    mine = assisted_cart_create(staff=shop.clerk, note="王女士")
    theirs = assisted_cart_create(staff=shop.manager)

    page = counter.get(f"{PAGE}?cart={mine.pk}").content.decode()
    added = counter.post(
        RESOLVE, {"text": sku_qr_url(shop.sku_m), "cart": mine.pk}, HTTP_HX_REQUEST="true"
    )
    refused = counter.post(RESOLVE, {"text": sku_qr_url(shop.sku_m), "cart": theirs.pk})

    assert "Item labels go into the cart for 王女士" in page
    assert f'name="cart" value="{mine.pk}"' in page
    assert "真丝连衣裙 added: 1 in the cart." in added.content.decode()
    assert refused.status_code == 403 and not theirs.lines.exists()
    assert counter.get(f"{PAGE}?cart={theirs.pk}").status_code == 404


def test_the_scanner_needs_staff_and_post(client, shop):
    assert client.get(PAGE).status_code == 302
    client.force_login(shop.clerk.user)
    assert client.get(RESOLVE).status_code == 405


def test_the_assisted_cart_page_links_to_the_scanner(counter, shop):
    cart = assisted_cart_create(staff=shop.clerk)

    html = counter.get(f"/staff/orders/assist/{cart.pk}/").content.decode()

    assert f'href="/staff/scan/?cart={cart.pk}"' in html
