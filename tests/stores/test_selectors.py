from decimal import Decimal

import pytest

from stores.models import Store
from stores.selectors import (
    cities_with_districts,
    stores_in_city,
    stores_nearest,
)
from tests.stores.factories import StoreFactory

pytestmark = pytest.mark.django_db

JING_AN = (31.2290, 121.4480)


def store_at(code, latitude, longitude, **fields):
    return StoreFactory(
        code=code, latitude=Decimal(str(latitude)), longitude=Decimal(str(longitude)), **fields
    )


@pytest.fixture
def shanghai():
    """Given stores at known distances from Jing'an (the query point)."""
    return {
        "jingan": store_at("jingan", 31.2300, 121.4490),  # ~0.15 km
        "xintiandi": store_at("xintiandi", 31.2190, 121.4740),  # ~2.7 km
        "xujiahui": store_at("xujiahui", 31.1950, 121.4370),  # ~3.9 km
        "lujiazui": store_at("lujiazui", 31.2400, 121.5050),  # ~5.6 km
        "qibao": store_at("qibao", 31.1580, 121.3530),  # ~12 km
    }


def codes(results):
    return [item.store.code for item in results]


def test_nearest_stores_come_first_in_distance_order(shanghai):
    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1])

    assert codes(results) == ["jingan", "xintiandi", "xujiahui", "lujiazui", "qibao"]
    distances = [item.distance_km for item in results]
    assert distances == sorted(distances)
    assert results[0].distance_km < 0.2
    assert results[0].display.endswith(" m")
    assert results[2].display == "3.9 km"


def test_limit_cuts_the_list(shanghai):
    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=2)
    assert codes(results) == ["jingan", "xintiandi"]


def test_inactive_stores_and_the_warehouse_are_not_listed(shanghai):
    store_at("closed", 31.2291, 121.4481, is_active=False)
    store_at("hq-wh", 31.2292, 121.4482, warehouse=True)

    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1])

    assert "closed" not in codes(results)
    assert "hq-wh" not in codes(results)
    assert codes(results)[0] == "jingan"


def test_doubling_radius_finds_stores_in_other_cities(shanghai):
    # Given a shopper in Shenzhen with no store within a few hundred kilometres but Shanghai's,
    shenzhen = (22.5410, 114.0550)
    results = stores_nearest(latitude=shenzhen[0], longitude=shenzhen[1], limit=3)
    # then the search widens until it reaches Shanghai (~1200 km) and still orders by distance.
    assert len(results) == 3
    assert results[0].distance_km > 1000
    assert [r.distance_km for r in results] == sorted(r.distance_km for r in results)


def test_a_store_in_the_box_corner_does_not_hide_a_nearer_one_outside_the_box():
    # Given one store just inside the first box's corner (~6.9 km away, outside the 5 km circle)
    # and one due north at 6 km (outside the first box),
    store_at("corner", JING_AN[0] + 0.0449, JING_AN[1] + 0.0525)
    store_at("north", JING_AN[0] + 0.0540, JING_AN[1])
    # when asking for the single nearest store,
    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=1)
    # then it is the nearer one, not the first one the box happened to catch.
    assert codes(results) == ["north"]


def test_max_radius_caps_the_search(shanghai):
    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=10, max_radius_km=4.0)
    assert codes(results) == ["jingan", "xintiandi", "xujiahui"]


def test_custom_queryset_for_routing(shanghai):
    Store.objects.filter(code="jingan").update(delivers=False)
    delivering = Store.objects.filter(is_active=True, delivers=True)

    results = stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], queryset=delivering)

    assert codes(results)[0] == "xintiandi"


def test_nearest_on_an_empty_table_is_empty():
    assert stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1]) == []


def test_nearest_runs_few_queries(shanghai, django_assert_max_num_queries):
    # One query per doubling step at most (5 km → whole table), never one per store.
    with django_assert_max_num_queries(10):
        stores_nearest(latitude=22.5410, longitude=114.0550, limit=3)
    with django_assert_max_num_queries(1):
        stores_nearest(latitude=JING_AN[0], longitude=JING_AN[1], limit=1)


def test_stores_in_city_and_district():
    store_at("a", 31.23, 121.45, city="上海", district="静安区", name="B store")
    store_at("b", 31.20, 121.44, city="上海", district="徐汇区")
    store_at("c", 23.13, 113.33, city="广州", district="天河区")
    store_at("d", 31.23, 121.45, city="上海", district="静安区", is_active=False)
    store_at("e", 31.35, 121.25, city="上海", district="嘉定区", warehouse=True)

    assert {s.code for s in stores_in_city("上海")} == {"a", "b"}
    assert [s.code for s in stores_in_city("上海", "静安区")] == ["a"]
    assert stores_in_city("北京") == []
    assert cities_with_districts() == {"上海": ["徐汇区", "静安区"], "广州": ["天河区"]}
