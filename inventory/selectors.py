"""Reads of stock used by pages, the API and (later) routing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, Sum

from inventory.models import StockLevel, Transfer, TransferLine
from o2o.geo import haversine_km
from stores.models import Store


@dataclass(frozen=True)
class StoreStock:
    """One store's available units of a SKU, with the distance from the shopper when known."""

    store: Store
    available: int
    distance_km: float | None = None


def sku_availability_nearby(
    *,
    sku,
    latitude: float | None = None,
    longitude: float | None = None,
    limit: int = 5,
    exclude_store=None,
) -> list[StoreStock]:
    """Stores that have the SKU available, nearest first from a point (附近哪家店有我的尺码).

    One query: the SKU has at most one level per store, so the candidate set is bounded by the
    number of stores holding it; distances are computed on those rows only.
    """
    levels = (
        StockLevel.objects.filter(
            sku=sku,
            on_hand__gt=F("reserved"),
            store__is_active=True,
        )
        .exclude(store__kind=Store.Kind.WAREHOUSE)
        .select_related("store")
    )
    if exclude_store is not None:
        levels = levels.exclude(store=exclude_store)
    rows = [
        StoreStock(
            store=level.store,
            available=level.available,
            distance_km=(
                haversine_km(
                    latitude, longitude, float(level.store.latitude), float(level.store.longitude)
                )
                if latitude is not None and longitude is not None
                else None
            ),
        )
        for level in levels
    ]
    if latitude is not None and longitude is not None:
        rows.sort(key=lambda row: (row.distance_km, row.store.code))
    else:
        rows.sort(key=lambda row: (-row.available, row.store.code))
    return rows[:limit]


def sku_available_at(*, sku, store) -> int:
    level = StockLevel.objects.filter(sku=sku, store=store).first()
    return level.available if level else 0


@dataclass
class BasketAvailability:
    """Availability of a basket {sku_id: quantity} at one store."""

    store: Store
    available: dict[int, int] = field(default_factory=dict)
    requested: dict[int, int] = field(default_factory=dict)

    @property
    def short_lines(self) -> dict[int, int]:
        """{sku_id: units missing} for the lines this store cannot cover."""
        return {
            sku_id: quantity - self.available.get(sku_id, 0)
            for sku_id, quantity in self.requested.items()
            if self.available.get(sku_id, 0) < quantity
        }

    @property
    def covers_all(self) -> bool:
        return not self.short_lines

    @property
    def lines_covered(self) -> int:
        return len(self.requested) - len(self.short_lines)


def basket_availability_across_stores(
    *, stores, basket: dict[int, int]
) -> list[BasketAvailability]:
    """Availability of a basket at each candidate store, in the order given (one query)."""
    stores = list(stores)
    available: dict[int, dict[int, int]] = defaultdict(dict)
    rows = StockLevel.objects.filter(
        store__in=[s.pk for s in stores], sku_id__in=list(basket)
    ).values_list("store_id", "sku_id", "on_hand", "reserved")
    for store_id, sku_id, on_hand, reserved in rows:
        available[store_id][sku_id] = on_hand - reserved
    return [
        BasketAvailability(store=store, available=available[store.pk], requested=dict(basket))
        for store in stores
    ]


def in_transit(*, store) -> dict[str, dict[int, int]]:
    """Units shipped but not yet received, seen from both ends.

    {"incoming": {sku_id: units}, "outgoing": {sku_id: units}}
    """
    shipped = TransferLine.objects.filter(transfer__state=Transfer.State.SHIPPED)
    incoming = (
        shipped.filter(transfer__to_store=store).values("sku_id").annotate(total=Sum("quantity"))
    )
    outgoing = (
        shipped.filter(transfer__from_store=store).values("sku_id").annotate(total=Sum("quantity"))
    )
    return {
        "incoming": {row["sku_id"]: row["total"] for row in incoming},
        "outgoing": {row["sku_id"]: row["total"] for row in outgoing},
    }


@dataclass
class StoreTransfers:
    """Transfers a store has to act on today: goods on their way in, and requests to send."""

    arriving: list[Transfer]
    to_ship: list[Transfer]


def store_transfers_open(*, store) -> StoreTransfers:
    """Shipped towards the store (to receive) and requested from it (to pack and ship), oldest
    first, with their lines and items: two queries however many transfers there are."""
    transfers = list(
        Transfer.objects.filter(
            Q(to_store=store, state=Transfer.State.SHIPPED)
            | Q(from_store=store, state=Transfer.State.REQUESTED)
        )
        .select_related("from_store", "to_store")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=TransferLine.objects.select_related("sku__product").order_by("id"),
            )
        )
        .order_by("created_at", "id")
    )
    return StoreTransfers(
        arriving=[t for t in transfers if t.to_store_id == store.pk],
        to_ship=[t for t in transfers if t.from_store_id == store.pk],
    )
