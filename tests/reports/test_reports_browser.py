"""On HQ's phone (390×844): the dashboard filtered to one region, its charts drawn, a CSV
downloaded."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Order
from reports.services.facts import facts_rebuild
from stores.models import Region, Staff, Store
from tests.backoffice.stock_fixtures import staff_make
from tests.o2o.test_tap_targets_browser import too_small
from tests.reports.synthetic import at, order_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto(f"{page.base_url}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.locator(".bo-login button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/staff/")


def painted(page, name: str) -> int:
    return page.evaluate(
        """(name) => {
            const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return painted;
        }""",
        name,
    )


def test_hq_filters_the_dashboard_to_a_region_and_downloads_a_csv(shop, page, screenshot):
    staff_make("HQ-1", shop.store, role=Staff.Role.HQ)
    north = Region.objects.create(code="bj", name="北京")
    Store.objects.filter(pk=shop.other_store.pk).update(region=north)
    today = timezone.localdate()
    for offset in range(1, 8):
        day = today - timedelta(days=offset)
        order_make(shop, paid_at=at(day, 11), amount=10000 * offset, clerk=shop.clerk)
        order_make(
            shop,
            paid_at=at(day, 15),
            amount=30000,
            channel=Order.Channel.H5,
            fulfillment=Order.Fulfillment.PICKUP,
            credited_store=shop.other_store,
        )
    facts_rebuild(first_day=today - timedelta(days=7), last_day=today)

    log_in(page, "hq-1")
    page.goto(f"{page.base_url}/staff/hq/reports/")
    page.select_option("select[name=region]", str(north.pk))
    page.locator("#report-filters button[type=submit]").click()
    page.wait_for_url(f"**region={north.pk}**")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart=day]'))"
    )

    expect(page.locator(".rp-totals")).to_contain_text("¥2,100.00")
    stores_shown = page.locator("#by-store table").inner_text()
    assert "sh02" in stores_shown and "sh01" not in stores_shown
    assert painted(page, "day") > 1000 and painted(page, "store") > 1000
    assert page.locator("canvas[data-chart=day]").get_attribute("data-drawn") == "yes"
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(el => el.getBoundingClientRect().right > 391)
            .map(el => el.tagName + '.' + el.className + ' ' + el.getBoundingClientRect().right)
            .slice(0, 8)"""
    )
    assert wide == [], wide
    assert too_small(page) == []
    screenshot(page, "dashboard")
    with page.expect_download() as download_info:
        page.locator("#by-store .rp-csv").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    assert content.splitlines()[0].startswith("store,name,kind,credited_net_fen")
    assert "sh02" in content and "sh01" not in content


def test_the_manager_of_a_franchise_store_reads_her_months_statement(shop, page, screenshot):
    from datetime import date

    from reports.services.settlement import statement_issue, statement_prepare

    Store.objects.filter(pk=shop.store.pk).update(kind=Store.Kind.FRANCHISE)
    shop.store.refresh_from_db()
    march = date(2026, 3, 1)
    order_make(shop, paid_at=at(march, 10), amount=59900, discount=999)
    order_make(
        shop,
        paid_at=at(date(2026, 3, 9), 18),
        amount=30000,
        channel=Order.Channel.H5,
        fulfillment=Order.Fulfillment.DELIVERY,
        fulfilling_store=shop.other_store,
    )
    statement = statement_issue(statement=statement_prepare(store=shop.store, month=march))

    log_in(page, "sh01-m")
    page.get_by_role("link", name="Monthly statements").click()
    page.get_by_role("link", name="2026-03").click()

    expect(page.locator("#net-due")).to_have_text(f"¥{statement.net_due / 100:,.2f}")
    expect(page.locator("#statement")).to_contain_text("Issued")
    assert too_small(page) == []
    screenshot(page, "statement")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export (CSV)").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    assert f"summary,net_due_fen,,,,{statement.net_due}" in content
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download (PDF)").click()
    assert download_info.value.suggested_filename == "statement-sh01-2026-03.pdf"
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_hq_resolves_a_reconciliation_difference_and_sees_the_statements(
    shop, page, screenshot, tmp_path
):
    from datetime import date

    from orders.models import Payment
    from reports.wechat_bill import BillPayment, bill_write

    staff_make("HQ-1", shop.store, role=Staff.Role.HQ)
    Store.objects.filter(pk=shop.store.pk).update(kind=Store.Kind.FRANCHISE)
    day = date(2026, 4, 8)
    order = order_make(shop, paid_at=at(day, 12), amount=9900)
    Payment.objects.create(
        order=order,
        out_trade_no="P-1",
        amount=9900,
        transaction_id="4200-1",
        status=Payment.Status.PAID,
        paid_at=at(day, 12),
        expires_at=at(day, 12),
    )
    bill = tmp_path / "bill.csv"
    bill.write_text(
        bill_write(
            app_id="wx",
            mch_id="1900000109",
            payments=[
                BillPayment("4200-1", "P-1", 9900, "2026-04-08 12:00:00"),
                BillPayment("4200-2", "P-GHOST", 4500, "2026-04-08 13:00:00"),
            ],
            refunds=[],
        ),
        encoding="utf-8",
    )

    log_in(page, "hq-1")
    page.get_by_role("link", name="HQ reports").click()
    page.get_by_role("link", name="Payment reconciliation").click()
    upload = page.locator("form[enctype]")
    upload.locator("input[name=bill_date]").fill("2026-04-08")
    upload.locator("input[name=bill]").set_input_files(str(bill))
    upload.get_by_role("button", name="Upload and match").click()

    expect(page.locator(".messages")).to_contain_text("1 matched, 1 differences")
    expect(page.locator("#differences")).to_contain_text("P-GHOST")
    assert too_small(page) == []
    screenshot(page, "reconciliation")
    page.fill("#differences input[name=note]", "Duplicate payment, refunded by hand")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#differences")).to_contain_text("Nothing to resolve.")

    page.get_by_role("link", name="Franchise statements").click()
    page.fill("input[name=month]", "2026-04")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("button", name="Prepare or recompute the drafts of this month").click()
    expect(page.locator(".messages")).to_contain_text("1 statement prepared.")
    expect(page.locator(".rp-differences")).to_contain_text("sh01")
    expect(page.locator(".rp-differences")).to_contain_text("Draft")
    assert too_small(page) == []
    screenshot(page, "settlements")
