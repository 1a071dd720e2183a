import io
import time
from unittest import mock

import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from catalog.qr import sku_qr_image, sku_qr_url
from catalog.scanning import COOKIE_NAME, SESSION_KEY, scanned_store_get
from tests.catalog.factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku():
    return SKUFactory(code="knit-01-2", color="燕麦色", size="M", product__code="knit-01")


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@override_settings(SITE_URL="https://shop.example.cn")
def test_qr_image_decodes_to_the_sku_url_with_and_without_store(sku, store):
    assert sku_qr_url(sku) == "https://shop.example.cn/q/knit-01-2"
    assert decode(sku_qr_image(sku)) == ["https://shop.example.cn/q/knit-01-2"]
    assert decode(sku_qr_image(sku, store)) == ["https://shop.example.cn/q/knit-01-2?s=sh-001"]


CANONICAL = '<link rel="canonical" href="http://testserver/p/knit-01/?sku=knit-01-2" data-landing>'


def test_scanning_with_a_store_opens_the_product_with_the_sku_and_remembers_the_store(
    client, sku, store
):
    response = client.get(f"/q/{sku.code}", {"s": store.code})

    # The product page itself, no redirect: its script shows the canonical address.
    assert response.status_code == 200
    assert CANONICAL in response.content.decode()
    assert response.context["selected_sku"] == sku
    assert response.context["scanned_store"] == store
    # Remembered in a signed cookie: no session row written for a scan.
    assert client.cookies[COOKIE_NAME].value.startswith("sh-001:")
    assert SESSION_KEY not in client.session
    assert 'hx-get="/p/knit-01/order-actions/?sku=knit-01-2"' in response.content.decode()


def test_the_product_page_after_a_scan_shows_the_store_from_the_cached_body(client, sku, store):
    client.get(f"/q/{sku.code}", {"s": store.code})

    page = client.get("/p/knit-01/", {"sku": sku.code})

    html = page.content.decode()
    assert 'data-value="M" aria-pressed="true"' in html
    assert "Scanned in" in html and store.name in html
    assert '<link rel="canonical" href="http://testserver/p/knit-01/">' in html


@pytest.mark.parametrize("query", [{}, {"s": ""}])
def test_scanning_without_a_store_opens_the_product_and_remembers_nothing(client, sku, query):
    response = client.get(f"/q/{sku.code}", query)

    assert response.status_code == 200
    assert CANONICAL in response.content.decode()
    assert COOKIE_NAME not in client.cookies


@pytest.mark.parametrize(
    "store_code", ["nowhere", "门店", "x" * 5000, "sh-001%", "closed-01", "'; drop table"]
)
def test_an_unknown_or_inactive_store_still_opens_the_product_with_a_message(
    client, sku, make_store, store_code
):
    make_store("closed-01", is_active=False)

    response = client.get(f"/q/{sku.code}", {"s": store_code}, follow=True)

    assert response.status_code == 200
    assert response.context["selected_sku"] == sku
    assert COOKIE_NAME not in client.cookies
    assert len(list(response.context["messages"])) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/q/unknown-sku",
        "/q/" + "x" * 5000,
        "/q/商品编码",
        "/q/%25",
        "/q/%F0%9F%91%95",
        "/q/a%20b?s=sh-001",
        "/q/-",
    ],
)
def test_unknown_codes_get_a_friendly_404_page(client, store, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "catalog/not_sold.html" in [template.name for template in response.templates]
    html = response.content.decode()
    assert reverse("catalog:home") in html and reverse("stores:finder") in html


@pytest.mark.parametrize("withdrawn", ["sku", "product"])
def test_withdrawn_items_get_the_no_longer_sold_page(client, store, withdrawn):
    sku = SKUFactory(is_active=withdrawn != "sku", product=ProductFactory(is_active=False))
    if withdrawn == "sku":
        sku.product.is_active = True
        sku.product.save()

    response = client.get(f"/q/{sku.code}", {"s": store.code})

    assert response.status_code == 410
    assert "catalog/not_sold.html" in [template.name for template in response.templates]
    assert COOKIE_NAME not in client.cookies


def scan_request(client, rf):
    request = rf.get("/")
    request.COOKIES = {key: morsel.value for key, morsel in client.cookies.items()}
    request.session = client.session
    return request


def test_the_remembered_store_expires_after_the_ttl(client, sku, store, settings, rf):
    client.get(f"/q/{sku.code}", {"s": store.code})
    request = scan_request(client, rf)

    assert scanned_store_get(request) == store
    later = time.time() + settings.SCANNED_STORE_TTL + 1
    with mock.patch("time.time", return_value=later):
        assert scanned_store_get(request) is None


def test_a_store_deactivated_after_the_scan_is_no_longer_remembered(client, sku, store, rf):
    client.get(f"/q/{sku.code}", {"s": store.code})
    store.is_active = False
    store.save()

    assert scanned_store_get(scan_request(client, rf)) is None


def test_a_forged_cookie_is_ignored(client, sku, store, rf):
    client.get(f"/q/{sku.code}", {"s": store.code})
    request = scan_request(client, rf)
    request.COOKIES[COOKIE_NAME] = request.COOKIES[COOKIE_NAME].replace("sh-001", "sh-002")

    assert scanned_store_get(request) is None


def test_a_store_remembered_in_an_older_session_still_counts_until_it_expires(
    client, store, settings, rf
):
    request = rf.get("/")
    request.session = client.session
    request.session[SESSION_KEY] = {"code": store.code, "at": int(time.time())}
    assert scanned_store_get(request) == store
    request.session[SESSION_KEY]["at"] = int(time.time()) - settings.SCANNED_STORE_TTL - 1
    assert scanned_store_get(request) is None
    assert SESSION_KEY not in request.session


def test_a_tampered_session_value_is_ignored(rf, client):
    request = rf.get("/")
    request.session = client.session
    request.session[SESSION_KEY] = "sh-001"
    assert scanned_store_get(request) is None
    request.session[SESSION_KEY] = {"code": ["sh-001"], "at": "yesterday"}
    assert scanned_store_get(request) is None


@override_settings(SITE_URL="https://shop.example.cn")
def test_staff_can_download_the_qr_png_and_it_decodes(client, sku, store):
    staff = get_user_model().objects.create_user("hq", password="x", is_staff=True)
    client.force_login(staff)

    response = client.get(f"/q/{sku.code}.png", {"s": store.code})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert decode(image) == ["https://shop.example.cn/q/knit-01-2?s=sh-001"]
    assert client.get("/q/unknown.png").status_code == 404
    assert client.get(f"/q/{sku.code}.png", {"s": "nowhere"}).status_code == 404


def test_the_qr_png_is_not_for_shoppers(client, sku):
    anonymous = client.get(f"/q/{sku.code}.png")
    shopper = get_user_model().objects.create_user("shopper", password="x")
    client.force_login(shopper)
    logged_in = client.get(f"/q/{sku.code}.png")

    assert anonymous.status_code == 302 and logged_in.status_code == 302
    assert "image/png" not in (anonymous.get("Content-Type"), logged_in.get("Content-Type"))


@override_settings(SITE_URL="https://shop.example.cn")
def test_a_scanned_label_is_parsed_back_only_when_it_is_ours(sku, store):
    from catalog.qr import ScannedLabel, sku_qr_parse

    assert sku_qr_parse(sku_qr_url(sku, store)) == ScannedLabel("knit-01-2", "sh-001")
    assert sku_qr_parse(sku_qr_url(sku)) == ScannedLabel("knit-01-2", "")
    # Printed before the move to https: the host is what counts.
    assert sku_qr_parse("http://shop.example.cn/q/knit-01-2") == ScannedLabel("knit-01-2", "")
    for foreign in (
        "https://other.example/q/knit-01-2",
        "https://shop.example.cn/p/knit-01/",
        "https://shop.example.cn/q/",
        "https://shop.example.cn/q/knit-01-2.png",
        "ftp://shop.example.cn/q/knit-01-2",
        "knit-01-2",
        "http://[::1",
        "",
    ):
        assert sku_qr_parse(foreign) is None, foreign
