"""HQ's report reads: past days from the daily facts, today live from the ledgers.

Each table is one grouped query over a fact table (a year of 500 stores is a few hundred
thousand small rows, summed in the database), plus today's rows computed by the rebuild's own
SELECT and added in Python. Reads go to the reporting database (`reports.routers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connections
from django.db.models import Count, Q, Sum
from django.utils import timezone

from catalog.models import Product
from dispatch.models import DispatchOffer, DispatchPolicy
from members.models import Member
from orders.models import Order, OrderLine
from reports.models import ClerkDay, ProductDay, ServiceDay, StoreDay, StoreMonth
from reports.routers import report_database
from reports.services.facts import facts_live, local_bounds
from stores.models import Region, Staff, Store

ONLINE_CHANNELS = {Order.Channel.H5}
TOP = 20


@dataclass(frozen=True)
class ReportFilter:
    """What HQ picked: a date range and, optionally, a region, a store, a kind of store."""

    first_day: date
    last_day: date
    region_id: int | None = None
    store_id: int | None = None
    store_kind: str = ""

    @property
    def narrowed(self) -> bool:
        return bool(self.region_id or self.store_id or self.store_kind)

    def stores(self):
        stores = Store.objects.using(report_database())
        if self.region_id:
            stores = stores.filter(region_id=self.region_id)
        if self.store_id:
            stores = stores.filter(pk=self.store_id)
        if self.store_kind:
            stores = stores.filter(kind=self.store_kind)
        return stores

    def store_q(self, prefix: str = "store") -> Q:
        q = Q()
        if self.region_id:
            q &= Q(**{f"{prefix}__region_id": self.region_id})
        if self.store_id:
            q &= Q(**{f"{prefix}_id": self.store_id})
        if self.store_kind:
            q &= Q(**{f"{prefix}__kind": self.store_kind})
        return q


@dataclass
class Totals:
    """Summed figures of one group (fen, counts)."""

    values: dict = field(default_factory=dict)

    def add(self, row: dict) -> None:
        for name, value in row.items():
            self.values[name] = self.values.get(name, 0) + (value or 0)

    def __getitem__(self, name):
        return self.values.get(name, 0)


def _summed(
    model, report: ReportFilter, *, keys: list[str], sums: list[str], match: dict | None = None
) -> dict[tuple, Totals]:
    """{key tuple: Totals} over the range: stored facts for past days, live ones for today."""
    match = match or {}
    today = timezone.localdate()
    groups: dict[tuple, Totals] = {}
    last = _last_stored_day(report, today)
    sources = [(model, Q(day__gte=report.first_day, day__lte=last))]
    if model is StoreDay and "day" not in keys:
        # Whole past months from the monthly rollup, the days around them from the day table.
        months = _whole_months(report.first_day, last, today)
        if months:
            before = Q(day__gte=report.first_day, day__lt=months[0])
            after = Q(day__gt=_month_end(months[-1]), day__lte=last)
            sources = [
                (StoreDay, before | after),
                (StoreMonth, Q(month__gte=months[0], month__lte=months[-1])),
            ]
    for source, period in sources:
        past = (
            source.objects.using(report_database())
            .filter(period, **match)
            .filter(report.store_q())
            .values(*keys)
            .annotate(**{f"sum_{name}": Sum(name) for name in sums})
            .order_by()
        )
        for row in past:
            key = tuple(row[name] for name in keys)
            groups.setdefault(key, Totals()).add({name: row[f"sum_{name}"] for name in sums})
    return _live_added(groups, model, report, keys=keys, sums=sums, match=match)


def _last_stored_day(report: ReportFilter, today: date) -> date:
    """Stored facts end yesterday: today's figures come live from the ledgers."""
    return min(report.last_day, today - timedelta(days=1))


def _live_added(
    groups: dict[tuple, Totals], model, report: ReportFilter, *, keys, sums, match
) -> dict[tuple, Totals]:
    """`groups` with today's live facts added, when the range takes in today."""
    today = timezone.localdate()
    if not report.first_day <= today <= report.last_day:
        return groups
    allowed = set(report.stores().values_list("pk", flat=True)) if report.narrowed else None
    for fact in facts_live(model, day=today):
        if allowed is not None and fact.store_id not in allowed:
            continue
        if any(getattr(fact, name) != value for name, value in match.items()):
            continue
        key = tuple(getattr(fact, name) for name in keys)
        groups.setdefault(key, Totals()).add({name: getattr(fact, name) for name in sums})
    return groups


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _whole_months(first: date, last: date, today: date) -> list[date]:
    """First days of the calendar months lying wholly in [first, last] and before today."""
    month = first if first.day == 1 else _month_end(first) + timedelta(days=1)
    months = []
    while _month_end(month) <= last and _month_end(month) < today:
        months.append(month)
        month = _month_end(month) + timedelta(days=1)
    return months


SALES = ["orders", "sales_amount", "refund_amount"]


def _row(totals: Totals, **extra) -> dict:
    row = {name: totals[name] for name in SALES}
    row["net_amount"] = row["sales_amount"] - row["refund_amount"]
    return {**extra, **row}


STORED_DAYS_SQL = """
SELECT d.day, SUM(d.orders)::bigint, SUM(d.sales_amount)::bigint, SUM(d.refund_amount)::bigint,
       COALESCE(SUM(d.sales_amount - d.refund_amount) FILTER (WHERE d.channel = ANY(%s)), 0)::bigint
FROM reports_storeday d
WHERE d.basis = %s AND d.day >= %s AND d.day <= %s {stores}
GROUP BY d.day ORDER BY d.day
"""


def _stored_days(report: ReportFilter, last: date) -> list[tuple]:
    """(day, orders, paid, refunded, online net) per stored day, credited basis.

    One statement, summed and grouped in the database and read back as plain integers (the
    `::bigint` keeps psycopg from building a Decimal per figure): for one store a year is an
    index-only scan of `reports_store_day_report_idx`, 365 × its channel and fulfilment kinds
    adjacent entries, and 365 short rows to Python."""
    params = [list(ONLINE_CHANNELS), StoreDay.Basis.CREDITED, report.first_day, last]
    stores = ""
    if report.store_id:
        stores += " AND d.store_id = %s"
        params.append(report.store_id)
    if report.region_id or report.store_kind:
        subquery, inner = report.stores().values("pk").query.sql_with_params()
        stores += f" AND d.store_id IN ({subquery})"
        params += inner
    with connections[report_database()].cursor() as cursor:
        cursor.execute(STORED_DAYS_SQL.format(stores=stores), params)
        return cursor.fetchall()


def sales_by_day(report: ReportFilter) -> list[dict]:
    """Per day: orders, paid, refunded, net, and the online part of net (credited basis)."""
    today = timezone.localdate()
    days: dict[date, dict] = {}
    last = _last_stored_day(report, today)
    if report.first_day <= last:
        for day, orders, paid, refunded, online in _stored_days(report, last):
            days[day] = {
                "day": day,
                "orders": orders,
                "sales_amount": paid,
                "refund_amount": refunded,
                "net_amount": paid - refunded,
                "online_amount": online,
            }
    live = _live_added(
        {},
        StoreDay,
        report,
        keys=["day", "channel"],
        sums=SALES,
        match={"basis": StoreDay.Basis.CREDITED},
    )
    for (day, channel), totals in live.items():
        row = days.setdefault(day, {"day": day, "online_amount": 0, **_row(Totals())})
        part = _row(totals)
        for name in (*SALES, "net_amount"):
            row[name] += part[name]
        if channel in ONLINE_CHANNELS:
            row["online_amount"] += part["net_amount"]
    rows = [days[day] for day in sorted(days)]
    for row in rows:
        row["online_share"] = (
            round(100 * row["online_amount"] / row["net_amount"]) if row["net_amount"] > 0 else None
        )
    return rows


def sales_by_store(report: ReportFilter) -> list[dict]:
    """Per store, credited against fulfilled net sales (the store keeps the customer)."""
    groups = _summed(StoreDay, report, keys=["store_id", "basis"], sums=SALES)
    stores: dict[int, dict] = {}
    for (store_id, basis), totals in groups.items():
        row = stores.setdefault(
            store_id, {"credited": 0, "credited_orders": 0, "fulfilled": 0, "fulfilled_orders": 0}
        )
        part = _row(totals)
        row[basis] = part["net_amount"]
        row[f"{basis}_orders"] = part["orders"]
    names = Store.objects.using(report_database()).in_bulk(list(stores))
    rows = [
        {"store": names[store_id], **figures}
        for store_id, figures in stores.items()
        if store_id in names
    ]
    return sorted(rows, key=lambda row: (-row["credited"], row["store"].code))


def sales_by_channel(report: ReportFilter) -> list[dict]:
    """Per channel × fulfilment kind (credited basis)."""
    groups = _summed(
        StoreDay,
        report,
        keys=["channel", "fulfillment"],
        sums=SALES,
        match={"basis": StoreDay.Basis.CREDITED},
    )
    channels = dict(Order.Channel.choices)
    kinds = dict(Order.Fulfillment.choices)
    rows = [
        _row(
            totals,
            channel=channels.get(channel, channel),
            fulfillment=kinds.get(fulfillment, fulfillment),
        )
        for (channel, fulfillment), totals in groups.items()
    ]
    return sorted(rows, key=lambda row: -row["net_amount"])


def sales_by_clerk(report: ReportFilter, *, limit: int = TOP) -> list[dict]:
    groups = _summed(ClerkDay, report, keys=["clerk_id"], sums=[*SALES, "bound_sales_amount"])
    clerks = (
        Staff.objects.using(report_database())
        .select_related("store")
        .in_bulk([key[0] for key in groups])
    )
    rows = [
        _row(totals, clerk=clerks[clerk_id], bound_sales_amount=totals["bound_sales_amount"])
        for (clerk_id,), totals in groups.items()
        if clerk_id in clerks
    ]
    return sorted(rows, key=lambda row: -row["net_amount"])[:limit]


def top_products(report: ReportFilter, *, limit: int = TOP) -> list[dict]:
    groups = _summed(ProductDay, report, keys=["product_id"], sums=["units", "sales_amount"])
    best = sorted(groups.items(), key=lambda item: -item[1]["sales_amount"])[:limit]
    products = Product.objects.using(report_database()).in_bulk([key[0] for key, _ in best])
    return [
        {"product": products[product_id], "units": t["units"], "sales_amount": t["sales_amount"]}
        for (product_id,), t in best
        if product_id in products
    ]


def customers(report: ReportFilter) -> dict:
    """New against returning customers (counted per store and day; credited basis)."""
    groups = _summed(
        StoreDay,
        report,
        keys=["basis"],
        sums=["customers_new", "customers_returning"],
        match={"basis": StoreDay.Basis.CREDITED},
    )
    totals = next(iter(groups.values()), Totals())
    return {"new": totals["customers_new"], "returning": totals["customers_returning"]}


def tier_mix(report: ReportFilter) -> list[dict]:
    """Members by tier today, of the chosen stores' customers (home store)."""
    members = Member.objects.using(report_database())
    if report.narrowed:
        members = members.filter(report.store_q("home_store"))
    counts = dict(members.values_list("tier").annotate(n=Count("id")).order_by())
    return [
        {"tier": label, "members": counts.get(value, 0)} for value, label in Member.Tier.choices
    ]


def response_times(report: ReportFilter) -> dict:
    """Delivery offers in the range: answered how, and how fast against HQ's target."""
    start, end = local_bounds(report.first_day, report.last_day)
    target = DispatchPolicy.current().response_target_minutes
    offers = (
        DispatchOffer.objects.using(report_database())
        .filter(created_at__gte=start, created_at__lt=end)
        .filter(report.store_q())
    )
    counts = dict(offers.values_list("status").annotate(n=Count("id")).order_by())
    accepted = offers.filter(status=DispatchOffer.Status.ACCEPTED, responded_at__isnull=False)
    sql, params = accepted.values("id").query.sql_with_params()
    with connections[report_database()].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY EXTRACT(EPOCH FROM o.responded_at - o.created_at) / 60),
                   COUNT(*) FILTER (
                       WHERE o.responded_at - o.created_at <= make_interval(mins => %s)),
                   COUNT(*)
            FROM {DispatchOffer._meta.db_table} o WHERE o.id IN ({sql})
            """,  # noqa: S608 - the table name from the model, the subquery from the ORM
            [target, *params],
        )
        median, in_time, answered = cursor.fetchone()
    return {
        "target_minutes": target,
        "statuses": [
            {"status": label, "offers": counts.get(value, 0)}
            for value, label in DispatchOffer.Status.choices
        ],
        "median_minutes": round(median, 1) if median is not None else None,
        "within_target": in_time,
        "accepted": answered,
        "within_target_share": round(100 * in_time / answered) if answered else None,
    }


def service_days(report: ReportFilter) -> Iterator[tuple]:
    """Per store and day: offers and answers, minutes to accept, pickups (stored days only)."""
    return (
        ServiceDay.objects.using(report_database())
        .filter(day__gte=report.first_day, day__lte=report.last_day)
        .filter(report.store_q())
        .order_by("day", "store__code")
        .values_list(
            "day",
            "store__code",
            "offers",
            "accepted",
            "declined",
            "expired",
            "accepted_within_target",
            "accept_minutes_median",
            "pickups",
            "pickup_minutes_median",
        )
        .iterator(chunk_size=2000)
    )


def regions() -> list[Region]:
    return list(Region.objects.using(report_database()).order_by("code"))


def order_lines(report: ReportFilter) -> Iterator[tuple]:
    """Every order line paid in the range, oldest first, read in chunks (the CSV export of a
    year holds one chunk in memory, not the year)."""
    start, end = local_bounds(report.first_day, report.last_day)
    lines = (
        OrderLine.objects.using(report_database())
        .filter(order__paid_at__gte=start, order__paid_at__lt=end)
        .filter(report.store_q("order__credited_store"))
        .order_by("order__paid_at", "id")
        .values_list(
            "order__paid_at",
            "order__number",
            "order__credited_store__code",
            "order__fulfilling_store__code",
            "order__channel",
            "order__fulfillment",
            "sku__code",
            "product_name",
            "quantity",
            "unit_price",
            "discount_share",
            "refunded_quantity",
        )
    )
    return lines.iterator(chunk_size=2000)
