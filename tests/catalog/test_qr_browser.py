"""A shopper scans a shelf label with the phone and picks another size."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from catalog.demo import ProductPlan, demo_image
from catalog.models import Category
from catalog.services import product_image_add
from tests.catalog.factories import CategoryFactory, ProductFactory, ReviewFactory, SKUFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def knit_sweater():
    category = CategoryFactory(name="女装", slug="women")
    product = ProductFactory(
        code="wom-knit",
        name="羊毛混纺圆领针织衫",
        brand="素言",
        category=category,
        base_price=19900,
        description="70% 羊毛，亲肤不扎。\n门店同款，支持到店自提。",
    )
    skus = {}
    for color in ("黑色", "白色", "燕麦色"):
        for size in ("S", "M", "L", "XL"):
            skus[color, size] = SKUFactory(
                product=product,
                code=f"wom-knit-{len(skus) + 1}",
                color=color,
                size=size,
                price_override=21900 if size == "XL" else None,
                # 白色 XL is sold out for good: the picker must show it crossed out.
                is_active=(color, size) != ("白色", "XL"),
            )
    plan = ProductPlan(
        code=product.code,
        name=product.name,
        brand=product.brand,
        category_slug="women",
        root_slug="apparel",
        shape="shirt",
        base_price=19900,
        description="",
        new_arrival_days_ago=None,
        consumption_days_per_unit=None,
    )
    for position, color in enumerate(("黑色", "白色", "燕麦色")):
        product_image_add(
            product=product, image_file=demo_image(plan, color, 1), color=color, position=position
        )
    ReviewFactory(
        product=product,
        display_name="小雨***",
        rating=5,
        verified_purchase=True,
        text="面料很舒服，版型也好看，尺码标准。",
    )
    ReviewFactory(product=product, display_name="阿杰***", rating=4, text="稍微有点偏大。")
    match = ProductFactory(name="高腰阔腿西装裤", category=category, base_price=25900)
    SKUFactory(product=match)
    product.goes_well_with.add(match)
    return product, skus


def pressed(page, kind, value):
    return page.locator(f'.option[data-kind="{kind}"][data-value="{value}"]')


def test_scan_lands_on_the_sku_then_the_shopper_picks_another_size(page, screenshot, store):
    product, skus = knit_sweater()
    black_m, black_xl, white_m = skus["黑色", "M"], skus["黑色", "XL"], skus["白色", "M"]

    page.goto(page.base_url + f"/q/{black_m.code}?s={store.code}")

    assert page.url.endswith(
        reverse("catalog:product", args=[product.code]) + f"?sku={black_m.code}"
    )
    assert pressed(page, "color", "黑色").get_attribute("aria-pressed") == "true"
    assert pressed(page, "size", "M").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-price]").inner_text() == "¥199.00"
    assert store.name in page.locator(".scanned-store").inner_text()
    screenshot(page, "landed")

    pressed(page, "size", "XL").click()

    assert pressed(page, "size", "XL").get_attribute("aria-pressed") == "true"
    assert pressed(page, "size", "M").get_attribute("aria-pressed") == "false"
    assert page.locator("[data-price]").inner_text() == "¥219.00"
    assert page.url.endswith(f"?sku={black_xl.code}")
    # 白色 exists only without XL now: offered crossed out, not hidden.
    assert pressed(page, "color", "白色").get_attribute("aria-disabled") == "true"

    pressed(page, "size", "M").click()
    pressed(page, "color", "白色").click()

    assert pressed(page, "size", "XL").get_attribute("aria-disabled") == "true"
    assert pressed(page, "color", "白色").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-price]").inner_text() == "¥199.00"
    assert page.url.endswith(f"?sku={white_m.code}")
    assert page.locator(".gallery-slide").first.get_attribute("data-color") == "白色"
    screenshot(page, "white-m")

    page.locator("[data-share]").click()
    # The toast hides itself after two seconds; its text stays, which is what is checked.
    expect(page.locator("[data-toast]")).to_have_text(re.compile(r"\S"))
    screenshot(page, "shared")


def test_a_withdrawn_label_shows_the_friendly_page(page, screenshot, store):
    _product, skus = knit_sweater()

    response = page.goto(page.base_url + f"/q/{skus['白色', 'XL'].code}?s={store.code}")

    assert response.status == 410
    assert page.locator("a[href='/stores/']").count() >= 1
    screenshot(page, "not-sold")


# A finger needs a target at least this tall (Apple's and WeChat's guidelines: 44 pt).
TAP_HEIGHT = 44


def tap_heights(locator) -> list[float]:
    return [locator.nth(index).bounding_box()["height"] for index in range(locator.count())]


def test_home_and_category_pages_render_on_a_phone(page, screenshot):
    knit_sweater()
    CategoryFactory(name="针织衫", slug="knitwear", parent=Category.objects.get(slug="women"))

    page.goto(page.base_url + "/")
    assert page.locator(".product-tile").count() >= 2
    home_chips = tap_heights(page.locator(".category-chips .chip"))
    screenshot(page, "home")
    page.goto(page.base_url + "/categories/")
    child_chips = tap_heights(page.locator(".category-children .chip"))
    screenshot(page, "categories")
    page.goto(page.base_url + "/c/women/")
    assert page.locator(".product-tile").count() == 2
    filter_chips = tap_heights(page.locator(".category-chips .chip"))
    screenshot(page, "category")

    # The category chips are tapped: each one is tall enough for a finger.
    assert home_chips and child_chips and filter_chips
    assert min(home_chips + child_chips + filter_chips) >= TAP_HEIGHT
