"""Benchmark: one delivery routing decision (dispatch_route) over 10,000 stores × 2,000 SKUs.

    DATABASE_URL=... REDIS_URL=... SECRET_KEY=x DJANGO_SETTINGS_MODULE=o2o.settings \\
        .venv/bin/python bench/routing.py

Builds, in a scratch database dropped at the end, 10,000 stores spread over Shanghai, Guangzhou
and Shenzhen (60 % deliver, radius 2-5 km; one HQ warehouse per city), 2,000 SKUs and a stock
level for every store and SKU (20,000,000 rows, about 30 % of them at zero), with set-based SQL.
The stock table and its (store, sku) index are read into the OS cache first (pg_prewarm when the
server has it, else a full scan), as a running server has its working set cached. Then routes
1,000 random three-line baskets from random points in the three cities, half of them for
returning members whose home store is one of the twenty stores nearest the point, and prints
p50/p95 of one decision (aim: p95 within 5 ms): its reads and the insert of its RouteDecision,
inside a transaction as checkout will call it; the commit belongs to checkout's order and is not
counted. The
baseline, measured in the same run on the first 40 baskets, is the scan one writes first: every
delivering store loaded, haversine to each, the basket's stock read for those in reach, the
same choice made in Python. Both must choose the same store; exit status 1 otherwise.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")

from bench.scratch import migrate, scratch_database  # noqa: E402

STORES = 10_000
PRODUCTS, SKUS_PER_PRODUCT = 200, 10
ROUTINGS = 1_000
BASELINE_ROUTINGS = 40
TARGET_P95_MS = 5.0
SEED = 11
CITIES = [  # centre (GCJ-02), spread in degrees
    ("上海", 31.23, 121.47, 0.10, 0.12),
    ("广州", 23.13, 113.27, 0.08, 0.10),
    ("深圳", 22.54, 114.06, 0.06, 0.12),
]
# A weekday afternoon: stores (10:00-22:00) are open, so routing sees them all.
NOW = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=14, minute=0, second=0, microsecond=0)

LEVELS_SQL = """
INSERT INTO {level} (store_id, sku_id, on_hand, reserved, updated_at)
SELECT st.id, k.id,
       CASE WHEN st.kind = 'warehouse' THEN 500
            WHEN random() < 0.3 THEN 0 ELSE 1 + floor(random() * 5)::int END,
       0, now()
FROM {store} st CROSS JOIN {sku} k
ORDER BY st.id, k.id
"""


def city_point(rng: random.Random) -> tuple[float, float]:
    _name, lat, lng, d_lat, d_lng = rng.choice(CITIES)
    return rng.gauss(lat, d_lat), rng.gauss(lng, d_lng)


@contextlib.contextmanager
def step(name: str):
    started = time.perf_counter()
    yield
    print(f"  build {name}: {time.perf_counter() - started:.1f} s", flush=True)


def build(rng: random.Random) -> list[int]:
    from django.db import connection, transaction

    from catalog.models import SKU, Category, Product
    from inventory.models import StockLevel
    from stores.models import Region, Store

    with transaction.atomic(), step("stores and SKUs"):
        region = Region.objects.create(code="bench", name="Bench")
        stores = []
        for number in range(STORES):
            name, *_ = city = CITIES[number % len(CITIES)]
            lat, lng = rng.gauss(city[1], city[3]), rng.gauss(city[2], city[4])
            stores.append(
                Store(
                    code=f"s{number:05d}",
                    name=f"Store {number}",
                    region=region,
                    city=name,
                    address="-",
                    latitude=Decimal(f"{lat:.6f}"),
                    longitude=Decimal(f"{lng:.6f}"),
                    delivers=rng.random() < 0.6,
                    delivery_radius_km=Decimal(f"{rng.uniform(2, 5):.2f}"),
                )
            )
        for number, (name, lat, lng, *_) in enumerate(CITIES):
            stores.append(
                Store(
                    code=f"wh-{number}",
                    name=f"Warehouse {name}",
                    kind=Store.Kind.WAREHOUSE,
                    region=region,
                    city=name,
                    address="-",
                    latitude=Decimal(f"{lat + 0.3:.6f}"),
                    longitude=Decimal(f"{lng + 0.3:.6f}"),
                )
            )
        Store.objects.bulk_create(stores, batch_size=2000)
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            Product(code=f"p{n:03d}", name=f"Product {n}", category=category, base_price=9900)
            for n in range(PRODUCTS)
        )
        skus = SKU.objects.bulk_create(
            SKU(product=p, code=f"{p.code}-{v}", color=f"c{v // 5}", size=f"s{v % 5}")
            for p in products
            for v in range(SKUS_PER_PRODUCT)
        )
    tables = {
        "level": StockLevel._meta.db_table,
        "store": Store._meta.db_table,
        "sku": SKU._meta.db_table,
    }
    with connection.cursor() as cursor:
        with transaction.atomic():
            # Bulk load: foreign-key triggers off for this session (the rows reference ids just
            # read), secondary indexes built once afterwards.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SELECT setseed(0.11)")
            indexes = _drop_secondary_indexes(cursor, tables["level"])
            with step(f"{STORES * len(skus):,} stock levels"):
                cursor.execute(LEVELS_SQL.format(**tables))
            with step(f"{len(indexes)} indexes"):
                for definition in indexes:
                    cursor.execute(definition)
        with step("vacuum analyze"):
            cursor.execute(f"VACUUM ANALYZE {tables['level']}")
            cursor.execute(f"VACUUM ANALYZE {tables['store']}")
        with step("cache warm-up"):
            _prewarm(cursor, tables["level"], "stock_level_store_sku_unique")
    return [sku.pk for sku in skus]


def _prewarm(cursor, table: str, index: str) -> None:
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute("SELECT pg_prewarm(%s, 'read'), pg_prewarm(%s, 'read')", [table, index])
    except DatabaseError:  # no contrib package on this server: a full scan reads the table
        cursor.execute(f"SELECT sum(on_hand) FROM {table}")  # noqa: S608 - the model's table


def _drop_secondary_indexes(cursor, table: str) -> list[str]:
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [table],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def baskets_and_members(rng: random.Random, sku_ids: list[int]) -> list[tuple]:
    """(latitude, longitude, lines, member or None) per routing; members are created here."""
    from members.models import Member
    from stores.selectors import stores_nearest

    plans = []
    for n in range(ROUTINGS):
        lat, lng = city_point(rng)
        lines = [(sku, 1 if rng.random() < 0.85 else 2) for sku in rng.sample(sku_ids, 3)]
        home = None
        if n % 2:
            nearby = stores_nearest(latitude=lat, longitude=lng, limit=20)
            home = rng.choice(nearby).store if nearby else None
        plans.append((lat, lng, lines, home))
    members = Member.objects.bulk_create(
        Member(member_code=f"M{n:07d}", referral_code=f"R{n:07d}", home_store=home)
        for n, (_lat, _lng, _lines, home) in enumerate(plans)
        if home is not None
    )
    members_iter = iter(members)
    return [
        (lat, lng, lines, next(members_iter) if home is not None else None)
        for lat, lng, lines, home in plans
    ]


def naive_route(latitude, longitude, lines, member, now):
    """The scan one writes first: every delivering store, haversine to each, then the stock of
    those in reach; home store first, else the nearest with every line. Returns a store id, or
    None when no store has every line (the fallbacks are not compared)."""
    from inventory.models import StockLevel
    from o2o.geo import haversine_km
    from stores.models import Store

    soon = now + timedelta(minutes=30)
    in_reach = []
    for store in Store.objects.filter(is_active=True, delivers=True).exclude(kind="warehouse"):
        km = haversine_km(latitude, longitude, float(store.latitude), float(store.longitude))
        if km <= float(store.delivery_radius_km):
            in_reach.append((km, store.pk, store))
    in_reach.sort(key=lambda row: row[:2])
    wanted = dict(lines)
    stock = {}
    for level in StockLevel.objects.filter(
        store_id__in=[pk for _, pk, _ in in_reach], sku_id__in=list(wanted)
    ):
        stock[(level.store_id, level.sku_id)] = level.on_hand - level.reserved
    full = [
        (km, pk, store)
        for km, pk, store in in_reach
        if all(stock.get((pk, sku), 0) >= q for sku, q in wanted.items())
        and (store.is_open_at(now) or store.is_open_at(soon))
    ]
    home_id = member.home_store_id if member else None
    for _km, pk, _store in full:
        if pk == home_id:
            return pk
    return full[0][1] if full else None


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    from django.db import connection, transaction

    from dispatch.exceptions import NoDeliveryRoute
    from dispatch.models import DispatchPolicy, RouteDecision
    from dispatch.services import dispatch_route

    rng = random.Random(SEED)
    print(f"database {connection.settings_dict['NAME']!r}", flush=True)
    started = time.perf_counter()
    sku_ids = build(rng)
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    routings = baskets_and_members(rng, sku_ids)
    DispatchPolicy.current()

    def route(lat, lng, lines, member):
        try:
            return dispatch_route(latitude=lat, longitude=lng, lines=lines, member=member, now=NOW)
        except NoDeliveryRoute as refused:
            return refused.decision

    for lat, lng, lines, member in routings[:20]:  # warm the caches the way traffic would
        route(lat, lng, lines, member)
    RouteDecision.objects.all().delete()

    fast_ms, decisions = [], []
    for lat, lng, lines, member in routings:
        with transaction.atomic():  # as checkout's transaction; its commit is not timed
            t = time.perf_counter()
            decisions.append(route(lat, lng, lines, member))
            fast_ms.append((time.perf_counter() - t) * 1000)

    naive_ms, compared, mismatches = [], 0, 0
    for (lat, lng, lines, member), decision in zip(
        routings[:BASELINE_ROUTINGS], decisions, strict=False
    ):
        t = time.perf_counter()
        chosen = naive_route(lat, lng, lines, member, NOW)
        naive_ms.append((time.perf_counter() - t) * 1000)
        if chosen is not None or decision.outcome in {"home_store", "nearest"}:
            compared += 1
            mismatches += chosen != decision.store_id

    outcomes = {}
    for decision in decisions:
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
    fast_p50, fast_p95 = percentile(fast_ms, 0.5), percentile(fast_ms, 0.95)
    naive_p50, naive_p95 = percentile(naive_ms, 0.5), percentile(naive_ms, 0.95)
    verdict = "within" if fast_p95 <= TARGET_P95_MS else "OVER"
    print()
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'runs':>7}")
    print(f"{'dispatch_route':28}{fast_p50:>10.2f}{fast_p95:>10.2f}{ROUTINGS:>7}")
    print(f"{'naive scan':28}{naive_p50:>10.2f}{naive_p95:>10.2f}{BASELINE_ROUTINGS:>7}")
    print(
        f"speed-up: p50 ×{naive_p50 / fast_p50:.0f}, p95 ×{naive_p95 / fast_p95:.0f}; "
        f"p95 {verdict} the {TARGET_P95_MS:.0f} ms aim; mean {statistics.mean(fast_ms):.2f} ms"
    )
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"mismatches (same store as the scan?): {mismatches} of {compared}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    with scratch_database("routing"):
        import django

        django.setup()
        migrate()
        status = main()
    sys.exit(status)
