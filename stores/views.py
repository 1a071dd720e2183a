"""Store finder (shopper H5): nearest stores by location, or by city and district."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from o2o.geo import amap_marker_url, position_from_query
from o2o.security_headers import allows_wechat_jssdk
from stores.selectors import (
    cities_with_districts,
    stores_in_city,
    stores_nearest,
)

FINDER_LIMIT = 10


@require_GET
@allows_wechat_jssdk
def finder(request):
    return render(request, "stores/finder.html", {"cities": cities_with_districts()})


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
    try:
        position = position_from_query(request.GET)
    except ValueError:
        context["error"] = _("We could not read your location. Please pick a city instead.")
        return render(request, "stores/_store_list.html", context, status=400)
    if position is not None:
        found = stores_nearest(latitude=position[0], longitude=position[1], limit=FINDER_LIMIT)
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
