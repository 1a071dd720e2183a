"""HQ's dashboard in the back office (/staff/hq/reports/): figures, charts, CSV exports.

Read-only pages: parse the filters, call the selectors, render or stream. Mounted under /staff/
by the URL root (the back office never imports reports; these pages use its layout and access
checks).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.access import staff_required
from reports import selectors
from reports.forms import report_filter_from
from stores.models import Staff, Store

HQ = [Staff.Role.HQ]


class _Echo:
    """csv.writer writes into this and gets the line back, so rows stream one by one."""

    def write(self, value):
        return value


def csv_stream(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _chart(rows: list[dict], label_key, series: dict[str, str]) -> dict:
    return {
        "labels": [str(label_key(row)) for row in rows],
        "series": [
            {"name": name, "data": [row[key] or 0 for row in rows]} for key, name in series.items()
        ],
    }


@staff_required(roles=HQ)
def dashboard(request):
    form, report = report_filter_from(request.GET)
    by_day = selectors.sales_by_day(report)
    by_store = selectors.sales_by_store(report)
    by_channel = selectors.sales_by_channel(report)
    by_clerk = selectors.sales_by_clerk(report)
    products = selectors.top_products(report)
    customers = selectors.customers(report)
    tiers = selectors.tier_mix(report)
    responses = selectors.response_times(report)
    totals = {
        name: sum(row[name] for row in by_day)
        for name in ("orders", "sales_amount", "refund_amount", "net_amount", "online_amount")
    }
    net = totals["net_amount"]
    totals["online_share"] = round(100 * totals["online_amount"] / net) if net > 0 else None
    charts = {
        "day": _chart(
            by_day,
            lambda row: row["day"].strftime("%m-%d"),
            {
                "net_amount": _("Net sales"),
                "online_amount": _("Online"),
            },
        ),
        "store": _chart(
            by_store[:10],
            lambda row: row["store"].code,
            {
                "credited": _("Credited"),
                "fulfilled": _("Fulfilled"),
            },
        ),
        "channel": _chart(
            by_channel,
            lambda row: f"{row['channel']} · {row['fulfillment']}",
            {"net_amount": _("Net sales")},
        ),
        "clerk": _chart(
            by_clerk[:10],
            lambda row: row["clerk"].display_name,
            {
                "net_amount": _("Net sales"),
            },
        ),
        "product": _chart(
            products[:10],
            lambda row: row["product"].name,
            {
                "sales_amount": _("Paid"),
            },
        ),
        "customers": {
            "labels": [_("New"), _("Returning")],
            "series": [
                {"name": _("Customers"), "data": [customers["new"], customers["returning"]]}
            ],
        },
        "tiers": _chart(tiers, lambda row: row["tier"], {"members": _("Members")}),
        "responses": _chart(
            responses["statuses"],
            lambda row: row["status"],
            {
                "offers": _("Offers"),
            },
        ),
    }
    query = request.GET.urlencode()
    return TemplateResponse(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "report": report,
            "regions": selectors.regions(),
            "stores": Store.objects.order_by("code").only("pk", "code", "name")[:500],
            "kinds": Store.Kind.choices,
            "totals": totals,
            "by_day": by_day,
            "by_store": by_store,
            "by_channel": by_channel,
            "by_clerk": by_clerk,
            "products": products,
            "customers": customers,
            "tiers": tiers,
            "responses": responses,
            "charts": charts,
            "query": query,
        },
    )


def _export_rows(table: str, report) -> tuple[list[str], Iterable]:
    """(header, rows) of one exported table; money in fen."""
    if table == "days":
        rows = selectors.sales_by_day(report)
        return (
            ["day", "orders", "paid_fen", "refunded_fen", "net_fen", "online_net_fen"],
            (
                [
                    r["day"],
                    r["orders"],
                    r["sales_amount"],
                    r["refund_amount"],
                    r["net_amount"],
                    r["online_amount"],
                ]
                for r in rows
            ),
        )
    if table == "stores":
        rows = selectors.sales_by_store(report)
        return (
            [
                "store",
                "name",
                "kind",
                "credited_net_fen",
                "credited_orders",
                "fulfilled_net_fen",
                "fulfilled_orders",
            ],
            (
                [
                    r["store"].code,
                    r["store"].name,
                    r["store"].kind,
                    r["credited"],
                    r["credited_orders"],
                    r["fulfilled"],
                    r["fulfilled_orders"],
                ]
                for r in rows
            ),
        )
    if table == "channels":
        rows = selectors.sales_by_channel(report)
        return (
            ["channel", "fulfillment", "orders", "paid_fen", "refunded_fen", "net_fen"],
            (
                [
                    r["channel"],
                    r["fulfillment"],
                    r["orders"],
                    r["sales_amount"],
                    r["refund_amount"],
                    r["net_amount"],
                ]
                for r in rows
            ),
        )
    if table == "clerks":
        rows = selectors.sales_by_clerk(report, limit=100_000)
        return (
            [
                "clerk",
                "name",
                "store",
                "orders",
                "paid_fen",
                "refunded_fen",
                "net_fen",
                "bound_members_paid_fen",
            ],
            (
                [
                    r["clerk"].staff_code,
                    r["clerk"].display_name,
                    r["clerk"].store.code,
                    r["orders"],
                    r["sales_amount"],
                    r["refund_amount"],
                    r["net_amount"],
                    r["bound_sales_amount"],
                ]
                for r in rows
            ),
        )
    if table == "products":
        rows = selectors.top_products(report, limit=100_000)
        return (
            ["product", "name", "units", "paid_fen"],
            ([r["product"].code, r["product"].name, r["units"], r["sales_amount"]] for r in rows),
        )
    if table == "tiers":
        return (
            ["tier", "members"],
            ([r["tier"], r["members"]] for r in selectors.tier_mix(report)),
        )
    if table == "service":
        return (
            ["day", "store", "offers", "accepted", "declined", "expired",
             "accepted_within_target", "accept_minutes_median", "pickups",
             "pickup_minutes_median"],
            selectors.service_days(report),
        )  # fmt: skip
    if table == "lines":
        return (
            [
                "paid_at",
                "order",
                "credited_store",
                "fulfilling_store",
                "channel",
                "fulfillment",
                "sku",
                "product",
                "quantity",
                "unit_price_fen",
                "discount_fen",
                "refunded_quantity",
            ],
            selectors.order_lines(report),
        )
    raise Http404(_("No such report table."))


EXPORTS = ("days", "stores", "channels", "clerks", "products", "tiers", "service", "lines")


@staff_required(roles=HQ)
def export(request, table: str):
    if table not in EXPORTS:
        raise Http404(_("No such report table."))
    form, report = report_filter_from(request.GET)
    header, rows = _export_rows(table, report)
    filename = f"{table}-{report.first_day:%Y%m%d}-{report.last_day:%Y%m%d}.csv"
    return csv_stream(filename, header, rows)
