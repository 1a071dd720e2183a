"""Reads for the checkout page: which stores to offer, which one to preselect and why.

DESIGN §4 "Routing": pickup and try-in-store orders go to the store the shopper picks, by
default her home store, else the nearest. A preselected store that lacks an item makes the first
submit fail, so the home store is preselected only when it can serve every line; otherwise the
nearest store that can, measured from the shopper's position when she shares it, else from her
home store (or the store she scanned in). Each store that lacks a line names the nearest store
that has it.

The list reads in the same order (老客到老店, 新人就近): her usual store first, then the store she
scanned in, then by distance from where "nearest" is measured, then by name. So the preselected
store is the first listed one with every item, unless she picked another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from inventory.models import StockLevel
from inventory.selectors import BasketAvailability, basket_availability_across_stores
from o2o.geo import display_distance_km, format_distance, haversine_km
from stores.models import Store
from stores.selectors import shopper_visible_stores, stores_nearest

NEAREST_STORES = 5


class Why:
    """Why the preselected store was chosen (the template says it in words)."""

    PICKED = "picked"  # the shopper's own choice, kept after a refused submit
    HOME = "home"  # her usual store, and it has every item
    SCANNED = "scanned"  # the store she is in, and it has every item
    NEAREST_TO_YOU = "nearest_to_you"  # nearest to her shared position with every item
    NEAREST_TO_HOME = "nearest_to_home"  # nearest to her usual store with every item
    NEAREST_TO_SCANNED = "nearest_to_scanned"  # nearest to the store she scanned in
    EVERY_ITEM = "every_item"  # no point to measure from: a store with every item
    MOST_ITEMS = "most_items"  # no store has every item: the one with the most lines


@dataclass(frozen=True)
class ShortLine:
    """A line a store cannot serve, with the nearest other store that can."""

    line: object  # a cart line (sku, quantity)
    missing: int
    nearest_store: Store | None = None
    nearest_distance: str = ""


@dataclass(frozen=True)
class StoreChoice:
    store: Store
    availability: BasketAvailability
    distance: str = ""
    reasons: tuple[str, ...] = ()  # "home", "scanned"
    short_lines: tuple[ShortLine, ...] = ()


@dataclass
class CheckoutStores:
    choices: list[StoreChoice] = field(default_factory=list)
    selected: Store | None = None
    why: str = ""
    home_store_lacks: bool = False  # she has a usual store and it cannot serve every line
    located: bool = False  # measured from the position she shared


def _usable(store: Store | None) -> bool:
    return store is not None and store.is_active and not store.is_warehouse


def _lines_query(basket: dict[int, int]) -> Q:
    """Stock rows that cover a line: this SKU with at least the quantity available."""
    condition = Q()
    for sku_id, quantity in basket.items():
        condition |= Q(sku_id=sku_id, on_hand__gte=F("reserved") + quantity)
    return condition


def _stores_covering(basket: dict[int, int]) -> list[Store]:
    """Every shopper-visible store that can serve the whole basket (one query)."""
    covering = (
        StockLevel.objects.filter(_lines_query(basket))
        .values("store_id")
        .annotate(lines=Count("sku_id"))
        .filter(lines=len(basket))
        .values("store_id")
    )
    return list(shopper_visible_stores().filter(pk__in=covering))


def _holders(basket: dict[int, int]) -> dict[int, list[Store]]:
    """{sku_id: [stores that can serve that line]} for shopper-visible stores (one query)."""
    rows = (
        StockLevel.objects.filter(_lines_query(basket))
        .filter(store__in=shopper_visible_stores())
        .select_related("store")
    )
    holders: dict[int, list[Store]] = {}
    for level in rows:
        holders.setdefault(level.sku_id, []).append(level.store)
    return holders


class _Ruler:
    """Distances from the point stores are ranked from (None: no point, rank by store code)."""

    def __init__(self, point: tuple[float, float] | None):
        self.point = point

    def rank(self, store: Store, point=None) -> tuple:
        """Nearest first, then by name (the order a shopper reads the list in)."""
        point = point or self.point
        distance = (
            0.0
            if point is None
            else haversine_km(point[0], point[1], float(store.latitude), float(store.longitude))
        )
        return (distance, store.name, store.code)

    def nearest(self, stores, point=None) -> Store | None:
        if not stores:
            return None
        return min(stores, key=lambda store: self.rank(store, point))

    def shown(self, store: Store) -> str:
        if self.point is None:
            return ""
        return format_distance(
            display_distance_km(self.point[0], self.point[1], store.latitude, store.longitude)
        )


def _anchor(position, home_store, scanned_store) -> tuple[tuple[float, float] | None, str]:
    """Where "nearest" is measured from, and the words for a store chosen that way."""
    if position is not None:
        return position, Why.NEAREST_TO_YOU
    for store, why in ((home_store, Why.NEAREST_TO_HOME), (scanned_store, Why.NEAREST_TO_SCANNED)):
        if store is not None:
            return (float(store.latitude), float(store.longitude)), why
    return None, Why.EVERY_ITEM


def checkout_stores(
    *,
    lines,
    home_store: Store | None,
    scanned_store: Store | None,
    position: tuple[float, float] | None = None,
    picked_store_id: int | None = None,
    limit: int = NEAREST_STORES,
) -> CheckoutStores:
    """The stores offered at checkout for the cart `lines`, the preselected one and why.

    Offered: the home store and the scanned store, then the `limit` stores nearest to the point
    (her position, else the home or scanned store), plus the nearest store with every item and,
    for each store that lacks a line, the nearest store that has it. Queries: the nearest stores
    (one or two), the stock of the basket there, and one each, only when needed, for the stores
    with every item, the stores with a missing line, and the stock at the stores they add.
    """
    basket: dict[int, int] = {}
    line_of = {}
    for line in lines:
        basket[line.sku_id] = basket.get(line.sku_id, 0) + line.quantity
        line_of[line.sku_id] = line
    point, nearest_why = _anchor(position, home_store, scanned_store)
    ruler = _Ruler(point)

    # Candidates: home, scanned, the nearest few (and the store she picked, if elsewhere).
    stores: dict[int, Store] = {}
    distances: dict[int, str] = {}
    reasons: dict[int, list[str]] = {}
    for store, reason in ((home_store, "home"), (scanned_store, "scanned")):
        if _usable(store):
            stores.setdefault(store.pk, store)
            reasons.setdefault(store.pk, []).append(reason)
    if point is not None:
        for near in stores_nearest(latitude=point[0], longitude=point[1], limit=limit):
            stores.setdefault(near.store.pk, near.store)
            distances[near.store.pk] = near.display
    else:
        for store in shopper_visible_stores().order_by("name", "code")[:limit]:
            stores.setdefault(store.pk, store)
    if picked_store_id and picked_store_id not in stores:
        picked = shopper_visible_stores().filter(pk=picked_store_id).first()
        if picked is not None:
            stores[picked.pk] = picked
    availability = {
        row.store.pk: row
        for row in basket_availability_across_stores(stores=stores.values(), basket=basket)
    }

    # The preselection, in the order of the business rule.
    result = CheckoutStores(located=position is not None)
    home_ok = _usable(home_store) and availability[home_store.pk].covers_all
    scanned_ok = _usable(scanned_store) and availability[scanned_store.pk].covers_all
    result.home_store_lacks = _usable(home_store) and not home_ok
    added: dict[int, Store] = {}
    if picked_store_id in stores:
        result.selected, result.why = stores[picked_store_id], Why.PICKED
    elif home_ok:
        result.selected, result.why = home_store, Why.HOME
    elif scanned_ok:
        result.selected, result.why = scanned_store, Why.SCANNED
    else:
        covering = [s for s in stores.values() if availability[s.pk].covers_all]
        chosen = ruler.nearest(covering) or ruler.nearest(_stores_covering(basket))
        if chosen is not None:
            result.selected, result.why = chosen, nearest_why
            if chosen.pk not in stores:
                added[chosen.pk] = chosen
        elif stores:
            # Nobody has everything: the store with the most lines, nearest first.
            most = max(row.lines_covered for row in availability.values())
            result.selected = ruler.nearest(
                [s for s in stores.values() if availability[s.pk].lines_covered == most]
            )
            result.why = Why.MOST_ITEMS

    # For each store lacking a line: the nearest other store that has it (from her, else from
    # the store lacking it).
    short_skus = {
        sku_id: basket[sku_id] for row in availability.values() for sku_id in row.short_lines
    }
    holders = _holders(short_skus) if short_skus else {}
    shorts: dict[int, tuple[ShortLine, ...]] = {}
    for pk, row in availability.items():
        found = []
        for sku_id, missing in row.short_lines.items():
            others = [s for s in holders.get(sku_id, []) if s.pk != pk]
            here = (float(stores[pk].latitude), float(stores[pk].longitude))
            other = ruler.nearest(others, point or here)
            if other is not None and other.pk not in stores:
                added[other.pk] = other
            shown = ruler.shown(other) if other is not None else ""
            found.append(ShortLine(line_of[sku_id], missing, other, shown))
        shorts[pk] = tuple(found)
    if added:
        # Added because they serve a line; their own gaps are not searched again.
        for row in basket_availability_across_stores(stores=added.values(), basket=basket):
            availability[row.store.pk] = row
        stores.update(added)
    if position is not None:
        for pk, store in stores.items():
            distances.setdefault(pk, ruler.shown(store))

    def listed_order(store: Store) -> tuple:
        # Her usual store, then the one she is in, then nearest first (DESIGN §4 Attribution).
        first = reasons.get(store.pk, ())
        return (
            0 if "home" in first else 1 if "scanned" in first else 2,
            *ruler.rank(store),
        )

    result.choices = [
        StoreChoice(
            store=store,
            availability=availability[store.pk],
            distance=distances.get(store.pk, ""),
            reasons=tuple(reasons.get(store.pk, ())),
            short_lines=shorts.get(store.pk, ()),
        )
        for store in sorted(stores.values(), key=listed_order)
    ]
    return result


def usual_store_of(member) -> Store | None:
    """The store she already buys from: her home store, else her bound clerk's store.

    The home store is normally set when she is bound, so the clerk's store is read (one query)
    only for a member whose home store HQ cleared or never had one set.
    """
    if member.home_store_id is not None or member.bound_clerk_id is None:
        return member.home_store
    return shopper_visible_stores().filter(staff__pk=member.bound_clerk_id).first()
