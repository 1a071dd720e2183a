"""Nightly replenishment (铺货制 + 快速补货): proposals from the warehouse, and between stores.

For every (store, SKU) that sold in the last `velocity_window_days`, with v = units sold per day:

    reorder point = v × lead_time + safety_stock
    target        = ⌈v × (lead_time + review_period) + safety_stock⌉
    position      = on_hand − reserved − units in its own proposed outgoing transfers
                    + units coming in (transfers to it that are proposed, requested or shipped)

When position < reorder point the store needs target − position. The warehouse's free stock of
each SKU (on hand − reserved − its own unapproved proposals) goes to the stores with the shortest
cover (position / v) first. What the warehouse cannot cover is suggested from the nearest stores
within `rebalance_radius_km` that hold far more than they need, in rounds: each short store takes
from its nearest giver, then what is still missing from the next one, until a round gives
nothing. Counting open transfers in the position is what makes a second run harmless: the units
proposed last night are already "coming in".

Everything is set-based SQL over temporary tables (one statement per step, never a query per
row), in one transaction, so a million stock levels take seconds, not hours.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import SKU, Product
from inventory.exceptions import InvalidState
from inventory.models import (
    ReplenishmentPolicy,
    Reservation,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from inventory.services import replenishment_sql as sql
from inventory.services.levels import store_check_active
from o2o.geo import EARTH_RADIUS_KM, KM_PER_DEGREE_LATITUDE
from stores.models import Store

logger = logging.getLogger(__name__)

# Serialises runs (beat, cron and a manual `replenish` may overlap): a second run waits, then
# sees the first one's transfers as incoming and proposes nothing twice.
_ADVISORY_LOCK_KEY = 0x5245504C  # "REPL"

# Each round settles at least one (giver, SKU) or one short level; real chains settle in a few.
MAX_REBALANCE_ROUNDS = 50


@dataclass
class ReplenishmentResult:
    """What one run did; `message` is the line a person reads in the log or the cron mail."""

    warehouse_id: int | None = None
    auto_approved: bool = False
    levels_scanned: int = 0
    levels_below_reorder_point: int = 0
    replenishment_transfers: int = 0
    replenishment_lines: int = 0
    replenishment_units: int = 0
    rebalance_transfers: int = 0
    rebalance_lines: int = 0
    rebalance_units: int = 0
    units_still_short: int = 0
    rebalance_rounds: int = 0
    seconds: float = 0.0
    message: str = ""
    transfer_ids: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.warehouse_id is not None

    def as_dict(self) -> dict:
        return asdict(self)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    models = {
        "level": StockLevel,
        "movement": StockMovement,
        "transfer": Transfer,
        "line": TransferLine,
        "reservation": Reservation,
        "store": Store,
        "sku": SKU,
        "product": Product,
    }
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def warehouse_default() -> Store | None:
    """HQ's warehouse: the active store of kind warehouse (the lowest id when there are several)."""
    return Store.objects.filter(kind=Store.Kind.WAREHOUSE, is_active=True).order_by("pk").first()


@transaction.atomic
def replenishment_run(
    *,
    now: datetime | None = None,
    policy: ReplenishmentPolicy | None = None,
    warehouse: Store | None = None,
) -> ReplenishmentResult:
    """Propose tonight's replenishment and rebalance transfers for HQ, in one transaction.

    Replenishment transfers go from the warehouse to each store that needs stock, as proposals
    awaiting HQ (`transfer_approve`), or as requests holding the warehouse's units when the
    policy auto-approves. Rebalance transfers between stores are always proposals. Safe to run
    again: open transfers count as stock on its way, so a repeat proposes nothing new.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    policy = policy or ReplenishmentPolicy.current()
    if warehouse is None:
        warehouse = warehouse_default()
        if warehouse is None:
            return ReplenishmentResult(
                message="no active warehouse store: nothing replenished "
                "(create a store of kind 'warehouse' or activate one)",
                seconds=time.perf_counter() - started,
            )
    else:
        store_check_active(warehouse)
        if warehouse.kind != Store.Kind.WAREHOUSE:
            raise InvalidState(f"store {warehouse.code} is not a warehouse")

    result = ReplenishmentResult(warehouse_id=warehouse.pk, auto_approved=policy.auto_approve)
    with connection.cursor() as cursor:
        _Steps(cursor, _params(now=now, policy=policy, warehouse=warehouse)).run(result, policy)
    result.seconds = time.perf_counter() - started
    result.message = _summary(result)
    logger.info("replenishment: %s", result.message)
    return result


class _Steps:
    """Runs the statements of `replenishment_sql` in order on one cursor."""

    def __init__(self, cursor, params: dict):
        self.cursor = cursor
        self.params = params
        self.tables = _tables()

    def execute(self, statement: str, *, analyze: str = ""):
        # A string may hold several statements; psycopg2 sends them as one batch.
        self.cursor.execute(statement.format(**self.tables), self.params)
        if analyze:
            # Temporary tables get no autovacuum statistics; without them the planner guesses
            # a few rows and picks nested loops over hundreds of thousands.
            self.cursor.execute(f"ANALYZE {analyze}")

    def value(self, statement: str):
        self.execute(statement)
        return self.cursor.fetchone()[0]

    def run(self, result: ReplenishmentResult, policy: ReplenishmentPolicy) -> None:
        self.cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        # The per-SKU sorts and hashes over a million rows fit in memory this way; SET LOCAL
        # ends with the transaction.
        self.cursor.execute("SET LOCAL work_mem = '128MB'")
        self.cursor.execute("DROP TABLE IF EXISTS " + ", ".join(sql.TEMP_TABLES))

        self.execute(sql.OPEN_TRANSFER_IDS, analyze="replenish_open_transfers")
        self.execute(sql.OPEN_TRANSFERS, analyze="replenish_open")
        self.execute(sql.SALES, analyze="replenish_sales")
        self.execute(sql.PLAN, analyze="replenish_plan")
        result.levels_scanned = self.value(sql.LEVELS_SCANNED)
        result.levels_below_reorder_point = self.value("SELECT COUNT(*) FROM replenish_plan")

        self.execute(sql.LOCK_WAREHOUSE)
        self.execute(sql.WAREHOUSE_PROPOSALS, analyze="replenish_warehouse_proposals")
        self.execute(sql.ALLOCATE, analyze="replenish_allocated")
        self.execute(sql.CREATED)
        self.execute(sql.REPLENISHMENT_TRANSFERS, analyze="replenish_created")
        self.execute(sql.REPLENISHMENT_LINES)
        if policy.auto_approve:
            self.execute(sql.HOLD_RESERVATIONS)
            self.execute(sql.HOLD_LEVELS)
            held = self.cursor.rowcount
            expected = self.value(sql.HELD_SKUS)
            if held != expected:
                raise InvalidState(
                    f"replenishment could hold only {held} of {expected} SKUs at the warehouse"
                )

        self.execute(sql.SHORT, analyze="replenish_short")
        self.execute(sql.NEAR, analyze="replenish_near")
        self.execute(sql.SURPLUS, analyze="replenish_surplus")
        self.execute(sql.CANDIDATES, analyze="replenish_candidates")
        self.execute(sql.REBALANCE)
        while result.rebalance_rounds < MAX_REBALANCE_ROUNDS:
            self.execute(sql.ROUND)
            if not self.value("SELECT COUNT(*) FROM replenish_round"):
                break
            result.rebalance_rounds += 1
            self.execute(sql.ROUND_APPLY)
        else:
            logger.warning(
                "replenishment: rebalancing stopped after %s rounds; tomorrow's run goes on",
                MAX_REBALANCE_ROUNDS,
            )
        self.execute(sql.REBALANCE_TRANSFERS, analyze="replenish_created")
        self.execute(sql.REBALANCE_LINES)

        self.execute(sql.SUMMARY)
        for kind, transfers, lines, units in self.cursor.fetchall():
            prefix = "replenishment" if kind == Transfer.Kind.REPLENISHMENT else "rebalance"
            setattr(result, f"{prefix}_transfers", transfers)
            setattr(result, f"{prefix}_lines", lines)
            setattr(result, f"{prefix}_units", int(units))
        result.units_still_short = int(
            self.value("SELECT COALESCE(SUM(shortfall), 0) FROM replenish_short")
        )
        self.execute("SELECT transfer_id FROM replenish_created ORDER BY transfer_id")
        result.transfer_ids = [row[0] for row in self.cursor.fetchall()]
        # ON COMMIT DROP covers the normal case; dropping now also frees the names when the
        # caller's transaction goes on (tests, a run inside a bigger job).
        self.cursor.execute("DROP TABLE IF EXISTS " + ", ".join(sql.TEMP_TABLES))


def _params(*, now: datetime, policy: ReplenishmentPolicy, warehouse: Store) -> dict:
    radius = float(policy.rebalance_radius_km)
    return {
        "now": now,
        "since": now - timedelta(days=policy.velocity_window_days),
        "window": max(int(policy.velocity_window_days), 1),
        "lead": int(policy.lead_time_days),
        "cycle": int(policy.lead_time_days) + int(policy.review_period_days),
        "safety": int(policy.safety_stock_units),
        "ratio": policy.rebalance_cover_ratio,
        "radius": radius,
        "box_lat": radius / KM_PER_DEGREE_LATITUDE + 1e-6,
        "earth_radius": EARTH_RADIUS_KM,
        "warehouse": warehouse.pk,
        "warehouse_kind": Store.Kind.WAREHOUSE,
        "sale": StockMovement.Reason.SALE,
        "proposed": Transfer.State.PROPOSED,
        "requested": Transfer.State.REQUESTED,
        "shipped": Transfer.State.SHIPPED,
        "state": Transfer.State.REQUESTED if policy.auto_approve else Transfer.State.PROPOSED,
        "replenishment": Transfer.Kind.REPLENISHMENT,
        "rebalance": Transfer.Kind.REBALANCE,
        "active": Reservation.State.ACTIVE,
        "expires": now + timedelta(hours=getattr(settings, "TRANSFER_HOLD_HOURS", 72)),
        "note": f"nightly replenishment {timezone.localtime(now):%Y-%m-%d}",
    }


def _summary(result: ReplenishmentResult) -> str:
    state = "requested (auto-approved)" if result.auto_approved else "proposed for HQ"
    return (
        f"{result.levels_scanned} stock levels scanned, "
        f"{result.levels_below_reorder_point} below their reorder point; "
        f"{result.replenishment_transfers} replenishment transfers {state} "
        f"({result.replenishment_lines} lines, {result.replenishment_units} units); "
        f"{result.rebalance_transfers} store-to-store rebalance suggestions "
        f"({result.rebalance_lines} lines, {result.rebalance_units} units); "
        f"{result.units_still_short} units still short; {result.seconds:.1f} s"
    )
