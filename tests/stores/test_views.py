from decimal import Decimal

import pytest
from django.urls import reverse

from tests.stores.factories import StoreFactory

pytestmark = pytest.mark.django_db

NEARBY = reverse("stores:nearby")


@pytest.fixture
def stores():
    """Given four visible stores (two cities) and two that shoppers must not see."""
    return [
        StoreFactory(code="sh-far", name="上海徐家汇店", district="徐汇区",
                     latitude=Decimal("31.195000"), longitude=Decimal("121.437000")),
        StoreFactory(code="sh-near", name="上海静安店", district="静安区",
                     latitude=Decimal("31.230000"), longitude=Decimal("121.449000"),
                     phone="021-61234567"),
        StoreFactory(code="sh-mid", name="上海新天地店", district="黄浦区",
                     latitude=Decimal("31.219000"), longitude=Decimal("121.474000")),
        StoreFactory(code="gz", name="广州天河店", city="广州", district="天河区",
                     latitude=Decimal("23.132000"), longitude=Decimal("113.327000")),
        StoreFactory(code="gone", name="已关闭店", is_active=False),
        StoreFactory(code="wh", name="总部仓库", warehouse=True),
    ]  # fmt: skip


def listed_codes(response):
    html = response.content.decode()
    found = []
    for part in html.split('data-store-code="')[1:]:
        found.append(part.split('"', 1)[0])
    return found


def test_finder_page_renders_with_the_city_picker(client, stores):
    response = client.get(reverse("stores:finder"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="city-picker"' in html
    assert 'hx-get="/stores/nearby/"' in html
    assert '<option value="上海">' in html and '<option value="广州">' in html
    assert 'id="finder-cities"' in html  # districts as JSON, for the dependent select
    assert response.context["cities"] == {
        "上海": ["徐汇区", "静安区", "黄浦区"],
        "广州": ["天河区"],
    }


def test_nearby_lists_nearest_first_with_distance_hours_and_links(client, stores):
    response = client.get(NEARBY, {"lat": "31.2290", "lng": "121.4480"})

    assert response.status_code == 200
    assert listed_codes(response) == ["sh-near", "sh-mid", "sh-far", "gz"]
    html = response.content.decode()
    assert "已关闭店" not in html and "总部仓库" not in html
    assert 'href="tel:021-61234567"' in html
    assert "https://uri.amap.com/marker?position=121.449000,31.230000" in html
    assert 'data-lat="31.230000"' in html
    assert " m</span>" in html  # the nearest is a few hundred metres away
    assert "10:00–22:00" in html


def test_browser_gps_positions_are_shifted_to_gcj02(client, stores):
    # A WGS-84 fix ~500 m south-west of its GCJ-02 point still finds the same neighbourhood.
    response = client.get(NEARBY, {"lat": "31.2310", "lng": "121.4446", "coords": "wgs84"})
    assert response.status_code == 200
    assert listed_codes(response)[0] == "sh-near"


def test_city_and_district_picker(client, stores):
    by_city = client.get(NEARBY, {"city": "上海"})
    by_district = client.get(NEARBY, {"city": "上海", "district": "黄浦区"})
    other_city = client.get(NEARBY, {"city": "广州", "district": ""})

    assert sorted(listed_codes(by_city)) == ["sh-far", "sh-mid", "sh-near"]
    assert listed_codes(by_district) == ["sh-mid"]
    assert listed_codes(other_city) == ["gz"]
    assert "km" not in by_city.content.decode()  # no distance without a location


def test_unknown_city_says_so(client, stores):
    response = client.get(NEARBY, {"city": "拉萨"})
    assert response.status_code == 200
    assert listed_codes(response) == []
    assert 'class="empty"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lng": "121.4"},
        {"lat": "31.2"},
        {"lat": "91", "lng": "121.4"},
        {"lat": "31.2", "lng": "-181"},
        {"lat": "nan", "lng": "121.4"},
        {"lat": "inf", "lng": "121.4"},
        {"lat": "", "lng": ""},
        {},
    ],
)
def test_bad_input_gets_a_friendly_400(client, stores, params):
    response = client.get(NEARBY, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Traceback" not in html
    assert listed_codes(response) == []


def test_query_counts_are_pinned(client, stores, django_assert_max_num_queries):
    # Enough stores in the first 5 km box: one query for the list, whatever the store count.
    for index in range(15):
        StoreFactory(latitude=Decimal("31.2290") + Decimal(index) / 1000)
    with django_assert_max_num_queries(1):
        response = client.get(NEARBY, {"lat": "31.2290", "lng": "121.4480"})
    assert len(listed_codes(response)) == 10
    with django_assert_max_num_queries(1):
        client.get(NEARBY, {"city": "上海"})
    with django_assert_max_num_queries(1):
        client.get(reverse("stores:finder"))
