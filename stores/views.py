"""Store finder (shopper H5): nearest stores by location, or by city and district."""

import math

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from o2o.geo import amap_marker_url, wgs84_to_gcj02
from stores.selectors import (
    cities_with_districts,
    stores_in_city,
    stores_nearest,
)

FINDER_LIMIT = 10


@require_GET
def finder(request):
    return render(request, "stores/finder.html", {"cities": cities_with_districts()})


def _coordinate(raw: str | None, bound: float) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or abs(value) > bound:
        return None
    return value


def _card(store, now, distance: str = "") -> dict:
    """What a store card shows; hours and "open now" are computed here, not in the template."""
    return {
        "store": store,
        "distance": distance,
        "map_url": amap_marker_url(store.latitude, store.longitude, store.name),
        "hours": store.hours_on(now),
        "open_now": store.is_open_at(now),
    }


@require_GET
def nearby(request):
    """The store list partial: ?lat=&lng= (nearest first) or ?city=&district= (by name).

    `coords=wgs84` marks a browser GPS position (navigator.geolocation); without it the
    position is GCJ-02, as WeChat's wx.getLocation(type "gcj02") gives it.
    """
    now = timezone.localtime()
    context = {"cards": [], "error": "", "mode": ""}
    status = 200
    if "lat" in request.GET or "lng" in request.GET:
        latitude = _coordinate(request.GET.get("lat"), 90)
        longitude = _coordinate(request.GET.get("lng"), 180)
        if latitude is None or longitude is None:
            context["error"] = _("We could not read your location. Please pick a city instead.")
            status = 400
        else:
            # wx.getLocation answers in GCJ-02 like our stores; a browser's GPS answers in WGS-84.
            if request.GET.get("coords") == "wgs84":
                latitude, longitude = wgs84_to_gcj02(latitude, longitude)
            found = stores_nearest(latitude=latitude, longitude=longitude, limit=FINDER_LIMIT)
            context.update(
                mode="nearby", cards=[_card(item.store, now, item.display) for item in found]
            )
    elif request.GET.get("city"):
        city = request.GET["city"].strip()[:32]
        district = request.GET.get("district", "").strip()[:32] or None
        stores = stores_in_city(city, district)
        context.update(mode="city", cards=[_card(store, now) for store in stores])
    else:
        context["error"] = _("Please pick a city.")
        status = 400
    return render(request, "stores/_store_list.html", context, status=status)
