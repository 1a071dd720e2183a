"""Reads about stores and staff used by more than one view (store finder, back office, routing)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial

from django.db import connection, models
from django.db.models import BooleanField, FloatField, Func, QuerySet, Value
from django.db.models.functions import Cast

from o2o.geo import (
    KM_PER_DEGREE_LATITUDE,
    bounding_box,
    display_distance_km,
    format_distance,
    haversine_km,
)
from stores.models import Region, Staff, Store

# Spatial indexes (PostgreSQL GiST on the built-in geometric types; no PostGIS). Both are created
# by the migration stores/0002 with exactly these expressions: a query uses an index only when it
# repeats the indexed expression, so raw SQL elsewhere (dispatch routing) formats these templates
# with its table alias, and tests/stores/test_spatial_index.py checks the plans.
#
# A store as a point (x = longitude, y = latitude) for nearest-first (KNN, `<->`) scans.
STORE_POINT_SQL = "point({t}.longitude::float8, {t}.latitude::float8)"
# The box around a delivering store that contains its whole delivery circle, built as
# o2o.geo.bounding_box builds it: a shopper within the radius is inside the box, so
# `area @> box(point, point)` finds every store that may deliver to her, and haversine decides.
_D_LAT = f"({{t}}.delivery_radius_km::float8 / {KM_PER_DEGREE_LATITUDE!r}::float8 + 1e-06::float8)"
_D_LNG = (
    f"({{t}}.delivery_radius_km::float8 / ({KM_PER_DEGREE_LATITUDE!r}::float8 * cos(radians("
    f"least(89::float8, abs({{t}}.latitude::float8) + {_D_LAT})))) + 1e-06::float8)"
)
DELIVERY_AREA_SQL = (
    f"box(point({{t}}.longitude::float8 - {_D_LNG}, {{t}}.latitude::float8 - {_D_LAT}), "
    f"point({{t}}.longitude::float8 + {_D_LNG}, {{t}}.latitude::float8 + {_D_LAT}))"
)
# The delivery-area index covers only these stores; a query must state the same condition.
DELIVERY_AREA_CONDITION_SQL = "{t}.is_active AND {t}.delivers"

# Nearest-first: the first index scan fetches this many rows per store asked for (plus a margin),
# enough to settle a city neighbourhood in one query most of the time.
_FETCH_FACTOR, _FETCH_MARGIN = 2, 8


@dataclass(frozen=True)
class StoreDistance:
    store: Store
    distance_km: float  # haversine, used for ranking and radius checks
    origin: tuple[float, float] = field(default=(0.0, 0.0), repr=False, compare=False)

    @cached_property
    def display_km(self) -> float:
        """Geodesic, the figure shown to people; computed when read (geopy takes ~0.15 ms)."""
        return display_distance_km(*self.origin, self.store.latitude, self.store.longitude)

    @property
    def display(self) -> str:
        return format_distance(self.display_km)


def shopper_visible_stores() -> QuerySet[Store]:
    """Stores a shopper can visit: open for business, not HQ's warehouse."""
    return Store.objects.filter(is_active=True).exclude(kind=Store.Kind.WAREHOUSE)


def _sql_point(longitude, latitude) -> Func:
    return Func(longitude, latitude, function="point", output_field=FloatField())


def _store_point() -> Func:
    """STORE_POINT_SQL as an ORM expression (the same expression, so the GiST index serves it)."""
    return _sql_point(Cast("longitude", FloatField()), Cast("latitude", FloatField()))


def _inside(box: tuple[float, float, float, float]) -> Func:
    """`store point <@ box`: the store lies in (min_lat, max_lat, min_lng, max_lng)."""
    min_lat, max_lat, min_lng, max_lng = box
    corners = Func(
        _sql_point(Value(min_lng, FloatField()), Value(min_lat, FloatField())),
        _sql_point(Value(max_lng, FloatField()), Value(max_lat, FloatField())),
        function="box",
        output_field=FloatField(),
    )
    return Func(
        _store_point(),
        corners,
        template="(%(expressions)s)",
        arg_joiner=" <@ ",
        output_field=BooleanField(),
    )


@dataclass(frozen=True)
class _Candidate:
    """A store read from the index: where it is, and how to get the Store when it is kept."""

    pk: int
    latitude: float
    longitude: float
    planar: float  # flat lng/lat degrees from the query point: the index's order
    store: Callable[[], Store]


def _orm_candidates(queryset, latitude, longitude, box, fetch) -> list[_Candidate]:
    """Any queryset of stores, nearest-first through the ORM (for callers' own filters)."""
    origin = _sql_point(Value(longitude, FloatField()), Value(latitude, FloatField()))
    planar = Func(
        _store_point(),
        origin,
        template="(%(expressions)s)",
        arg_joiner=" <-> ",
        output_field=FloatField(),
    )
    rows = queryset.select_related("region")
    if box is not None:
        rows = rows.filter(_inside(box))
    rows = rows.annotate(planar=planar).order_by("planar")
    return [
        _Candidate(s.pk, float(s.latitude), float(s.longitude), s.planar, lambda s=s: s)
        for s in (rows if fetch is None else rows[:fetch])
    ]


@cache
def _loader(model):
    """Turn a raw row of `model`'s concrete columns into an instance, as the ORM would: each
    field's database converters (JSON text to a dict...) and then `Model.from_db`."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    converters = [(i, f.get_db_converters(connection)) for i, f in enumerate(fields)]
    converters = [(i, found) for i, found in converters if found]

    def load(values) -> models.Model:
        values = list(values)
        for i, functions in converters:
            for convert in functions:
                values[i] = convert(values[i], fields[i], connection)
        return model.from_db(connection.alias, names, values)

    return load


@cache
def _visible_stores_query():
    """shopper_visible_stores() with each store's region, nearest-first, written once by hand:
    building and compiling the same ORM query costs more than running it, and this is the store
    finder's and the checkout's hot path. Returns (sql template, store loader, region loader,
    where latitude and longitude are in a row)."""
    store_fields, region_fields = Store._meta.concrete_fields, Region._meta.concrete_fields
    columns = [f"s.{f.column}" for f in store_fields] + [f"r.{f.column}" for f in region_fields]
    sql = (
        f"SELECT {STORE_POINT_SQL.format(t='s')} <-> point(%(lng)s, %(lat)s), "  # noqa: S608 - names from the models
        f"{', '.join(columns)} "
        f"FROM {Store._meta.db_table} s JOIN {Region._meta.db_table} r ON r.id = s.region_id "
        f"WHERE s.is_active AND s.kind <> '{Store.Kind.WAREHOUSE}' "
        "{box} ORDER BY 1 {limit}"
    )
    names = [f.attname for f in store_fields]
    return sql, len(store_fields), names.index("latitude") + 1, names.index("longitude") + 1


def _visible_candidates(latitude, longitude, box, fetch) -> list[_Candidate]:
    sql, width, latitude_at, longitude_at = _visible_stores_query()
    params = {"lat": latitude, "lng": longitude}
    inside = limit = ""
    if box is not None:
        corners = "box(point(%(x0)s, %(y0)s), point(%(x1)s, %(y1)s))"
        inside = f"AND {STORE_POINT_SQL.format(t='s')} <@ {corners}"
        params.update(y0=box[0], y1=box[1], x0=box[2], x1=box[3])
    if fetch is not None:
        limit, params["fetch"] = "LIMIT %(fetch)s", fetch
    with connection.cursor() as cursor:
        cursor.execute(sql.format(box=inside, limit=limit), params)
        rows = cursor.fetchall()
    load_store, load_region = _loader(Store), _loader(Region)
    region_field = Store._meta.get_field("region")

    def build(row) -> Store:
        store = load_store(row[1 : 1 + width])
        region_field.set_cached_value(store, load_region(row[1 + width :]))  # as select_related
        return store

    return [
        _Candidate(
            pk=row[1],
            latitude=float(row[latitude_at]),
            longitude=float(row[longitude_at]),
            planar=row[0],
            store=partial(build, row),
        )
        for row in rows
    ]


def _planar_reach(latitude: float, longitude: float, radius_km: float) -> float:
    """How far (in flat degrees) from the point a store within `radius_km` can be at most: the
    corner of the bounding box, which holds every such store."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_km)
    d_lat = max(max_lat - latitude, latitude - min_lat)
    d_lng = max(max_lng - longitude, longitude - min_lng)
    return (d_lat * d_lat + d_lng * d_lng) ** 0.5


def stores_nearest(
    *,
    latitude: float,
    longitude: float,
    limit: int = 10,
    queryset: QuerySet[Store] | None = None,
    max_radius_km: float | None = None,
) -> list[StoreDistance]:
    """The `limit` stores of `queryset` (default: shopper-visible) nearest to a point, nearest
    first.

    A GiST index on the store's point hands out stores nearest-first on a flat longitude/latitude
    plane (KNN, `<->`); haversine then ranks them exactly. Flat degrees are not kilometres (a
    degree of longitude shrinks with latitude), so the flat order is only a guide: the first
    query reads a few more stores than asked, and their answer is final when the last one read is
    flatly further away than any store within the limit-th haversine distance can be (the corner
    of that distance's bounding box). Otherwise one more query reads every store inside that box
    (the same index, `<@`), which holds all stores at most that far. Routing passes its own
    queryset (delivering stores) and radius cap; stores beyond the cap are never returned.
    """
    if limit <= 0:
        return []
    latitude, longitude = float(latitude), float(longitude)
    if queryset is None:
        candidates = partial(_visible_candidates, latitude, longitude)
    else:
        candidates = partial(_orm_candidates, queryset, latitude, longitude)
    cap = None if max_radius_km is None else bounding_box(latitude, longitude, max_radius_km)

    def ranked(rows: list[_Candidate]) -> list[tuple[float, _Candidate]]:
        scored = [(haversine_km(latitude, longitude, c.latitude, c.longitude), c) for c in rows]
        if max_radius_km is not None:
            scored = [pair for pair in scored if pair[0] <= max_radius_km]
        scored.sort(key=lambda pair: (pair[0], pair[1].pk))
        return scored

    fetch = _FETCH_FACTOR * limit + _FETCH_MARGIN
    nearest_first = candidates(cap, fetch)
    found = ranked(nearest_first)
    if len(nearest_first) == fetch:  # more stores exist beyond those read
        if len(found) >= limit:
            reach = found[limit - 1][0]
            settled = nearest_first[-1].planar > _planar_reach(latitude, longitude, reach)
        else:  # fewer than `limit` inside the radius cap so far: read the whole capped box
            reach, settled = max_radius_km, False
        if not settled:
            found = ranked(candidates(bounding_box(latitude, longitude, reach), None))

    origin = (latitude, longitude)
    return [
        StoreDistance(store=candidate.store(), distance_km=distance, origin=origin)
        for distance, candidate in found[:limit]
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
