"""The nightly daily facts: set-based aggregates of orders, refunds and the commission ledger.

One SQL statement per fact table reads a day range and writes its rows; the same SELECT answers
today's figures live (`facts_live`). Rebuilding a range deletes its rows and inserts them again
in one transaction under an advisory lock, so a re-run, a retry or two overlapping runs leave
exactly the rows one run would: the facts are a pure function of the ledgers.

Where each figure comes from (never from `Order.refunded_amount`, which also counts refunds still
in flight):
- sales: orders by the local day of `paid_at` (POS sales too), at the amounts frozen on the order;
- refunds: succeeded refund rows by the local day of `completed_at`, under the refunded order's
  stores, channel and fulfilment;
- commission: commission entries by the local day of `created_at` (reversals are negative);
- new customers: members whose first paid order falls on that day; returning: the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from dispatch.models import DispatchPolicy
from reports.models import ClerkDay, ProductDay, ServiceDay, StoreDay, StoreMonth

# Both bases of one order in one scan: its credited store and its fulfilling store.
_BASES = """CROSS JOIN LATERAL (VALUES ('credited', x.credited_store_id),
                                      ('fulfilled', x.fulfilling_store_id)) AS b(basis, store_id)"""

STORE_DAY_COLUMNS = (
    "day, store_id, basis, channel, fulfillment, orders, goods_amount, discount_amount, "
    "points_discount_amount, shipping_amount, sales_amount, refunds, refund_amount, points_used, "
    "commission_amount, customers_new, customers_returning"
)

STORE_DAY_SELECT = f"""
WITH sold AS (
    SELECT o.credited_store_id, o.fulfilling_store_id, o.channel, o.fulfillment, o.member_id,
           (o.paid_at AT TIME ZONE %(tz)s)::date AS day,
           o.goods_amount, o.discount_amount, o.points_discount_amount, o.shipping_amount,
           o.total_amount, o.points_used,
           o.member_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM orders_order earlier
               WHERE earlier.member_id = o.member_id
                 AND earlier.paid_at < (date_trunc('day', o.paid_at AT TIME ZONE %(tz)s)
                                        AT TIME ZONE %(tz)s)
           ) AS is_new
    FROM orders_order o
    WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s
), refunded AS (
    SELECT o.credited_store_id, o.fulfilling_store_id, o.channel, o.fulfillment,
           (r.completed_at AT TIME ZONE %(tz)s)::date AS day, r.amount
    FROM orders_refund r JOIN orders_order o ON o.id = r.order_id
    WHERE r.status = 'succeeded' AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
), earned AS (
    SELECT o.credited_store_id, o.fulfilling_store_id, o.channel, o.fulfillment,
           (e.created_at AT TIME ZONE %(tz)s)::date AS day, e.amount
    FROM commissions_commissionentry e JOIN orders_order o ON o.id = e.order_id
    WHERE e.created_at >= %(start)s AND e.created_at < %(end)s
), parts AS (
    SELECT x.day, b.store_id, b.basis, x.channel, x.fulfillment, 1 AS orders,
           x.goods_amount, x.discount_amount, x.points_discount_amount, x.shipping_amount,
           x.total_amount AS sales_amount, 0 AS refunds, 0 AS refund_amount, x.points_used,
           0 AS commission_amount, x.member_id, x.is_new
    FROM sold x {_BASES}
    UNION ALL
    SELECT x.day, b.store_id, b.basis, x.channel, x.fulfillment, 0, 0, 0, 0, 0, 0, 1, x.amount,
           0, 0, NULL, NULL
    FROM refunded x {_BASES}
    UNION ALL
    SELECT x.day, b.store_id, b.basis, x.channel, x.fulfillment, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           x.amount, NULL, NULL
    FROM earned x {_BASES}
)
SELECT day, store_id, basis, channel, fulfillment, SUM(orders), SUM(goods_amount),
       SUM(discount_amount), SUM(points_discount_amount), SUM(shipping_amount),
       SUM(sales_amount), SUM(refunds), SUM(refund_amount), SUM(points_used),
       SUM(commission_amount),
       COUNT(DISTINCT member_id) FILTER (WHERE is_new),
       COUNT(DISTINCT member_id) FILTER (WHERE NOT is_new)
FROM parts
WHERE store_id IS NOT NULL
GROUP BY day, store_id, basis, channel, fulfillment
"""  # noqa: S608 - the only interpolation is the constant _BASES; values are parameters

CLERK_DAY_COLUMNS = (
    "day, clerk_id, store_id, orders, sales_amount, refund_amount, bound_sales_amount"
)

CLERK_DAY_SELECT = """
WITH parts AS (
    SELECT (o.paid_at AT TIME ZONE %(tz)s)::date AS day, o.credited_clerk_id AS clerk_id,
           1 AS orders, o.total_amount AS sales_amount, 0 AS refund_amount,
           CASE WHEN m.bound_clerk_id = o.credited_clerk_id THEN o.total_amount ELSE 0 END
               AS bound_sales_amount
    FROM orders_order o LEFT JOIN members_member m ON m.id = o.member_id
    WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s AND o.credited_clerk_id IS NOT NULL
    UNION ALL
    SELECT (r.completed_at AT TIME ZONE %(tz)s)::date, o.credited_clerk_id, 0, 0, r.amount, 0
    FROM orders_refund r JOIN orders_order o ON o.id = r.order_id
    WHERE r.status = 'succeeded' AND r.completed_at >= %(start)s AND r.completed_at < %(end)s
      AND o.credited_clerk_id IS NOT NULL
)
SELECT p.day, p.clerk_id, s.store_id, SUM(p.orders), SUM(p.sales_amount), SUM(p.refund_amount),
       SUM(p.bound_sales_amount)
FROM parts p JOIN stores_staff s ON s.id = p.clerk_id
GROUP BY p.day, p.clerk_id, s.store_id
"""

PRODUCT_DAY_COLUMNS = "day, store_id, product_id, units, sales_amount"

PRODUCT_DAY_SELECT = """
SELECT (o.paid_at AT TIME ZONE %(tz)s)::date AS day, o.credited_store_id, k.product_id,
       SUM(l.quantity), SUM(l.unit_price * l.quantity - l.discount_share)
FROM orders_order o
JOIN orders_orderline l ON l.order_id = o.id
JOIN catalog_sku k ON k.id = l.sku_id
WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s AND o.credited_store_id IS NOT NULL
GROUP BY 1, 2, 3
"""

SERVICE_DAY_COLUMNS = (
    "day, store_id, offers, accepted, declined, expired, accepted_within_target, "
    "accept_minutes_median, pickups, pickup_minutes_median"
)

SERVICE_DAY_SELECT = """
WITH offered AS (
    SELECT (f.created_at AT TIME ZONE %(tz)s)::date AS day, f.store_id, f.status,
           CASE WHEN f.status = 'accepted' AND f.responded_at IS NOT NULL
                THEN EXTRACT(EPOCH FROM f.responded_at - f.created_at) / 60 END AS minutes
    FROM dispatch_dispatchoffer f
    WHERE f.created_at >= %(start)s AND f.created_at < %(end)s
), handed AS (
    SELECT (o.completed_at AT TIME ZONE %(tz)s)::date AS day, o.fulfilling_store_id AS store_id,
           EXTRACT(EPOCH FROM o.completed_at - o.paid_at) / 60 AS minutes
    FROM orders_order o
    WHERE o.fulfillment = 'pickup' AND o.paid_at IS NOT NULL
      AND o.completed_at >= %(start)s AND o.completed_at < %(end)s
      AND o.fulfilling_store_id IS NOT NULL
), parts AS (
    SELECT day, store_id, 1 AS offers, (status = 'accepted')::int AS accepted,
           (status = 'declined')::int AS declined, (status = 'expired')::int AS expired,
           (minutes <= %(target)s)::int AS within, minutes AS accept_minutes, 0 AS pickups,
           NULL::numeric AS pickup_minutes
    FROM offered
    UNION ALL
    SELECT day, store_id, 0, 0, 0, 0, 0, NULL, 1, minutes FROM handed
)
SELECT day, store_id, SUM(offers), SUM(accepted), SUM(declined), SUM(expired),
       COALESCE(SUM(within), 0),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY accept_minutes),
       SUM(pickups), percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup_minutes)
FROM parts GROUP BY day, store_id
"""

FACT_TABLES = (
    (StoreDay, STORE_DAY_COLUMNS, STORE_DAY_SELECT),
    (ClerkDay, CLERK_DAY_COLUMNS, CLERK_DAY_SELECT),
    (ProductDay, PRODUCT_DAY_COLUMNS, PRODUCT_DAY_SELECT),
    (ServiceDay, SERVICE_DAY_COLUMNS, SERVICE_DAY_SELECT),
)
STORE_MONTH_SUMS = (
    "orders, goods_amount, discount_amount, points_discount_amount, shipping_amount, "
    "sales_amount, refunds, refund_amount, points_used, commission_amount, customers_new, "
    "customers_returning"
)

# Any fixed number: serialises rebuilds (nightly beat, a command, a catch-up) with each other.
REBUILD_LOCK_KEY = 7_013_001


@dataclass(frozen=True)
class FactsRebuilt:
    first_day: date
    last_day: date
    rows: dict[str, int]

    @property
    def message(self) -> str:
        counts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        return f"{self.first_day}..{self.last_day}: {counts}"


def local_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """[local midnight of `first_day`, local midnight after `last_day`)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _parameters(first_day: date, last_day: date) -> dict:
    start, end = local_bounds(first_day, last_day)
    target = DispatchPolicy.current().response_target_minutes
    return {"tz": settings.TIME_ZONE, "start": start, "end": end, "target": target}


@transaction.atomic
def facts_rebuild(*, first_day: date, last_day: date) -> FactsRebuilt:
    """Recompute every daily fact of [first_day, last_day] from the ledgers.

    Idempotent: the range's rows are replaced in one transaction, so running it twice (or a
    retried task after a crash) gives the same rows. Days outside the range are untouched.
    """
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    parameters = _parameters(first_day, last_day)
    rows = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK_KEY])
        for model, columns, select in FACT_TABLES:
            table = model._meta.db_table
            cursor.execute(
                f"DELETE FROM {table} WHERE day >= %(first)s AND day <= %(last)s",  # noqa: S608
                {"first": first_day, "last": last_day},
            )
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}", parameters)
            rows[model._meta.model_name] = cursor.rowcount
        rows["storemonth"] = _months_rebuild(cursor, first_day, last_day)
    return FactsRebuilt(first_day=first_day, last_day=last_day, rows=rows)


def _months_rebuild(cursor, first_day: date, last_day: date) -> int:
    """Re-sum every month the range touches from its (already rebuilt) store days."""
    first_month = first_day.replace(day=1)
    after_last = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    month_table, day_table = StoreMonth._meta.db_table, StoreDay._meta.db_table
    cursor.execute(
        f"DELETE FROM {month_table} WHERE month >= %(first)s AND month < %(after)s",  # noqa: S608
        {"first": first_month, "after": after_last},
    )
    sums = ", ".join(f"SUM({name.strip()})" for name in STORE_MONTH_SUMS.split(","))
    cursor.execute(
        f"""
        INSERT INTO {month_table} (month, store_id, basis, channel, fulfillment, {STORE_MONTH_SUMS})
        SELECT date_trunc('month', day)::date, store_id, basis, channel, fulfillment, {sums}
        FROM {day_table} WHERE day >= %(first)s AND day < %(after)s
        GROUP BY 1, 2, 3, 4, 5
        """,  # noqa: S608 - table and column names from this module, values are parameters
        {"first": first_month, "after": after_last},
    )
    return cursor.rowcount


def facts_live(model, *, day: date) -> list:
    """The fact rows `facts_rebuild` would write for `day`, computed now and not stored (today's
    figures come live from the ledgers). Unsaved model instances."""
    known = {fact_model: (columns, select) for fact_model, columns, select in FACT_TABLES}
    if model not in known:
        raise ValueError(f"{model} is not a fact table")
    columns, select = known[model]
    names = [column.strip() for column in columns.split(",")]
    with connection.cursor() as cursor:
        cursor.execute(select, _parameters(day, day))
        return [model(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
