"""Benchmark: HQ reports over 5,000,000 order lines, 365 days × 500 stores.

Run by `make bench` (bench/run_all.sh), or alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2o SECRET_KEY=x \
        DJANGO_SETTINGS_MODULE=o2o.settings .venv/bin/python bench/reports.py [--lines N]

`--lines` (or `BENCH_REPORT_LINES`) scales the data down or up (default 5,000,000 lines, two per
order; about ten minutes on 2 busy cores at that size).

It never touches the configured database's data: a scratch database `<name>_bench_reports` is
created, migrated, filled with set-based SQL (generate_series, seeded random(); orders in time
order as a live table has them, each at a random store, one in ten fulfilled by another store),
vacuumed as autovacuum would, and dropped at the end. The order tables' secondary indexes are
dropped for the load and built again after it (as any bulk load does; the same indexes then
serve the raw reports). Prints: the nightly job's time for one day; the year of facts built; a
one-year report (one store by day, and every store's totals) from the facts against the same
report computed from the raw order lines in the same run, checked to give the same fen, with
each one's plan (queries, scans, pages touched); the streamed CSV export of the whole year's
order lines with the growth of resident memory; the load average. Exit status 1 when the two ways
disagree; times are reported against the aims (≥ 50×, < 200 ms), not enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import migrate, scratch_database  # noqa: E402

LINES = int(os.environ.get("BENCH_REPORT_LINES", "5000000"))
# The tables the bulk load fills: their secondary indexes are built after it.
LOADED_TABLES = ["orders_order", "orders_orderline", "orders_refund"]
STORES = 500
DAYS = 365
PRODUCTS = 200
SKUS_PER_PRODUCT = 5
MEMBERS = 100_000
REPEATS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=LINES, help="order lines (two per order)")
    lines = max(2, parser.parse_args().lines)
    with scratch_database("reports"):
        return _bench(lines)


@contextlib.contextmanager
def _step(label: str):
    started = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def _timed(function, repeats: int = REPEATS) -> tuple[float, float, object]:
    """(best, median) seconds of `repeats` warm runs (one run first to warm the cache), result."""
    result = function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def _bench(lines: int) -> int:
    import django

    django.setup()
    with _step("migrate"):
        migrate()
    first_day = date(2025, 1, 1)
    last_day = first_day + timedelta(days=DAYS - 1)
    print(f"data: {lines:,} order lines over {DAYS} days x {STORES} stores")
    _build(first_day, lines)

    from django.db import connection

    from reports.models import StoreDay
    from reports.services.facts import facts_rebuild

    day = first_day + timedelta(days=200)
    best, median, result = _timed(lambda: facts_rebuild(first_day=day, last_day=day), repeats=3)
    print(
        f"nightly job, one day: {best * 1000:.0f} ms (median {median * 1000:.0f} ms; "
        f"{result.message})"
    )
    started = time.perf_counter()
    month = first_day
    while month <= last_day:
        end = min(last_day, month + timedelta(days=30))
        facts_rebuild(first_day=month, last_day=end)
        month = end + timedelta(days=1)
    print(
        f"year of facts: {time.perf_counter() - started:.1f} s, "
        f"{StoreDay.objects.count():,} store-day rows"
    )
    with _step("vacuum analyze the facts"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) reports_storeday, reports_storemonth")

    status = 0
    for label, report in _reports(first_day, last_day).items():
        facts_best, facts_median, from_facts = _timed(report["facts"])
        raw_best, raw_median, from_raw = _timed(report["raw"], repeats=3)
        same = from_facts == from_raw and bool(from_facts)
        status |= 0 if same else 1
        ratio = raw_best / facts_best if facts_best else float("inf")
        print(
            f"{label}: facts {facts_best * 1000:.1f} ms (median {facts_median * 1000:.1f}), "
            f"raw lines {raw_best * 1000:.0f} ms (median {raw_median * 1000:.0f}) "
            f"-> {ratio:.0f}x faster ({'within' if facts_best < 0.2 else 'OVER'} 200 ms, "
            f"{'meets' if ratio >= 50 else 'below'} 50x); same fen: {same}"
        )
        print(f"  facts: {_plan(report['facts'])}")
        print(f"  raw:   {_plan(report['raw'])}")
    _export_memory(first_day, last_day)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    return status


def _plan(function) -> str:
    """The queries `function` runs, and for each its scans and the pages it touched (EXPLAIN
    ANALYZE, BUFFERS): how the report finds its rows, not only how long it takes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    plans = []
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query['sql']}")
            (document,) = cursor.fetchone()
        root = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
        scans = list(_scans(root))
        pages = root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0)
        plans.append(f"{'; '.join(scans)}; {pages:,} pages")
    return f"{len(plans)} quer{'y' if len(plans) == 1 else 'ies'}: " + " | ".join(plans)


def _scans(node: dict):
    """Each scan of an EXPLAIN plan: how it read, what, how many rows, table pages visited."""
    if "Scan" in node["Node Type"]:
        on = node.get("Index Name") or node.get("Relation Name", "")
        fetches = node.get("Heap Fetches")
        extra = f", {fetches} heap fetches" if fetches is not None else ""
        yield f"{node['Node Type']} {on} ({node.get('Actual Rows', 0)} rows{extra})"
    for child in node.get("Plans", []):
        yield from _scans(child)


def _reports(first_day: date, last_day: date) -> dict:
    """The same two reports two ways: {(key): net fen} from the facts and from raw lines."""
    from django.db import connection

    from reports.selectors import ReportFilter, sales_by_day, sales_by_store
    from reports.services.facts import local_bounds
    from stores.models import Store

    store_id = Store.objects.order_by("code").values_list("pk", flat=True)[STORES // 2]
    start, end = local_bounds(first_day, last_day)
    raw_by_day = """
        SELECT day, SUM(amount) FROM (
            SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                   l.unit_price * l.quantity - l.discount_share AS amount
            FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
            WHERE o.credited_store_id = %(store)s AND o.paid_at >= %(start)s
              AND o.paid_at < %(end)s
            UNION ALL
            SELECT (r.completed_at AT TIME ZONE 'Asia/Shanghai')::date, -r.amount
            FROM orders_refund r JOIN orders_order o ON o.id = r.order_id
            WHERE o.credited_store_id = %(store)s AND r.status = 'succeeded'
              AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
        ) parts GROUP BY day
    """
    raw_by_store = """
        SELECT store, SUM(amount) FROM (
            SELECT o.credited_store_id AS store,
                   l.unit_price * l.quantity - l.discount_share AS amount
            FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
            WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s
            UNION ALL
            SELECT o.credited_store_id, -r.amount
            FROM orders_refund r JOIN orders_order o ON o.id = r.order_id
            WHERE r.status = 'succeeded' AND r.completed_at >= %(start)s
              AND r.completed_at < %(end)s
        ) parts GROUP BY store
    """
    params = {"store": store_id, "start": start, "end": end}

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return {key: int(value) for key, value in cursor.fetchall() if value}

        return run

    def store_by_day():
        report = ReportFilter(first_day=first_day, last_day=last_day, store_id=store_id)
        return {row["day"]: row["net_amount"] for row in sales_by_day(report) if row["net_amount"]}

    def every_store():
        report = ReportFilter(first_day=first_day, last_day=last_day)
        return {
            row["store"].pk: row["credited"] for row in sales_by_store(report) if row["credited"]
        }

    return {
        "one store, a year by day": {"facts": store_by_day, "raw": raw(raw_by_day)},
        "every store, a year's totals": {"facts": every_store, "raw": raw(raw_by_store)},
    }


def _rss() -> int:
    """This process's resident memory now, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _export_memory(first_day: date, last_day: date) -> None:
    """Stream the year's order-line CSV through the view's own generator and watch the process's
    resident memory meanwhile (a thread samples it every 20 ms): everything the export holds,
    psycopg's fetched chunks and Python objects alike, shows up as growth over the memory the
    process had before it started. (tracemalloc would see Python objects only and slow the
    export several times.)"""
    import threading

    from reports.selectors import ReportFilter
    from reports.views import _export_rows, csv_stream

    report = ReportFilter(first_day=first_day, last_day=last_day)
    header, rows = _export_rows("lines", report)
    response = csv_stream("lines.csv", header, rows)
    before = peak = _rss()
    done = threading.Event()

    def watch():
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _rss())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += 1
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    peak = max(peak, _rss())
    print(
        f"CSV export of the year's order lines: {lines - 1:,} rows, {size / 1e6:.0f} MB in "
        f"{seconds:.1f} s ({(lines - 1) / seconds:,.0f} rows/s); resident memory "
        f"{before / 1e6:.0f} MB before, peak {peak / 1e6:.0f} MB: "
        f"+{(peak - before) / 1e6:.1f} MB for the whole year"
    )


# Orders in time order (ids grow with paid_at, as a live table's do), each at a random store;
# one in ten is fulfilled by the next store (credited and fulfilled bases differ).
ORDERS_SQL = """
INSERT INTO orders_order (number, member_id, channel, fulfillment, status, fulfilling_store_id,
    credited_store_id, credited_clerk_id, assisted_by_id, shared_by_id, goods_amount,
    discount_amount, points_used, points_discount_amount, shipping_amount, total_amount,
    refunded_amount, address, appointment_at, note, external_id, pickup_code, expires_at,
    paid_at, completed_at, created_at, updated_at)
SELECT 'B' || g.n, m.ids[1 + floor(g.r * array_length(m.ids, 1))::int],
       c.channel, c.fulfillment, 'completed',
       s.ids[1 + (g.store + (g.n %% 10 = 0)::int) %% array_length(s.ids, 1)],
       s.ids[1 + g.store],
       NULL, NULL, NULL,
       p.price1 + p.price2, 0, 0, 0, 0, p.price1 + p.price2, 0, '{}', NULL, '', NULL, '', NULL,
       g.paid_at, g.paid_at, g.paid_at, g.paid_at
FROM (SELECT n, random() AS r, floor(random() * %(stores)s)::int AS store,
             %(start)s::timestamptz + random() * make_interval(days => %(days)s) AS paid_at
      FROM generate_series(1, %(orders)s) n) g
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM stores_store) s
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM members_member) m
CROSS JOIN LATERAL (SELECT 9900 + (g.n %% 7) * 1000 AS price1,
                           5900 + (g.n %% 5) * 1000 AS price2) p
CROSS JOIN LATERAL (SELECT (ARRAY['in_store', 'h5', 'h5', 'pos'])[1 + g.n %% 4] AS channel,
                           (ARRAY['in_store', 'pickup', 'delivery', 'in_store'])[1 + g.n %% 4]
                               AS fulfillment) c
ORDER BY g.paid_at
"""

# Each order's two lines, order by order as the scan of the orders meets them (a live table's
# lines follow their orders; no sort of millions of rows needed).
LINES_SQL = """
INSERT INTO orders_orderline (order_id, sku_id, product_name, color, size, unit_price, quantity,
    discount_share, refunded_quantity)
SELECT o.id, k.ids[1 + floor(power(random(), 2) * array_length(k.ids, 1))::int], 'Product', '', '',
       CASE WHEN x = 1 THEN o.goods_amount - (5900 + (substr(o.number, 2)::bigint %% 5) * 1000)
            ELSE 5900 + (substr(o.number, 2)::bigint %% 5) * 1000 END,
       1, 0, 0
FROM orders_order o
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM catalog_sku) k
CROSS JOIN LATERAL generate_series(1, 2) x
"""

REFUNDS_SQL = """
INSERT INTO orders_refund (order_id, out_refund_no, amount, reason, damaged, status, refund_id,
    created_by_id, created_at, completed_at)
SELECT o.id, 'BR' || o.id, o.total_amount / 2, 'bench', false, 'succeeded', '', NULL,
       o.paid_at + interval '1 day', o.paid_at + interval '1 day'
FROM orders_order o WHERE o.id %% 33 = 0
ORDER BY o.id
"""

# Indexes no constraint stands on (unique and primary keys stay, and are checked on load).
SECONDARY_INDEXES_SQL = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
ORDER BY i.indexname
"""


def _build(first_day: date, lines: int) -> None:
    from django.db import connection, transaction

    from catalog.models import SKU, Category, Product
    from reports.services.facts import local_bounds
    from stores.models import Region, Store

    with transaction.atomic():
        regions = [Region.objects.create(code=f"r{n}", name=f"Region {n}") for n in range(5)]
        Store.objects.bulk_create(
            Store(
                code=f"s{number:03d}",
                name=f"Store {number}",
                kind=Store.Kind.FRANCHISE if number % 3 == 0 else Store.Kind.DIRECT,
                region=regions[number % 5],
                city="city",
                address=f"{number} Main Street",
                latitude=31,
                longitude=121,
            )
            for number in range(STORES)
        )
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            Product(code=f"p{n:03d}", name=f"Product {n}", category=category, base_price=9900)
            for n in range(PRODUCTS)
        )
        SKU.objects.bulk_create(
            SKU(product=product, code=f"{product.code}-{v}", size=f"s{v}")
            for product in products
            for v in range(SKUS_PER_PRODUCT)
        )
    start, _end = local_bounds(first_day, first_day)
    params = {"orders": lines // 2, "start": start, "days": DAYS, "stores": STORES}
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(SECONDARY_INDEXES_SQL, [LOADED_TABLES])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with _step(f"{MEMBERS:,} members"):
            cursor.execute(
                "INSERT INTO members_member (member_code, phone, nickname, avatar_url, tier, "
                "joined_via, joined_at, referral_code, points_balance, is_active) "
                "SELECT 'M' || n, '1' || lpad(n::text, 10, '0'), '', '', 'regular', 'organic', "
                "now(), 'R' || n, 0, true FROM generate_series(1, %s) n",
                [MEMBERS],
            )
        with _step(f"{lines // 2:,} orders"):
            cursor.execute(ORDERS_SQL, params)
        with _step(f"{lines // 2 * 2:,} order lines"):
            cursor.execute(LINES_SQL, params)
        with _step("refunds (one order in 33, half its amount)"):
            cursor.execute(REFUNDS_SQL, params)
        with _step(f"{len(indexes)} secondary indexes built again"):
            for _name, definition in indexes:
                cursor.execute(definition)
    with _step("vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


if __name__ == "__main__":
    sys.exit(main())
