"""Distances between GCJ-02 coordinates (DESIGN §4).

Haversine (a sphere) ranks and filters: it is pure arithmetic and fast enough to run over thousands
of candidates. Geopy's geodesic (the WGS-84 ellipsoid) is what a shopper reads on screen; the two
differ by well under 0.5 % at city scale. GCJ-02 is offset from WGS-84 by a few hundred metres at
most, the same for points close together, so distances between GCJ-02 points are still correct to
within metres.
"""

import math
from urllib.parse import quote, urlencode

from geopy.distance import geodesic

from o2o.parsing import finite_float

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), the usual haversine constant
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180
# Coordinates are stored with six decimals and box bounds are rounded to them in SQL; one unit of
# the last place (~0.1 m) keeps a point lying exactly on the circle inside the box.
_BOX_PADDING_DEGREES = 1e-6


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres on a sphere of the mean Earth radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) of a box that contains every point within radius_km.

    A degree of longitude shrinks with cos(latitude); the box uses the latitude of its edge
    nearest a pole, where the degree is shortest, so no point inside the circle falls outside it.
    Near the poles the box widens to every longitude. Crossing the 180th meridian is not handled:
    the chain's stores are in mainland China.
    """
    d_lat = radius_km / KM_PER_DEGREE_LATITUDE + _BOX_PADDING_DEGREES
    min_lat, max_lat = max(-90.0, lat - d_lat), min(90.0, lat + d_lat)
    widest = max(abs(min_lat), abs(max_lat))
    cos_lat = math.cos(math.radians(widest))
    if cos_lat < 1e-6:
        return min_lat, max_lat, -180.0, 180.0
    d_lng = radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat) + _BOX_PADDING_DEGREES
    if d_lng >= 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, max(-180.0, lng - d_lng), min(180.0, lng + d_lng)


def display_distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance shown to people, in kilometres, on the WGS-84 ellipsoid (geopy's geodesic)."""
    return geodesic((float(lat1), float(lng1)), (float(lat2), float(lng2))).km


def format_distance(km: float | None) -> str:
    """850 m below one kilometre, then 3.2 km; 12 km from ten kilometres on (no false precision)."""
    if km is None:
        return ""
    if km < 1:
        metres = max(10, int(round(km * 1000, -1)))  # to the nearest 10 m; never "0 m"
        if metres < 1000:
            return f"{metres} m"
        km = 1.0
    if km < 10:
        return f"{km:.1f} km"
    return f"{km:.0f} km"


def amap_marker_url(latitude, longitude, name: str = "") -> str:
    """A link that opens Amap (GCJ-02, "gaode") with a marker, in a browser or Amap's app."""
    query = urlencode(
        {"position": f"{float(longitude):.6f},{float(latitude):.6f}", "name": name},
        quote_via=quote,
        safe=",",
    )
    return f"https://uri.amap.com/marker?{query}&coordinate=gaode"


# GCJ-02 is WGS-84 shifted by a published obfuscation (Krasovsky-1940 ellipsoid parameters).
# Phones' GPS (the browser's navigator.geolocation) report WGS-84; stores are stored in GCJ-02,
# so a browser position is shifted before ranking; otherwise it is off by up to ~600 m in China.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def _outside_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in GCJ-02 for a WGS-84 position; unchanged outside mainland China."""
    if _outside_china(lat, lng):
        return lat, lng
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lng + d_lng


def position_from_query(params) -> tuple[float, float] | None:
    """A shopper's position from ?lat=&lng= (GCJ-02), or None when neither is given.

    `coords=wgs84` marks a browser GPS position (navigator.geolocation), converted here; WeChat's
    wx.getLocation (type "gcj02") already answers in our system. Raises ValueError for a position
    that is not a pair of finite coordinates in range.
    """
    if "lat" not in params and "lng" not in params:
        return None
    latitude = finite_float(params.get("lat"), minimum=-90, maximum=90)
    longitude = finite_float(params.get("lng"), minimum=-180, maximum=180)
    if latitude is None or longitude is None:
        raise ValueError("not a position: two finite coordinates in range are needed")
    if params.get("coords") == "wgs84":
        latitude, longitude = wgs84_to_gcj02(latitude, longitude)
    return latitude, longitude
