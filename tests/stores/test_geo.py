import math

import pytest
from geopy.distance import geodesic

from o2o.geo import (
    amap_marker_url,
    bounding_box,
    display_distance_km,
    format_distance,
    haversine_km,
    wgs84_to_gcj02,
)

PAIRS = [
    ((31.2290, 121.4480), (31.1950, 121.4370)),  # Jing'an → Xujiahui, ~4 km
    ((31.2290, 121.4480), (31.2400, 121.5050)),  # across the Huangpu
    ((23.1320, 113.3270), (22.5410, 114.0550)),  # Guangzhou → Shenzhen, ~100 km
    ((31.2290, 121.4480), (22.5330, 113.9300)),  # Shanghai → Shenzhen, ~1200 km
    ((45.7500, 126.6300), (18.2500, 109.5000)),  # Harbin → Sanya
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_haversine_agrees_with_geodesic_within_half_a_percent(a, b):
    expected = geodesic(a, b).km
    assert haversine_km(*a, *b) == pytest.approx(expected, rel=0.005)
    assert display_distance_km(*a, *b) == pytest.approx(expected, rel=1e-9)


def test_haversine_of_a_point_to_itself_is_zero():
    assert haversine_km(31.2, 121.4, 31.2, 121.4) == 0


@pytest.mark.parametrize("latitude", [0.0, 22.5, 31.2, 45.7, 60.0])
@pytest.mark.parametrize("radius_km", [0.5, 5.0, 80.0])
def test_bounding_box_contains_every_point_at_the_radius(latitude, radius_km):
    longitude = 114.0
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_km)
    # Walk the circle: 360 points exactly radius_km away (spherical destination formula).
    earth = 6371.0088
    phi1, lambda1, delta = math.radians(latitude), math.radians(longitude), radius_km / earth
    for bearing_degrees in range(360):
        theta = math.radians(bearing_degrees)
        phi2 = math.asin(
            math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
        )
        lambda2 = lambda1 + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi1),
            math.cos(delta) - math.sin(phi1) * math.sin(phi2),
        )
        lat2, lng2 = math.degrees(phi2), math.degrees(lambda2)
        assert haversine_km(latitude, longitude, lat2, lng2) == pytest.approx(radius_km)
        assert min_lat <= lat2 <= max_lat
        assert min_lng <= lng2 <= max_lng


def test_bounding_box_is_tight_enough_to_be_useful():
    min_lat, max_lat, min_lng, max_lng = bounding_box(31.2, 121.4, 5)
    # 5 km is ~0.045° of latitude and ~0.053° of longitude at Shanghai; allow a little margin.
    assert max_lat - min_lat == pytest.approx(0.0899, abs=0.001)
    assert max_lng - min_lng == pytest.approx(0.1051, abs=0.002)


@pytest.mark.parametrize(
    ("km", "text"),
    [(0.0, "10 m"), (0.849, "850 m"), (0.9996, "1.0 km"), (3.24, "3.2 km"), (12.6, "13 km")],
)
def test_format_distance(km, text):
    assert format_distance(km) == text


def test_wgs84_position_is_shifted_into_gcj02_inside_china_only():
    # Tiananmen: WGS-84 (39.908, 116.397) is (39.9094, 116.4033) on Amap.
    latitude, longitude = wgs84_to_gcj02(39.908, 116.397)
    assert latitude == pytest.approx(39.9094, abs=0.0003)
    assert longitude == pytest.approx(116.4033, abs=0.0003)
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)  # Paris: unchanged


def test_amap_marker_url_puts_longitude_first_and_encodes_the_name():
    url = amap_marker_url(31.2290, 121.4480, "静安 店&1")
    assert url.startswith("https://uri.amap.com/marker?position=121.448000,31.229000&name=")
    assert "%E9%9D%99%E5%AE%89%20%E5%BA%97%261" in url
    assert url.endswith("&coordinate=gaode")
