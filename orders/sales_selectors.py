"""One store's sales for its manager (DESIGN §4 "Attribution"): set-based aggregates, one query
each, whatever the number of orders.

A sale counts when it is paid (`paid_at`, also set for POS sales), at its amount net of refunds,
so a refunded order weighs nothing and a partly refunded one what she kept. Two views of the same
sales: **credited** (`credited_store`, the performance the store is judged on, which includes
online orders of its own customers fulfilled elsewhere) and **fulfilled** (`fulfilling_store`,
the work its staff did). Online means the H5 channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from members.models import Member
from orders.models import Order, Refund
from orders.status import SOLD
from stores.models import Staff, Store

NET = F("total_amount") - F("refunded_amount")
PERIODS = ("today", "week", "month")


@dataclass(frozen=True)
class SalesFigures:
    """Sales of one period, in fen."""

    credited: int = 0
    credited_orders: int = 0
    fulfilled: int = 0
    fulfilled_orders: int = 0
    online: int = 0  # credited sales placed online (H5)

    @property
    def online_share(self) -> int | None:
        """Online part of the credited sales, in whole percent (None without sales)."""
        if self.credited <= 0:
            return None
        return round(100 * self.online / self.credited)


def period_starts(now: datetime | None = None) -> dict[str, datetime]:
    """Local midnight of today, of this week's Monday and of the 1st of this month."""
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "today": midnight,
        "week": midnight - timedelta(days=midnight.weekday()),
        "month": midnight.replace(day=1),
    }


def _paid_for(store: Store, since: datetime):
    return Order.objects.filter(
        Q(credited_store=store) | Q(fulfilling_store=store), paid_at__gte=since
    )


def store_sales_summary(*, store: Store, now: datetime | None = None) -> dict[str, SalesFigures]:
    """{"today" | "week" | "month": SalesFigures} for the store, in one aggregate query."""
    starts = period_starts(now)
    credited, fulfilled = Q(credited_store=store), Q(fulfilling_store=store)
    kept = Q(status__in=SOLD)
    online = Q(channel=Order.Channel.H5)
    aggregates = {}
    for period, start in starts.items():
        since = Q(paid_at__gte=start)
        aggregates |= {
            f"{period}_credited": Sum(NET, filter=since & credited),
            f"{period}_credited_orders": Count("id", filter=since & credited & kept),
            f"{period}_fulfilled": Sum(NET, filter=since & fulfilled),
            f"{period}_fulfilled_orders": Count("id", filter=since & fulfilled & kept),
            f"{period}_online": Sum(NET, filter=since & credited & online),
        }
    totals = _paid_for(store, min(starts.values())).aggregate(**aggregates)
    return {
        period: SalesFigures(
            **{
                name: totals[f"{period}_{name}"] or 0
                for name in ("credited", "credited_orders", "fulfilled", "fulfilled_orders")
            },
            online=totals[f"{period}_online"] or 0,
        )
        for period in PERIODS
    }


@dataclass(frozen=True)
class DaySales:
    day: date
    credited: int = 0
    fulfilled: int = 0


def store_sales_by_day(
    *, store: Store, days: int = 30, now: datetime | None = None
) -> list[DaySales]:
    """Credited and fulfilled sales per local day for the last `days` days (today included),
    oldest first, days without sales as zero; one query."""
    today = period_starts(now)["today"]
    start = today - timedelta(days=days - 1)
    rows = (
        _paid_for(store, start)
        .annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            credited=Sum(NET, filter=Q(credited_store=store)),
            fulfilled=Sum(NET, filter=Q(fulfilling_store=store)),
        )
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = (start + timedelta(days=offset)).date()
        row = by_day.get(day, {})
        series.append(
            DaySales(
                day=day, credited=row.get("credited") or 0, fulfilled=row.get("fulfilled") or 0
            )
        )
    return series


def store_refunds_recent(*, store: Store, since: datetime, limit: int = 20) -> list[Refund]:
    """Refunds of orders the store is credited with or fulfilled, newest first (one query)."""
    return list(
        Refund.objects.filter(
            Q(order__credited_store=store) | Q(order__fulfilling_store=store),
            created_at__gte=since,
        )
        .select_related("order", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def store_team_sales(*, store: Store, since: datetime) -> list[Staff]:
    """The store's active staff, each with `sales` (fen, net) and `order_count` credited to them
    since `since`, and `bound_count` (customers bound to them); one query, best seller first.
    """
    whole = IntegerField()
    credited = Order.objects.filter(credited_clerk=OuterRef("pk"), paid_at__gte=since).values(
        "credited_clerk"
    )
    bound = Member.objects.filter(bound_clerk=OuterRef("pk")).values("bound_clerk")
    return list(
        Staff.objects.filter(store=store, is_active=True)
        .annotate(
            sales=Coalesce(
                Subquery(credited.annotate(total=Sum(NET)).values("total"), output_field=whole),
                Value(0),
            ),
            order_count=Coalesce(
                Subquery(
                    credited.filter(status__in=SOLD).annotate(n=Count("id")).values("n"),
                    output_field=whole,
                ),
                Value(0),
            ),
            bound_count=Coalesce(
                Subquery(bound.annotate(n=Count("id")).values("n"), output_field=whole),
                Value(0),
            ),
        )
        .order_by("-sales", "staff_code")
    )
