"""The product page's stock partial: "附近哪家店有我的尺码"."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.scanning import scanned_store_get
from catalog.selectors import sku_for_scan_get
from inventory.selectors import sku_availability_nearby, sku_available_at
from o2o.geo import format_distance, haversine_km, position_from_query

NEARBY_LIMIT = 5


@require_GET
def availability(request):
    """Availability of one SKU: in the store the shopper scanned in, then in nearby stores.

    Nearby is measured from the shopper's position when the page sent one (?lat=&lng=), else
    from the scanned store. With neither, the stores holding the most are listed.
    """
    sku = sku_for_scan_get(code=request.GET.get("sku", ""))
    if sku is None or not (sku.is_active and sku.product.is_active):
        return render(request, "inventory/_availability.html", {"sku": None}, status=404)
    try:
        position = position_from_query(request.GET)
    except ValueError:
        position = None
    scanned = scanned_store_get(request)
    origin = position or ((float(scanned.latitude), float(scanned.longitude)) if scanned else None)
    nearby = sku_availability_nearby(
        sku=sku,
        latitude=origin[0] if origin else None,
        longitude=origin[1] if origin else None,
        limit=NEARBY_LIMIT,
        exclude_store=scanned,
    )
    context = {
        "sku": sku,
        "scanned_store": scanned,
        "here": sku_available_at(sku=sku, store=scanned) if scanned else None,
        "nearby": [
            {
                "store": row.store,
                "available": row.available,
                "distance": format_distance(row.distance_km) if row.distance_km is not None else "",
            }
            for row in nearby
        ],
        "located": position is not None,
    }
    if position and scanned:
        context["scanned_distance"] = format_distance(
            haversine_km(*position, float(scanned.latitude), float(scanned.longitude))
        )
    return render(request, "inventory/_availability.html", context)
