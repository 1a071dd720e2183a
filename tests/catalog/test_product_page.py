import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    ReviewPhotoFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def product_with(count: int):
    """A product with `count` SKUs, images, reviews (with photos) and matching products."""
    product = ProductFactory(base_price=19900)
    for n in range(count):
        SKUFactory(product=product, color=f"色{n % 4}", size=f"尺{n}", price_override=n * 100)
        ProductImageFactory(product=product, color=f"色{n % 4}", position=n)
        ReviewPhotoFactory(review=ReviewFactory(product=product, rating=1 + n % 5))
        match = ProductFactory()
        SKUFactory(product=match)
        ProductImageFactory(product=match)
        product.goes_well_with.add(match)
    return product


def queries_for(client, product) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("catalog:product", args=[product.code]))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_is_small_and_does_not_grow_with_skus_images_or_reviews(client):
    small, large = product_with(1), product_with(20)

    small_count = queries_for(client, small)
    large_count = queries_for(client, large)

    assert small_count <= MAX_QUERIES
    assert large_count == small_count
    # Served again from the page cache: none of the catalog's queries are left.
    assert queries_for(client, large) == 0
    # Matching products are capped, each tile with its own cover and price.
    cache.clear()
    response = client.get(reverse("catalog:product", args=[large.code]))
    assert len(response.context["matching"]) == 6
    assert all(
        tile.cover_thumbnail and tile.min_price == 19900 for tile in response.context["matching"]
    )


def test_query_count_with_a_remembered_store_stays_within_the_limit(
    client, store, django_assert_max_num_queries
):
    product = product_with(3)
    sku = product.skus.first()
    client.get(f"/q/{sku.code}?s={store.code}")

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("catalog:product", args=[product.code]), {"sku": sku.code})

    assert store.name in response.content.decode()


def test_the_page_shows_the_price_range_and_every_sku_for_the_picker(client):
    product = ProductFactory(base_price=19900, name="羊毛针织衫")
    SKUFactory(product=product, code="knit-1", color="黑色", size="M")
    SKUFactory(product=product, code="knit-2", color="黑色", size="XL", price_override=21900)
    SKUFactory(product=product, code="knit-3", color="白色", size="M", is_active=False)

    response = client.get(reverse("catalog:product", args=[product.code]))

    html = response.content.decode()
    assert "羊毛针织衫" in html
    assert "¥199.00 – ¥219.00" in html
    blob = response.context["skus_json"]
    assert {sku["code"]: sku["active"] for sku in blob} == {
        "knit-1": True,
        "knit-2": True,
        "knit-3": False,
    }
    assert json.dumps("knit-3") in html  # embedded via json_script for product.js


def test_selected_sku_sets_the_exact_price_and_disables_unavailable_combinations(client):
    product = ProductFactory(base_price=19900)
    SKUFactory(product=product, code="c-1", color="黑色", size="M")
    SKUFactory(product=product, code="c-2", color="黑色", size="XL", price_override=21900)
    SKUFactory(product=product, code="c-3", color="白色", size="M")
    SKUFactory(product=product, code="c-4", color="白色", size="XL", is_active=False)

    response = client.get(reverse("catalog:product", args=[product.code]), {"sku": "c-3"})

    html = response.content.decode()
    assert response.context["selected_sku"].code == "c-3"
    assert '<span class="price price-large" data-price' in html and "¥199.00</span>" in html
    sizes = {option.value: option for option in response.context["sizes"]}
    assert sizes["M"].selected and not sizes["M"].disabled
    assert sizes["XL"].disabled  # 白色 XL is withdrawn
    assert 'data-value="XL" aria-pressed="false" aria-disabled="true"' in html
    colors = {option.value: option for option in response.context["colors"]}
    assert colors["白色"].selected and not colors["黑色"].disabled


def test_images_of_the_selected_color_come_first(client):
    product = ProductFactory()
    SKUFactory(product=product, code="g-1", color="黑色", size="M")
    SKUFactory(product=product, code="g-2", color="白色", size="M")
    black = ProductImageFactory(product=product, color="黑色", position=0)
    white = ProductImageFactory(product=product, color="白色", position=1)

    response = client.get(reverse("catalog:product", args=[product.code]), {"sku": "g-2"})

    assert [image.pk for image in response.context["images"]] == [white.pk, black.pk]


def test_rating_summary_and_reviews_leave_hidden_reviews_out(client):
    product = ProductFactory()
    SKUFactory(product=product)
    ReviewFactory(product=product, rating=5, text="非常满意", verified_purchase=True)
    ReviewFactory(product=product, rating=4, text="还不错")
    ReviewFactory(product=product, rating=1, text="加微信领券", is_hidden=True)

    response = client.get(reverse("catalog:product", args=[product.code]))

    html = response.content.decode()
    rating = response.context["rating"]
    assert (rating.count, rating.average) == (2, 4.5)
    assert dict((stars, count) for stars, count, _ in rating.distribution) == {
        5: 1,
        4: 1,
        3: 0,
        2: 0,
        1: 0,
    }
    assert "非常满意" in html and "还不错" in html and "加微信领券" not in html
    assert "Verified purchase" in html or "已购" in html


def test_only_the_newest_reviews_are_shown_with_a_link_to_all(client):
    product = ProductFactory()
    SKUFactory(product=product)
    for n in range(12):
        ReviewFactory(product=product, text=f"评价{n}")

    response = client.get(reverse("catalog:product", args=[product.code]))

    assert len(response.context["reviews"]) == 10
    all_url = reverse("catalog:product_reviews", args=[product.code])
    assert all_url in response.content.decode()
    assert client.get(all_url).status_code == 200


@pytest.mark.parametrize("code", ["nope", "x" * 500, "商品", "a.b"])
def test_unknown_or_odd_product_codes_are_404(client, code):
    assert client.get(f"/p/{code}/").status_code == 404


def test_an_inactive_product_is_404(client):
    product = ProductFactory(is_active=False)
    assert client.get(reverse("catalog:product", args=[product.code])).status_code == 404


def test_an_unknown_sku_parameter_falls_back_to_no_selection(client):
    product = ProductFactory()
    SKUFactory(product=product, color="黑色", size="M")
    SKUFactory(product=product, color="黑色", size="L")

    response = client.get(reverse("catalog:product", args=[product.code]), {"sku": "zz-unknown"})

    assert response.status_code == 200
    assert response.context["selected_sku"] is None


def picker_labels(page: str) -> list[str]:
    return re.findall(r'class="picker-label" id="picker-\w+-label">([^<]*)<', page)


def test_formula_pickers_are_named_by_its_category_not_color_and_size(client):
    """A can of formula comes in stages and weights (demo: 1段/2段/3段 × 900g)."""
    baby = CategoryFactory(name="母婴")
    formula = CategoryFactory(name="奶粉", parent=baby, color_label="段数", size_label="规格")
    product = ProductFactory(category=formula)
    for stage in ("1段", "2段", "3段"):
        SKUFactory(product=product, color=stage, size="900g")

    page = client.get(reverse("catalog:product", args=[product.code])).content.decode()

    assert picker_labels(page) == ["段数", "规格"]
    assert 'data-choose="Choose: 段数, 规格"' in page


def test_a_subcategory_takes_the_parents_option_names_and_hides_an_empty_axis(client):
    """Skincare (a 美妆 subcategory) comes in volumes only: no first picker at all."""
    beauty = CategoryFactory(name="美妆", color_label="色号", size_label="规格")
    skincare = CategoryFactory(name="护肤", parent=beauty, size_label="容量")
    serum = ProductFactory(category=skincare)
    for volume in ("30ml", "50ml"):
        SKUFactory(product=serum, color="", size=volume)
    lipstick = ProductFactory(category=CategoryFactory(name="彩妆", parent=beauty))
    for shade in ("正红", "豆沙"):
        SKUFactory(product=lipstick, color=shade, size="标准装")

    serum_page = client.get(reverse("catalog:product", args=[serum.code])).content.decode()
    lipstick_page = client.get(reverse("catalog:product", args=[lipstick.code])).content.decode()

    assert picker_labels(serum_page) == ["容量"] and 'data-choose="Choose: 容量"' in serum_page
    assert picker_labels(lipstick_page) == ["色号", "规格"]


def test_clothes_keep_color_and_size(client):
    product = ProductFactory()
    SKUFactory(product=product, color="黑色", size="M")
    SKUFactory(product=product, color="白色", size="L")

    page = client.get(reverse("catalog:product", args=[product.code])).content.decode()

    assert picker_labels(page) == ["Color", "Size"]


def test_renaming_a_categorys_options_shows_on_the_cached_page(client):
    formula = CategoryFactory(name="奶粉")
    product = ProductFactory(category=formula)
    SKUFactory(product=product, color="1段", size="900g")
    SKUFactory(product=product, color="2段", size="900g")
    url = reverse("catalog:product", args=[product.code])
    assert picker_labels(client.get(url).content.decode()) == ["Color", "Size"]

    formula.color_label, formula.size_label = "段数", "规格"
    formula.save()

    assert picker_labels(client.get(url).content.decode()) == ["段数", "规格"]
