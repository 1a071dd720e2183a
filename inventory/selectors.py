"""Reads of stock used by pages, the API and (later) routing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import SKU
from inventory.models import (
    ReplenishmentPolicy,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from o2o.geo import haversine_km
from stores.models import Store

# Transfers still moving: a request holds units at the source, a shipment is on the road.
OPEN_TRANSFER_STATES = [Transfer.State.REQUESTED, Transfer.State.SHIPPED]
# How long closed transfers stay on a store's list.
RECENT_TRANSFER_DAYS = 14


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


# ---- the store's stock room (back office) -------------------------------------------------------


def sku_stock_search(*, store, query: str, limit: int = 20) -> list[SKU]:
    """Active SKUs by product name, product or SKU code, or barcode, with the store's numbers
    (`on_hand` and `available`, None when the store never stocked the SKU); one query."""
    query = (query or "").strip()
    if not query:
        return []
    level = StockLevel.objects.filter(store=store, sku=OuterRef("pk"))
    return list(
        SKU.objects.filter(is_active=True, product__is_active=True)
        .filter(
            Q(product__name__icontains=query)
            | Q(product__code__iexact=query)
            | Q(code__iexact=query)
            | Q(barcode=query)
        )
        .select_related("product")
        .annotate(
            on_hand=Subquery(level.values("on_hand")[:1]),
            available=Subquery(
                level.annotate(free=F("on_hand") - F("reserved")).values("free")[:1]
            ),
        )
        .order_by("product__name", "color", "size", "id")[:limit]
    )


@dataclass(frozen=True)
class StoreSkuStock:
    """One SKU in one store, as the stock room shows it."""

    on_hand: int = 0
    reserved: int = 0
    incoming: int = 0  # requested or shipped to the store, not received yet

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def sku_stock_at_store(*, sku, store) -> StoreSkuStock:
    """The store's numbers for a SKU and what is on its way there (two queries)."""
    level = StockLevel.objects.filter(store=store, sku=sku).values("on_hand", "reserved").first()
    incoming = TransferLine.objects.filter(
        sku=sku, transfer__to_store=store, transfer__state__in=OPEN_TRANSFER_STATES
    ).aggregate(units=Sum("quantity"))["units"]
    return StoreSkuStock(**(level or {}), incoming=incoming or 0)


def _transfers_with_lines():
    return Transfer.objects.select_related(
        "from_store", "to_store", "requested_by"
    ).prefetch_related(
        Prefetch(
            "lines", queryset=TransferLine.objects.select_related("sku__product").order_by("id")
        )
    )


@dataclass
class StoreTransferLists:
    """A store's transfers by what it has to do about them."""

    to_ship: list[Transfer] = field(default_factory=list)  # others asked us: pack and ship
    arriving: list[Transfer] = field(default_factory=list)  # shipped to us: count and receive
    asked: list[Transfer] = field(default_factory=list)  # we asked; the other store ships
    sent: list[Transfer] = field(default_factory=list)  # we shipped; on the way to them
    recent: list[Transfer] = field(default_factory=list)  # received or cancelled lately


def store_transfers(*, store, now: datetime | None = None) -> StoreTransferLists:
    """Open transfers from or to the store, and those closed in the last two weeks (two
    queries). HQ's replenishment proposals are not shown: they hold nothing until approved."""
    since = (now or timezone.now()) - timedelta(days=RECENT_TRANSFER_DAYS)
    rows = (
        _transfers_with_lines()
        .filter(Q(from_store=store) | Q(to_store=store))
        .filter(
            Q(state__in=OPEN_TRANSFER_STATES)
            | Q(
                state__in=[Transfer.State.RECEIVED, Transfer.State.CANCELLED],
                updated_at__gte=since,
            )
        )
        .order_by("-created_at", "-id")
    )
    result = StoreTransferLists()
    for transfer in rows:
        outgoing = transfer.from_store_id == store.pk
        if transfer.state == Transfer.State.REQUESTED:
            (result.to_ship if outgoing else result.asked).append(transfer)
        elif transfer.state == Transfer.State.SHIPPED:
            (result.sent if outgoing else result.arriving).append(transfer)
        else:
            result.recent.append(transfer)
    # Oldest first where someone has work to do: the longest-waiting request goes out first.
    result.to_ship.reverse()
    result.arriving.reverse()
    return result


def transfer_get(pk: int) -> Transfer | None:
    """One transfer with its stores and lines (two queries), or None."""
    return _transfers_with_lines().filter(pk=pk).first()


# ---- replenishment seen from one store ----------------------------------------------------------


def store_levels_below_reorder_point(
    *,
    store,
    now: datetime | None = None,
    policy: ReplenishmentPolicy | None = None,
    limit: int = 50,
) -> list[StockLevel]:
    """The store's SKUs whose stock position is under the reorder point (one query).

    The same rule as the nightly replenishment (`inventory.services.replenishment`): with v the
    units sold per day over the policy's window, reorder point = v × lead time + safety stock,
    and position = available − units proposed out + units coming in. Each level carries `sold`,
    `incoming`, `position`, `reorder_point` (rounded up: positions are whole units, so the
    comparison is the same) and `target`; the furthest below come first.
    """
    now = now or timezone.now()
    # A read does not create the settings row (`ReplenishmentPolicy.current` would): the
    # defaults apply until HQ saves it.
    policy = policy or ReplenishmentPolicy.objects.filter(pk=1).first() or ReplenishmentPolicy()
    window = max(int(policy.velocity_window_days), 1)
    lead = int(policy.lead_time_days)
    cycle = lead + int(policy.review_period_days)
    safety = int(policy.safety_stock_units)
    whole = IntegerField()
    sold = (
        StockMovement.objects.filter(
            store=store,
            sku=OuterRef("sku"),
            reason=StockMovement.Reason.SALE,
            created_at__gte=now - timedelta(days=window),
            created_at__lt=now,
        )
        .values("sku")
        .annotate(units=-Sum("delta"))
        .values("units")
    )
    open_lines = TransferLine.objects.filter(sku=OuterRef("sku")).values("sku")
    incoming = open_lines.filter(
        transfer__to_store=store,
        transfer__state__in=[Transfer.State.PROPOSED, *OPEN_TRANSFER_STATES],
    )
    proposed_out = open_lines.filter(
        transfer__from_store=store, transfer__state=Transfer.State.PROPOSED
    )

    def units(lines):
        return Coalesce(
            Subquery(lines.annotate(units=Sum("quantity")).values("units"), output_field=whole),
            Value(0),
        )

    return list(
        StockLevel.objects.filter(store=store, sku__is_active=True, sku__product__is_active=True)
        .select_related("sku__product")
        .annotate(
            sold=Coalesce(Subquery(sold, output_field=whole), Value(0)),
            incoming=units(incoming),
            proposed_out=units(proposed_out),
        )
        .filter(sold__gt=0)
        .annotate(
            position=F("on_hand") - F("reserved") - F("proposed_out") + F("incoming"),
            reorder_point=Value(safety) + (F("sold") * lead + window - 1) / window,
            target=Value(safety) + (F("sold") * cycle + window - 1) / window,
        )
        .filter(position__lt=F("reorder_point"))
        .order_by(F("position") - F("reorder_point"), "sku__code")[:limit]
    )
