"""The product page's stock partial: the scanned store first, then stores nearby."""

import pytest
from django.http import HttpResponse

from catalog.scanning import scanned_store_remember
from inventory.services import stock_adjust

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(make_store):
    # Jing'an (scanned), Xujiahui (5 km), Pudong (8 km) and Guangzhou (1,200 km).
    return {
        "jingan": make_store("jingan", latitude=31.2290, longitude=121.4480),
        "xujiahui": make_store("xujiahui", latitude=31.1950, longitude=121.4370),
        "pudong": make_store("pudong", latitude=31.2400, longitude=121.5050),
        "tianhe": make_store("tianhe", latitude=23.1320, longitude=113.3270, city="广州"),
    }


def scan_in(client, store):
    response = HttpResponse()
    scanned_store_remember(response, store)
    client.cookies.update(response.cookies)


def test_lists_scanned_store_then_nearest_with_stock(client, stores, sku):
    for code, units in {"jingan": 2, "pudong": 5, "tianhe": 9}.items():
        stock_adjust(store=stores[code], sku=sku, delta=units, reason="receipt")
    scan_in(client, stores["jingan"])

    html = client.get("/stock/availability/", {"sku": sku.code}).content.decode()

    assert "Only 2 left here" in html
    assert html.index("门店 pudong") < html.index("门店 tianhe")
    assert "门店 xujiahui" not in html  # nothing in stock there


def test_shopper_position_orders_stores_by_distance(client, stores, sku):
    for code in ("pudong", "tianhe", "xujiahui"):
        stock_adjust(store=stores[code], sku=sku, delta=4, reason="receipt")

    html = client.get(
        "/stock/availability/", {"sku": sku.code, "lat": "23.13", "lng": "113.33"}
    ).content.decode()

    assert html.index("门店 tianhe") < html.index("门店 xujiahui")
    assert "Find my size nearby" not in html


def test_none_nearby_offers_ordering_online(client, stores, sku):
    scan_in(client, stores["jingan"])

    html = client.get("/stock/availability/", {"sku": sku.code}).content.decode()

    assert "Not in this store" in html and "Order online" in html


@pytest.mark.parametrize(
    "params", [{"sku": "nope"}, {"sku": ""}, {"sku": "x" * 500}, {"sku": "雪"}]
)
def test_unknown_sku_is_a_friendly_404(client, params):
    assert client.get("/stock/availability/", params).status_code == 404


def test_bad_position_is_ignored_not_an_error(client, stores, sku):
    stock_adjust(store=stores["pudong"], sku=sku, delta=1, reason="receipt")

    response = client.get("/stock/availability/", {"sku": sku.code, "lat": "nan", "lng": "x"})

    assert response.status_code == 200 and "门店 pudong" in response.content.decode()
