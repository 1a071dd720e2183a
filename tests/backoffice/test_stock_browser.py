"""On the clerks' phones (390×844): sh01's clerk finds the dress in nearby stores and asks sh02
for it for a customer; sh02's clerk ships it; sh01's clerk counts it in and sees her stock rise.
The manager's sales chart is drawn; HQ sees a store's desk without its buttons."""

import pytest
from playwright.sync_api import expect

from inventory.models import StockLevel, Transfer
from orders.services.checkout import Line
from stores.models import Staff
from tests.backoffice.stock_fixtures import staff_make
from tests.o2o.test_tap_targets_browser import too_small
from tests.orders.placing import F, pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto(f"{page.base_url}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.locator(".bo-login button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/staff/")


def log_out(page):
    page.locator(".bo-logout button").click()
    page.wait_for_load_state()


def on_hand(store, sku):
    return StockLevel.objects.get(store=store, sku=sku).on_hand


def test_a_transfer_asked_shipped_and_received_between_two_clerks(nearby, page, screenshot):
    shop = nearby
    log_in(page, "sh01-c1")
    page.get_by_role("link", name="Stock room").click()
    page.fill("input[name=q]", "真丝")
    page.get_by_role("button", name="Look up").click()
    page.get_by_role("link", name="真丝连衣裙").filter(has_text="dress-m").click()
    expect(page.locator("[data-here-available]")).to_have_text("3")
    stores = page.locator(".st-store")
    expect(stores).to_have_count(2)
    expect(stores.nth(0)).to_contain_text("静安寺店")
    expect(stores.nth(0)).to_contain_text("4 available")
    expect(stores.nth(0)).to_contain_text("km")
    expect(stores.nth(1)).to_contain_text("陆家嘴店")
    screenshot(page, "1-nearby")

    near = page.locator("#store-sh02")
    near.get_by_text("Request a transfer").click()
    near.locator("input[name=quantity]").fill("2")
    near.locator("input[name=customer_reference]").fill("13900139000")
    near.locator("input[name=note]").fill("顾客周六来试")
    screenshot(page, "2-ask")
    assert too_small(page) == []
    near.get_by_role("button", name="Ask 静安寺店").click()
    expect(page.locator(".messages")).to_contain_text("Asked 静安寺店 for 2")
    expect(page.locator("[data-state]")).to_have_text("Requested")
    screenshot(page, "3-requested")
    transfer = Transfer.objects.get()
    assert StockLevel.objects.get(store=shop.other_store, sku=shop.sku_m).reserved == 2

    log_out(page)
    log_in(page, "sh02-c1")
    page.get_by_role("link", name="Transfers", exact=True).click()
    incoming = page.locator("#to-ship")
    expect(incoming.locator(".st-badge")).to_have_text("1")
    expect(incoming).to_contain_text("13900139000")
    screenshot(page, "4-incoming")
    assert too_small(page) == []
    incoming.locator(f"#transfer-{transfer.pk} a").click()
    page.get_by_role("button", name="Packed: ship it").click()
    expect(page.locator("[data-state]")).to_have_text("Shipped (in transit)")
    screenshot(page, "5-shipped")
    assert on_hand(shop.other_store, shop.sku_m) == 2

    log_out(page)
    log_in(page, "sh01-c1")
    page.goto(f"{page.base_url}/staff/stock/transfers/")
    page.locator(f"#arriving #transfer-{transfer.pk} a").click()
    count = page.locator(f"input[name=line-{shop.sku_m.pk}]")
    expect(count).to_have_value("2")
    screenshot(page, "6-count")
    assert too_small(page) == []
    page.get_by_role("button", name="Receive into stock").click()
    expect(page.locator("[data-state]")).to_have_text("Received")
    screenshot(page, "7-received")

    page.goto(f"{page.base_url}/staff/stock/?sku=dress-m")
    expect(page.locator("[data-here-available]")).to_have_text("5")
    screenshot(page, "8-stock-rose")
    assert on_hand(shop.store, shop.sku_m) == 5


def test_the_manager_sees_the_sales_chart_drawn(shop, page, screenshot):
    for sku in (shop.sku_m, shop.sku_l):
        pay(place(shop, F.PICKUP, lines=[Line(sku, 1)]))
    pay(place(shop, lines=[Line(shop.sku_m, 1)]))
    log_in(page, "sh01-m")
    page.get_by_role("link", name="Sales and team").click()
    expect(page.locator("h1")).to_contain_text("Manager")

    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('sales-chart'))"
    )
    drawn = page.evaluate(
        """() => {
            const canvas = document.getElementById('sales-chart');
            const chart = Chart.getChart(canvas);
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
            return {
                painted,
                width: canvas.width,
                bars: chart.data.datasets[0].data.length,
                today: chart.data.datasets[0].data[chart.data.datasets[0].data.length - 1],
                image: canvas.toDataURL().length,
            };
        }"""
    )
    assert drawn["width"] > 0 and drawn["bars"] == 30
    assert drawn["today"] == 3 * 59900
    assert drawn["painted"] > 1000  # axes, labels and bars, not a blank canvas
    assert drawn["image"] > 1000
    screenshot(page, "manager")
    assert too_small(page) == []


def test_hq_sees_a_stores_desk_without_its_buttons(nearby, page, screenshot):
    staff_make("HQ-1", nearby.warehouse, role=Staff.Role.HQ)
    order = pay(place(nearby, F.PICKUP, lines=[Line(nearby.sku_m, 1)]))
    log_in(page, "hq-1")
    page.get_by_role("link", name="Switch store").first.click()
    page.locator(".st-store", has_text="sh01 店").get_by_role("button", name="Open").click()
    expect(page.locator(".bo-read-only-note")).to_contain_text("HQ view of sh01 店: read-only.")
    page.goto(f"{page.base_url}/staff/hq/stores/")
    screenshot(page, "hq-picker")
    assert too_small(page) == []
    page.goto(f"{page.base_url}/staff/")
    screenshot(page, "hq-home")

    page.goto(f"{page.base_url}/staff/orders/{order.number}/")
    expect(page.locator(".ob-number")).to_be_visible()
    expect(page.get_by_role("button", name="Packed: mark ready")).to_be_hidden()
    screenshot(page, "hq-order")
