"""Reads for routing and for HQ's and the stores' views of dispatch.

Routing reads stores and stock in single set-based queries on the spatial indexes of
stores/0002 (the expressions come from stores.selectors, so the indexes serve them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from dispatch.models import Delivery, Dispatch, DispatchOffer
from inventory.models import Reservation, StockLevel
from o2o.geo import haversine_km
from stores.models import Store
from stores.selectors import DELIVERY_AREA_CONDITION_SQL, DELIVERY_AREA_SQL, STORE_POINT_SQL

STORE_TABLE, LEVEL_TABLE = Store._meta.db_table, StockLevel._meta.db_table

# Every active delivering store whose delivery area holds the point: one probe of the
# delivery-area index.
_COVERING_STORES_SQL = f"""
SELECT s.id, s.code, s.latitude::float8, s.longitude::float8, s.delivery_radius_km::float8,
       s.opening_hours
FROM {STORE_TABLE} s
WHERE {DELIVERY_AREA_CONDITION_SQL.format(t="s")} AND s.kind <> %(warehouse)s
  AND {DELIVERY_AREA_SQL.format(t="s")} @> box(point(%(lng)s, %(lat)s), point(%(lng)s, %(lat)s))
"""  # noqa: S608 - table names and expressions are constants

# The available units of some SKUs at some stores (the unique (store, sku) index).
_STOCK_SQL = f"""
SELECT store_id, sku_id, on_hand - reserved FROM {LEVEL_TABLE}
WHERE store_id = ANY(%(stores)s) AND sku_id = ANY(%(skus)s)
"""  # noqa: S608 - table names are constants

_WAREHOUSES_SQL = f"""
SELECT s.id, s.code, s.latitude::float8, s.longitude::float8, 0::float8, s.opening_hours
FROM {STORE_TABLE} s
WHERE s.is_active AND s.kind = %(warehouse)s
"""  # noqa: S608 - table names are constants

# For each missing line, the few stores nearest to the delivering store that hold it: the point
# index hands stores out nearest-first and the stock level is checked on the way.
_TRANSFER_SOURCES_SQL = f"""
SELECT m.sku_id, src.id, src.code, src.lat, src.lng, src.available
FROM unnest(%(skus)s::bigint[], %(quantities)s::int[]) AS m(sku_id, quantity)
CROSS JOIN LATERAL (
    SELECT s.id, s.code, s.latitude::float8 AS lat, s.longitude::float8 AS lng,
           l.on_hand - l.reserved AS available
    FROM {STORE_TABLE} s JOIN {LEVEL_TABLE} l ON l.store_id = s.id AND l.sku_id = m.sku_id
    WHERE s.is_active AND s.id <> %(exclude)s AND l.on_hand - l.reserved >= m.quantity
    ORDER BY {STORE_POINT_SQL.format(t="s")} <-> point(%(lng)s, %(lat)s)
    LIMIT %(per_line)s
) src
"""  # noqa: S608 - table names and expressions are constants


@dataclass
class StoreStock:
    """A store seen by routing: where it is, how far, and (once read) what it has of the
    basket."""

    store_id: int
    code: str
    latitude: float
    longitude: float
    radius_km: float
    opening_hours: dict | str
    distance_km: float = 0.0
    stock: dict[int, int] | None = None  # sku_id → available units; None: not read
    covers: frozenset[int] = field(default_factory=frozenset)

    def hours(self) -> dict:
        if isinstance(self.opening_hours, str):
            self.opening_hours = json.loads(self.opening_hours)
        return self.opening_hours


def _stores_at(rows, latitude, longitude) -> list[StoreStock]:
    found = [
        StoreStock(
            store_id=store_id,
            code=code,
            latitude=lat,
            longitude=lng,
            radius_km=radius,
            opening_hours=hours,
            distance_km=haversine_km(latitude, longitude, lat, lng),
        )
        for store_id, code, lat, lng, radius, hours in rows
    ]
    found.sort(key=lambda s: (s.distance_km, s.store_id))
    return found


def stores_covering_point(*, latitude: float, longitude: float) -> list[StoreStock]:
    """Active delivering stores (not warehouses) whose delivery radius reaches the point,
    nearest first; their stock is read separately (stock_read), for as few as needed."""
    params = {"lat": latitude, "lng": longitude, "warehouse": Store.Kind.WAREHOUSE}
    with connection.cursor() as cursor:
        cursor.execute(_COVERING_STORES_SQL, params)
        rows = cursor.fetchall()
    # The area box holds the circle; haversine decides (a box corner is beyond the radius).
    return [s for s in _stores_at(rows, latitude, longitude) if s.distance_km <= s.radius_km]


def stock_read(stores: list[StoreStock], lines: dict[int, int]) -> None:
    """Fill in `stock` and `covers` (the lines each store has in full) in one query."""
    unread = [s for s in stores if s.stock is None]
    if not unread:
        return
    params = {"stores": [s.store_id for s in unread], "skus": list(lines)}
    with connection.cursor() as cursor:
        cursor.execute(_STOCK_SQL, params)
        rows = cursor.fetchall()
    for store in unread:
        store.stock = {}
    by_id = {s.store_id: s for s in unread}
    for store_id, sku_id, available in rows:
        by_id[store_id].stock[sku_id] = available
    for store in unread:
        store.covers = frozenset(
            sku for sku, quantity in lines.items() if store.stock.get(sku, 0) >= quantity
        )


def warehouses_with_stock(
    *, latitude: float, longitude: float, lines: dict[int, int]
) -> list[StoreStock]:
    """Active HQ warehouses, nearest first, with their available stock of `lines`."""
    with connection.cursor() as cursor:
        cursor.execute(_WAREHOUSES_SQL, {"warehouse": Store.Kind.WAREHOUSE})
        rows = cursor.fetchall()
    warehouses = _stores_at(rows, latitude, longitude)
    stock_read(warehouses, lines)
    return warehouses


@dataclass(frozen=True)
class TransferSource:
    sku_id: int
    quantity: int
    store_id: int
    code: str
    distance_km: float
    available: int


def transfer_sources(
    *,
    latitude: float,
    longitude: float,
    lines: dict[int, int],
    exclude_store_id: int,
    per_line: int = 5,
) -> dict[int, TransferSource]:
    """For each line {sku_id: quantity}, the nearest active store to the point (the delivering
    store) that has the quantity available, other than `exclude_store_id`. Lines no store holds
    are absent. The index ranks on flat degrees; the `per_line` nearest are re-ranked by
    haversine."""
    if not lines:
        return {}
    params = {
        "skus": list(lines),
        "quantities": list(lines.values()),
        "exclude": exclude_store_id,
        "lat": latitude,
        "lng": longitude,
        "per_line": per_line,
    }
    with connection.cursor() as cursor:
        cursor.execute(_TRANSFER_SOURCES_SQL, params)
        rows = cursor.fetchall()
    best: dict[int, TransferSource] = {}
    for sku_id, store_id, code, lat, lng, available in rows:
        source = TransferSource(
            sku_id=sku_id,
            quantity=lines[sku_id],
            store_id=store_id,
            code=code,
            distance_km=haversine_km(latitude, longitude, lat, lng),
            available=available,
        )
        current = best.get(sku_id)
        if current is None or (source.distance_km, source.store_id) < (
            current.distance_km,
            current.store_id,
        ):
            best[sku_id] = source
    return best


def store_coverage(*, store: Store, lines: dict[int, int], owner: str) -> set[int]:
    """The SKUs of `lines` a store can deliver from its own stock, counting the units already
    reserved there for `owner` (the order) as its own."""
    held: dict[int, int] = {}
    for sku_id, quantity in Reservation.objects.filter(
        owner=owner, state=Reservation.State.ACTIVE, store=store
    ).values_list("sku_id", "quantity"):
        held[sku_id] = held.get(sku_id, 0) + quantity
    levels = StockLevel.objects.filter(store=store, sku_id__in=list(lines)).values_list(
        "sku_id", "on_hand", "reserved"
    )
    return {
        sku_id
        for sku_id, on_hand, reserved in levels
        if on_hand - reserved + held.get(sku_id, 0) >= lines[sku_id]
    }


# --- HQ and stores -----------------------------------------------------------------------------


def _current_store_code():
    return Subquery(
        DispatchOffer.objects.filter(
            dispatch=OuterRef("pk"),
            status__in=[DispatchOffer.Status.OFFERED, DispatchOffer.Status.ACCEPTED],
        ).values("store__code")[:1]
    )


def dispatches_with_current_store() -> QuerySet[Dispatch]:
    """Dispatch records with the store holding the order now (offered or accepted) and the
    number of offers so far, for HQ's list."""
    return (
        Dispatch.objects.select_related("order", "decision")
        .annotate(current_store=_current_store_code(), offer_count=Count("offers"))
        .order_by("-created_at", "-id")
    )


def dispatch_queue() -> QuerySet[Dispatch]:
    """Orders waiting for HQ: every candidate store declined or let the deadline pass."""
    return (
        Dispatch.objects.filter(state=Dispatch.State.QUEUED)
        .select_related("order", "decision")
        .order_by("updated_at", "id")
    )


def offers_open_for_store(store: Store) -> QuerySet[DispatchOffer]:
    """Live offers a store should answer, soonest deadline first (for its back office)."""
    return (
        DispatchOffer.objects.filter(store=store, status=DispatchOffer.Status.OFFERED)
        .select_related("order")
        .order_by("deadline", "id")
    )


@dataclass(frozen=True)
class ResponseSummary:
    offers: int
    answered: int
    within_target: int
    expired: int
    target_minutes: int

    @property
    def within_target_share(self) -> float | None:
        """Of the offers that ended (answered or expired), the share answered in time."""
        ended = self.answered + self.expired
        return self.within_target / ended if ended else None


def offer_response_summary(
    *, since: datetime, until: datetime, target_minutes: int, store: Store | None = None
) -> ResponseSummary:
    """How fast stores answered the offers made in [since, until): answered at all, answered
    within the response target (HQ's setting, shorter than the accept deadline), expired."""
    offers = DispatchOffer.objects.filter(created_at__gte=since, created_at__lt=until).exclude(
        basis=DispatchOffer.Basis.HQ_ASSIGNMENT
    )
    if store is not None:
        offers = offers.filter(store=store)
    answered = Q(status__in=[DispatchOffer.Status.ACCEPTED, DispatchOffer.Status.DECLINED])
    counts = offers.aggregate(
        offers=Count("pk"),
        answered=Count("pk", filter=answered),
        within_target=Count(
            "pk",
            filter=answered
            & Q(responded_at__lte=F("created_at") + timedelta(minutes=target_minutes)),
        ),
        expired=Count("pk", filter=Q(status=DispatchOffer.Status.EXPIRED)),
    )
    return ResponseSummary(target_minutes=target_minutes, **counts)


# ---- delivery by store staff -------------------------------------------------------------------

DELIVERY_OPEN_STATUSES = ["accepted", "packed", "out_for_delivery"]


def store_deliveries(store: Store):
    """The store's accepted delivery orders still to deliver, oldest accepted first."""
    return (
        Delivery.objects.filter(store=store, order__status__in=DELIVERY_OPEN_STATUSES)
        .select_related("order__member", "courier")
        .prefetch_related("order__lines")
        .order_by("accepted_at", "id")
    )


def store_deliveries_done(store: Store, *, limit: int = 10):
    return (
        Delivery.objects.filter(store=store, delivered_at__isnull=False)
        .select_related("order", "courier")
        .order_by("-delivered_at", "-id")[:limit]
    )


def fulfilled_for_store(store: Store, *, limit: int = 20):
    """Orders credited to `store` (its customers) that another store delivered: the home store
    sees them as "fulfilled for you by …" (DESIGN §4 "Attribution")."""
    return (
        Delivery.objects.filter(order__credited_store=store)
        .exclude(store=store)
        .select_related("order", "store")
        .order_by("-accepted_at", "-id")[:limit]
    )
