"""The product page's color and size picker in a phone browser (static/js/product.js)."""

import pytest
from playwright.sync_api import expect

from tests.catalog.factories import ProductFactory, SKUFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_single_size_product_keeps_its_only_size_on_tap(page, screenshot):
    product = ProductFactory(code="tee", name="纯棉T恤")
    SKUFactory(product=product, code="tee-black", color="黑色", size="均码")
    SKUFactory(product=product, code="tee-white", color="白色", size="均码")
    page.goto(f"/p/{product.code}/")
    size = page.locator('.option[data-kind="size"]')
    expect(size).to_have_attribute("aria-pressed", "true")  # the only size, picked already

    size.click()

    expect(size).to_have_attribute("aria-pressed", "true")
    page.locator('.option[data-kind="color"][data-value="白色"]').click()
    expect(page.locator("[data-picker-status]")).to_have_text("Selected: 白色 / 均码")
    expect(page).to_have_url(f"{page.base_url}/p/{product.code}/?sku=tee-white")
    screenshot(page, "single-size")

    # With a choice to make, a second tap still clears it.
    black = page.locator('.option[data-kind="color"][data-value="黑色"]')
    black.click()
    black.click()
    expect(black).to_have_attribute("aria-pressed", "false")
    expect(size).to_have_attribute("aria-pressed", "true")


def test_a_single_sku_product_keeps_its_only_color_and_size_on_tap(page):
    product = ProductFactory(code="scarf", name="羊绒围巾")
    SKUFactory(product=product, code="scarf-1", color="驼色", size="均码")
    page.goto(f"/p/{product.code}/")

    page.locator('.option[data-kind="color"]').click()
    page.locator('.option[data-kind="size"]').click()

    expect(page.locator('.option[aria-pressed="true"]')).to_have_count(2)
    expect(page.locator("[data-picker-status]")).to_have_text("Selected: 驼色 / 均码")
