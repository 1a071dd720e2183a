"""Routing a delivery basket to a store (DESIGN §4 "Routing of delivery orders", steps 1-3;
"Attribution": 老客到老店, 新人就近).

1. Candidates: active delivering stores (not the warehouse) whose delivery radius reaches the
   point, open now or opening soon, whose available stock covers every line.
2. The member's home store if it is a candidate, else the nearest candidate; the other candidates
   follow, nearest first: they are the stores offered the order next if one declines.
3. No candidate: the store within reach covering the most lines (home store first among equals,
   then the nearest), with transfer requests for the rest from the nearest stores holding them;
   else the nearest HQ warehouse holding every line, as a parcel; else a refusal
   (NoDeliveryRoute, code `no_delivery_route`).

Every decision, refusals included, is stored as a RouteDecision with the candidates seen (their
distances and stock), the stores to offer in order and a reason in words, for HQ.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

from django.utils import timezone

from catalog.models import SKU
from dispatch.exceptions import InvalidDeliveryPoint, NoDeliveryRoute
from dispatch.models import DispatchPolicy, RouteDecision
from dispatch.selectors import (
    StoreStock,
    TransferSource,
    stock_read,
    stores_covering_point,
    transfer_sources,
    warehouses_with_stock,
)
from inventory.services.levels import lines_merge
from stores.models import Store

Outcome = RouteDecision.Outcome
# Candidates written to the decision (nearest first); enough for HQ to see why.
RECORDED_CANDIDATES = 20
# Partial stores tried for transfer sources before giving up on the partial route.
PARTIAL_STORES_PROBED = 3
# Stores whose stock is read per query (home store and nearest first) while looking for enough
# stores with every line.
STOCK_CHUNK = 24


class _Opening:
    """Open now or opening soon, per store, memoised on the opening-hours text (most stores
    share a few timetables, and parsing them is the slow part)."""

    def __init__(self, now: datetime, soon_minutes: int):
        self.now, self.soon = now, now + timedelta(minutes=soon_minutes)
        self._by_hours: dict[str, str] = {}

    def state(self, store: StoreStock) -> str:
        key = store.opening_hours
        if not isinstance(key, str):
            key = json.dumps(key, sort_keys=True)
        if key not in self._by_hours:
            timetable = Store(opening_hours=store.hours())
            if timetable.is_open_at(self.now):
                self._by_hours[key] = "open"
            elif timetable.is_open_at(self.soon):
                self._by_hours[key] = "soon"
            else:
                self._by_hours[key] = "closed"
        return self._by_hours[key]

    def serves(self, store: StoreStock) -> bool:
        return self.state(store) != "closed"


def _point(latitude, longitude) -> tuple[float, float]:
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError) as error:
        raise InvalidDeliveryPoint() from error
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise InvalidDeliveryPoint()
    if abs(latitude) > 90 or abs(longitude) > 180:
        raise InvalidDeliveryPoint()
    return latitude, longitude


def _plan(store: StoreStock, kind: str, wanted: dict[int, int]) -> dict:
    return {
        "store": store.store_id,
        "code": store.code,
        "kind": kind,
        "covers": sorted(store.covers if kind != "full" else wanted),
        "distance_km": round(store.distance_km, 3),
    }


def _candidate_record(store: StoreStock, home_id, opening: _Opening, checked: set[int]) -> dict:
    return {
        "store": store.store_id,
        "code": store.code,
        "distance_km": round(store.distance_km, 3),
        "radius_km": store.radius_km,
        # None: not read (enough nearer stores had every line).
        "stock": None
        if store.stock is None
        else {str(sku): units for sku, units in sorted(store.stock.items())},
        "covers": None if store.stock is None else len(store.covers),
        "open": opening.state(store) if store.store_id in checked else None,
        "home": store.store_id == home_id,
    }


def _sku_codes(sku_ids) -> dict[int, str]:
    return dict(SKU.objects.filter(pk__in=list(sku_ids)).values_list("pk", "code"))


def _lacking(store: StoreStock, wanted: dict[int, int]) -> str:
    short = [sku for sku in wanted if sku not in store.covers]
    codes = _sku_codes(short)
    return ", ".join(
        f"{codes.get(sku, sku)} (needs {wanted[sku]}, has {store.stock.get(sku, 0)})"
        for sku in short
    )


def dispatch_route(
    *,
    latitude,
    longitude,
    lines,
    member=None,
    order=None,
    now: datetime | None = None,
    policy: DispatchPolicy | None = None,
) -> RouteDecision:
    """Choose the store that delivers `lines` [(sku_id, quantity), ...] to a GCJ-02 point.

    Returns the stored RouteDecision: `store` (the first store to offer), `plans` (every store to
    offer, in order), `transfers` and `ready_at` for a partial store, `credited_store` (the home
    store when the member has one, else the chosen store). Raises NoDeliveryRoute, carrying the
    stored decision, when nothing can deliver. Reads only; holds no stock.
    """
    latitude, longitude = _point(latitude, longitude)
    wanted = lines_merge(lines)
    now = now or timezone.now()
    policy = policy or DispatchPolicy.current()
    home_id = getattr(member, "home_store_id", None)
    opening = _Opening(now, policy.opening_soon_minutes)
    most_plans = policy.max_stores_tried + 2  # room for stores skipped at offer time

    covering = stores_covering_point(latitude=latitude, longitude=longitude)
    checked: set[int] = set()  # stores whose opening hours were looked at

    def serves(store: StoreStock) -> bool:
        checked.add(store.store_id)
        return opening.serves(store)

    # Home store first, then nearest first; stock is read a chunk at a time, only until enough
    # stores with every line are found (a dense city has a hundred stores in reach).
    home = next((s for s in covering if s.store_id == home_id), None)
    ordered = sorted(covering, key=lambda s: s.store_id != home_id)  # stable: nearest after home
    plans, transfers, ready_at = [], [], None
    for start in range(0, len(ordered), STOCK_CHUNK):
        chunk = ordered[start : start + STOCK_CHUNK]
        stock_read(chunk, wanted)
        for store in chunk:
            if len(plans) < most_plans and len(store.covers) == len(wanted) and serves(store):
                plans.append(_plan(store, "full", wanted))
        if len(plans) >= most_plans:
            break

    notes: list[str] = []
    if home_id is not None:
        if home is None:
            notes.append("Home store does not deliver to this address (or is not active).")
        elif len(home.covers) < len(wanted):
            notes.append(f"Home store {home.code} lacks {_lacking(home, wanted)}.")
        elif home.store_id in checked and not opening.serves(home):
            notes.append(f"Home store {home.code} is closed.")

    if plans:
        first = plans[0]
        if first["store"] == home_id:
            outcome = Outcome.HOME_STORE
            notes.append(
                f"Home store {first['code']} has every line and delivers here "
                f"({first['distance_km']} km)."
            )
        else:
            outcome = Outcome.NEAREST
            who = "Returning customer" if home_id else "New customer"
            notes.append(
                f"{who}: nearest store with every line is {first['code']} "
                f"({first['distance_km']} km)."
            )
    else:
        stock_read(covering, wanted)  # no store has every line: all of them count now
        outcome, plans, transfers, ready_at = _fallback(
            covering, wanted, home_id, serves, policy, now, most_plans, latitude, longitude, notes
        )

    store_id = plans[0]["store"] if plans else None
    credited_id = home_id or store_id
    if home_id and store_id and store_id != home_id:
        notes.append("The sale stays credited to the home store.")
    candidates = covering[:RECORDED_CANDIDATES]
    if home is not None and home not in candidates:
        candidates.append(home)
    decision = RouteDecision.objects.create(
        order=order,
        member=member,
        latitude=round(latitude, 6),
        longitude=round(longitude, 6),
        lines=[[sku, quantity] for sku, quantity in sorted(wanted.items())],
        outcome=outcome,
        store_id=store_id,
        home_store_id=home_id,
        credited_store_id=credited_id if store_id else None,
        candidates=[_candidate_record(s, home_id, opening, checked) for s in candidates],
        plans=plans,
        transfers=transfers,
        ready_at=ready_at,
        reason=" ".join(notes),
    )
    if outcome == Outcome.REFUSED:
        raise NoDeliveryRoute(decision.reason, decision=decision)
    return decision


def _fallback(covering, wanted, home_id, serves, policy, now, most_plans, lat, lng, notes):
    """No store has every line: a partial store with transfers, else a warehouse parcel, else
    a refusal. Returns (outcome, plans, transfers, ready_at)."""
    partial = [s for s in covering if s.covers and serves(s)]
    partial.sort(key=lambda s: (-len(s.covers), s.store_id != home_id, s.distance_km, s.store_id))
    for index, store in enumerate(partial[:PARTIAL_STORES_PROBED]):
        missing = {sku: q for sku, q in wanted.items() if sku not in store.covers}
        sources = transfer_sources(
            latitude=store.latitude,
            longitude=store.longitude,
            lines=missing,
            exclude_store_id=store.store_id,
        )
        if len(sources) < len(missing):
            notes.append(f"{store.code} lacks lines no other store holds.")
            continue
        plans = [_plan(s, "partial", wanted) for s in partial[index:][:most_plans]]
        ready_at = now + timedelta(hours=policy.transfer_lead_hours)
        notes.append(
            f"No store within reach has every line; {store.code} ({store.distance_km:.3f} km) "
            f"has {len(store.covers)} of {len(wanted)}; "
            + "; ".join(_transfer_note(source) for source in sources.values())
            + f"; expected ready {timezone.localtime(ready_at):%Y-%m-%d %H:%M}."
        )
        return (
            Outcome.PARTIAL,
            plans,
            [_transfer_record(s, ready_at) for s in sources.values()],
            ready_at,
        )

    warehouses = warehouses_with_stock(latitude=lat, longitude=lng, lines=wanted)
    stocked = [w for w in warehouses if len(w.covers) == len(wanted)]
    if stocked:
        warehouse = stocked[0]
        notes.append(
            f"No delivering store can serve this basket here; warehouse {warehouse.code} "
            "sends it as a parcel."
        )
        return Outcome.PARCEL, [_plan(warehouse, "parcel", wanted)], [], None

    notes.append(
        "Refused: no delivering store reaches this address with these lines, and no "
        "warehouse holds them all."
    )
    return Outcome.REFUSED, [], [], None


def _transfer_note(source: TransferSource) -> str:
    return (
        f"transfer SKU {source.sku_id} ×{source.quantity} from {source.code} "
        f"({source.distance_km:.3f} km)"
    )


def _transfer_record(source: TransferSource, ready_at: datetime) -> dict:
    return {
        "sku": source.sku_id,
        "quantity": source.quantity,
        "from_store": source.store_id,
        "code": source.code,
        "distance_km": round(source.distance_km, 3),
        "expected_at": ready_at.isoformat(),
    }
