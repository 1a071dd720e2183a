"""Reads about stores and staff used by more than one view (store finder, back office, routing)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from o2o.geo import bounding_box, display_distance_km, format_distance, haversine_km
from stores.models import Staff, Store

# The first box is a city neighbourhood; each miss doubles it. 5 km → 10 → 20 → ... → 2560 km
# takes nine steps and then the whole table is scanned once (see stores_nearest).
INITIAL_RADIUS_KM = 5.0
# Beyond this the box spans most of China; one unbounded query is cheaper than more doubling.
WHOLE_TABLE_RADIUS_KM = 2500.0


@dataclass(frozen=True)
class StoreDistance:
    store: Store
    distance_km: float  # haversine, used for ranking and radius checks
    display_km: float  # geodesic, the figure shown to people

    @property
    def display(self) -> str:
        return format_distance(self.display_km)


def shopper_visible_stores() -> QuerySet[Store]:
    """Stores a shopper can visit: open for business, not HQ's warehouse."""
    return Store.objects.filter(is_active=True).exclude(kind=Store.Kind.WAREHOUSE)


def stores_nearest(
    *,
    latitude: float,
    longitude: float,
    limit: int = 10,
    queryset: QuerySet[Store] | None = None,
    max_radius_km: float | None = None,
) -> list[StoreDistance]:
    """The `limit` stores of `queryset` nearest to a point, nearest first.

    Uses the (latitude, longitude) index: a bounding box that starts small and doubles until the
    circle inside it holds `limit` stores, the radius cap is reached, or the whole table has been
    read. Only stores inside the circle count, not those in the box's corners: a corner store
    may be further away than a store just outside the box, while every store nearer than one
    inside the circle is inside the circle too. Exact haversine ranking happens in Python on the
    few candidates. Routing passes its own queryset (delivering stores) and radius cap; stores
    beyond the cap are never returned.
    """
    if limit <= 0:
        return []
    latitude, longitude = float(latitude), float(longitude)
    queryset = (shopper_visible_stores() if queryset is None else queryset).select_related("region")

    def ranked(candidates) -> list[tuple[float, Store]]:
        scored = [
            (haversine_km(latitude, longitude, float(s.latitude), float(s.longitude)), s)
            for s in candidates
        ]
        scored.sort(key=lambda pair: (pair[0], pair[1].pk))
        return scored

    def within(radius_km: float) -> list[tuple[float, Store]]:
        min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_km)
        boxed = queryset.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lng,
            longitude__lte=max_lng,
        )
        return [pair for pair in ranked(boxed) if pair[0] <= radius_km]

    radius = INITIAL_RADIUS_KM if max_radius_km is None else min(INITIAL_RADIUS_KM, max_radius_km)
    while True:
        if max_radius_km is None and radius >= WHOLE_TABLE_RADIUS_KM:
            found = ranked(queryset)
            break
        found = within(radius)
        if len(found) >= limit:
            # Everything nearer than the limit-th store of the circle is in the circle too.
            break
        if max_radius_km is not None and radius >= max_radius_km:
            break
        radius = radius * 2 if max_radius_km is None else min(radius * 2, max_radius_km)

    return [
        StoreDistance(
            store=store,
            distance_km=distance,
            display_km=display_distance_km(latitude, longitude, store.latitude, store.longitude),
        )
        for distance, store in found[:limit]
    ]


def stores_in_city(city: str, district: str | None = None) -> list[Store]:
    """Shopper-visible stores of a city (and district), for the manual picker."""
    stores = shopper_visible_stores().filter(city=city).select_related("region")
    if district:
        stores = stores.filter(district=district)
    return list(stores.order_by("district", "name"))


def cities_with_districts() -> dict[str, list[str]]:
    """{city: [district, ...]} over shopper-visible stores, both sorted; one query."""
    pairs = (
        shopper_visible_stores()
        .order_by("city", "district")
        .values_list("city", "district")
        .distinct()
    )
    cities: dict[str, list[str]] = {}
    for city, district in pairs:
        districts = cities.setdefault(city, [])
        if district:
            districts.append(district)
    return cities


ROLE_ORDER = {Staff.Role.HQ: 0, Staff.Role.MANAGER: 1, Staff.Role.CLERK: 2}


def store_team(store: Store) -> list[Staff]:
    """Active staff of a store, HQ and manager before clerks, for the back-office home."""
    team = list(Staff.objects.filter(store=store, is_active=True).select_related("user"))
    team.sort(key=lambda member: (ROLE_ORDER.get(member.role, 9), member.staff_code))
    return team
