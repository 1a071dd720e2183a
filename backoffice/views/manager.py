"""The store manager's page: sales today, this week and this month (credited and fulfilled, the
online share), a chart of the last 30 days, refunds, the team's sales and bound customers, and
the stock under its reorder point. HQ sees it for the store it looks at."""

from __future__ import annotations

from datetime import timedelta

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access import MANAGERS_AND_HQ, staff_required
from inventory.selectors import store_levels_below_reorder_point
from orders.sales_selectors import (
    period_starts,
    store_refunds_recent,
    store_sales_by_day,
    store_sales_summary,
    store_team_sales,
)

CHART_DAYS = 30
REFUND_DAYS = 30


@staff_required(roles=MANAGERS_AND_HQ)
def manager(request):
    store = request.staff.store
    now = timezone.now()
    sales = store_sales_summary(store=store, now=now)
    by_day = store_sales_by_day(store=store, days=CHART_DAYS, now=now)
    chart = {
        "labels": [point.day.strftime("%m-%d") for point in by_day],
        "credited": [point.credited for point in by_day],
        "fulfilled": [point.fulfilled for point in by_day],
        "names": {"credited": _("Credited"), "fulfilled": _("Fulfilled")},
    }
    return TemplateResponse(
        request,
        "backoffice/manager/desk.html",
        {
            "store": store,
            "periods": [
                (_("Today"), sales["today"]),
                (_("This week"), sales["week"]),
                (_("This month"), sales["month"]),
            ],
            "chart": chart,
            "chart_total": sum(point.credited for point in by_day),
            "refunds": store_refunds_recent(store=store, since=now - timedelta(days=REFUND_DAYS)),
            "team": store_team_sales(store=store, since=period_starts(now)["month"]),
            "below_reorder_point": store_levels_below_reorder_point(store=store, now=now),
        },
    )
