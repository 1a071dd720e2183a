"""HQ's dashboard: the figures of the facts plus today's live ledger, filters, CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from reports.services.facts import facts_rebuild
from stores.models import Region, Staff, Store
from tests.backoffice.stock_fixtures import staff_make
from tests.reports.synthetic import at, order_make, refund_make

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports_backoffice:dashboard")


@pytest.fixture
def hq(shop):
    return staff_make("HQ-1", shop.store, role=Staff.Role.HQ)


@pytest.fixture
def sales(shop):
    """Yesterday (in the facts) and today (live): sh01 sells in store and online, sh02 sells in
    another region; one refund today of yesterday's order."""
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    north = Region.objects.create(code="bj", name="北京")
    Store.objects.filter(pk=shop.other_store.pk).update(region=north)
    old = order_make(shop, paid_at=at(yesterday, 10), amount=10000, clerk=shop.clerk)
    order_make(
        shop,
        paid_at=at(yesterday, 11),
        amount=20000,
        channel=Order.Channel.H5,
        fulfillment=Order.Fulfillment.DELIVERY,
        fulfilling_store=shop.other_store,
    )
    order_make(shop, paid_at=at(yesterday, 12), amount=40000, credited_store=shop.other_store)
    facts_rebuild(first_day=yesterday, last_day=yesterday)
    now = timezone.localtime()
    order_make(shop, paid_at=now - timedelta(seconds=1), amount=5000)
    refund_make(old, amount=3000, completed_at=now - timedelta(seconds=1))
    shop.north = north
    return shop


def test_hq_sees_past_facts_and_todays_live_sales(client, hq, sales):
    client.force_login(hq.user)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals["sales_amount"] == 75000 and totals["refund_amount"] == 3000
    assert totals["net_amount"] == 72000 and totals["online_amount"] == 20000
    by_store = {row["store"].code: row for row in response.context["by_store"]}
    # The delivery sh02 fulfilled for sh01's customer counts as sh01's sale.
    assert by_store["sh01"]["credited"] == 10000 - 3000 + 20000 + 5000
    assert by_store["sh02"]["fulfilled"] == 20000 + 40000
    assert [row["net_amount"] for row in response.context["by_clerk"]] == [7000]
    html = response.content.decode()
    assert 'data-chart="day"' in html and 'id="report-charts"' in html


def test_filtering_to_a_region_keeps_its_stores_only(client, hq, sales):
    client.force_login(hq.user)

    response = client.get(DASHBOARD, {"region": sales.north.pk})

    assert response.context["totals"]["net_amount"] == 40000
    assert [row["store"].code for row in response.context["by_store"]] == ["sh02"]


def test_bad_filters_say_so_and_show_the_default_range(client, hq, sales):
    client.force_login(hq.user)

    response = client.get(
        DASHBOARD, {"first_day": "2026-13-01", "last_day": "x\x00", "region": "-1"}
    )
    backwards = client.get(DASHBOARD, {"first_day": "2026-05-02", "last_day": "2026-05-01"})

    assert response.status_code in (200, 400)
    assert backwards.status_code == 200
    assert "The first day is after the last day." in backwards.content.decode()
    assert backwards.context["report"].last_day == timezone.localdate()


def test_clerks_and_managers_cannot_open_it(client, shop):
    client.force_login(shop.manager.user)

    assert client.get(DASHBOARD).status_code == 403


def test_the_dashboard_runs_a_bounded_number_of_queries(
    client, hq, sales, django_assert_max_num_queries
):
    client.force_login(hq.user)
    with django_assert_max_num_queries(40):
        client.get(DASHBOARD)


def test_csv_exports_stream_every_table(client, hq, sales):
    client.force_login(hq.user)

    for table in ("days", "stores", "channels", "clerks", "products", "tiers", "service", "lines"):
        response = client.get(reverse("reports_backoffice:export", args=[table]))
        assert response.status_code == 200 and response.streaming, table
        assert response["Content-Type"].startswith("text/csv")
    lines = client.get(reverse("reports_backoffice:export", args=["lines"]))
    rows = list(csv.reader(io.StringIO(b"".join(lines.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["paid_at", "order", "credited_store"]
    assert len(rows) == 1 + 4
    stores = client.get(reverse("reports_backoffice:export", args=["stores"]), {"region": "x"})
    assert stores.status_code == 200  # a bad filter exports the default range
    assert client.get(reverse("reports_backoffice:export", args=["nope"])).status_code == 404


def test_one_stores_days_come_from_the_facts_and_today_live(sales):
    from reports.selectors import ReportFilter, sales_by_day

    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    one_store = ReportFilter(first_day=yesterday, last_day=today, store_id=sales.store.pk)
    franchise = ReportFilter(first_day=yesterday, last_day=today, store_kind="franchise")

    rows = sales_by_day(one_store)

    assert [
        (row["day"], row["orders"], row["net_amount"], row["online_amount"], row["online_share"])
        for row in rows
    ] == [(yesterday, 2, 30000, 20000, 67), (today, 1, 5000 - 3000, 0, 0)]
    assert sales_by_day(franchise) == []
