"""On the phone: after scanning a label in one store, the shopper sees where her size is."""

import pytest
from playwright.sync_api import expect

from inventory.services import stock_adjust
from tests.catalog.factories import CategoryFactory, ProductFactory, SKUFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    # A shopper standing in Pudong (GCJ-02 is close enough to her GPS position for ranking).
    return {
        "geolocation": {"latitude": 31.2405, "longitude": 121.5045},
        "permissions": ["geolocation"],
    }


def test_scanned_store_and_nearby_stores_follow_the_picked_size(page, screenshot, make_store):
    jingan = make_store("jingan", latitude=31.2290, longitude=121.4480)
    pudong = make_store("pudong", latitude=31.2400, longitude=121.5050)
    xujiahui = make_store("xujiahui", latitude=31.1950, longitude=121.4370)
    product = ProductFactory(code="coat", name="双面羊绒大衣", category=CategoryFactory(slug="w"))
    small = SKUFactory(product=product, code="coat-s", color="驼色", size="S")
    large = SKUFactory(product=product, code="coat-l", color="驼色", size="L")
    stock_adjust(store=jingan, sku=small, delta=2, reason="receipt")
    stock_adjust(store=xujiahui, sku=large, delta=6, reason="receipt")
    stock_adjust(store=pudong, sku=large, delta=1, reason="receipt")

    page.goto(f"{page.base_url}/q/coat-s?s=jingan")
    availability = page.locator("#stock-availability")
    expect(availability).to_contain_text("Only 2 left here")

    page.get_by_role("button", name="L", exact=True).click()
    expect(availability).to_contain_text("Not in this store")
    expect(availability.locator(".stock-list li").first).to_contain_text("门店 xujiahui")

    page.get_by_role("button", name="Find my size nearby").click()
    # From Pudong, the Pudong store (one left) now comes before Xujiahui.
    expect(availability.locator(".stock-list li").first).to_contain_text("门店 pudong")
    expect(availability.locator(".stock-list li").first).to_contain_text("1 left")
    screenshot(page, "availability")
