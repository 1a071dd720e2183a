"""The cached product, home and category pages show a change on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.models import Review
from catalog.services import review_visibility_set
from members.services.arrivals import product_publish_new_arrival
from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    SKUFactory,
    image_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coat():
    product = ProductFactory(code="coat-01", name="羊毛大衣", base_price=59900)
    SKUFactory(product=product, code="coat-01-m", size="M")
    return product


def html_of(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def product_html(client, product=None, **query) -> str:
    return html_of(client, reverse("catalog:product", args=["coat-01"]), **query)


def served_from_cache(client, url) -> bool:
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return not any("catalog_" in query["sql"] for query in context.captured_queries)


def test_a_second_visit_is_served_without_catalog_queries(client, coat):
    url = reverse("catalog:product", args=["coat-01"])

    assert not served_from_cache(client, url)
    assert served_from_cache(client, url)
    assert served_from_cache(client, reverse("catalog:home")) is False
    assert served_from_cache(client, reverse("catalog:home"))


def test_a_price_change_shows_at_once(client, coat):
    assert "¥599.00" in product_html(client)

    coat.base_price = 49900
    coat.save()

    assert "¥499.00" in product_html(client)
    assert "¥599.00" not in product_html(client)


def test_a_sku_price_override_shows_at_once_on_the_product_and_the_home_page(client, coat):
    assert "¥599.00" in html_of(client, reverse("catalog:home"))
    product_html(client, sku="coat-01-m")

    sku = coat.skus.get()
    sku.price_override = 39900
    sku.save()

    assert "¥399.00" in product_html(client, sku="coat-01-m")
    assert "¥399.00" in html_of(client, reverse("catalog:home"))


def test_a_new_image_shows_at_once(client, coat):
    assert "gallery-empty" in product_html(client)

    image = services.product_image_add(product=coat, image_file=image_file("coat.jpg"))

    html = product_html(client)
    assert image.image.url in html and "gallery-empty" not in html


def test_hiding_a_review_shows_at_once(client, coat):
    ReviewFactory(product=coat, text="颜色很正")
    assert "颜色很正" in product_html(client)

    review_visibility_set(reviews=Review.objects.filter(product=coat), hidden=True)

    assert "颜色很正" not in product_html(client)


def test_a_store_change_shows_at_once_and_the_store_is_part_of_the_key(client, coat, store):
    url = reverse("catalog:qr_landing", args=["coat-01-m"])
    html_of(client, url, s=store.code)
    assert served_from_cache(
        client, reverse("catalog:product", args=["coat-01"]) + "?sku=coat-01-m"
    )

    store.name = "上海静安旗舰店"
    store.save()

    assert not served_from_cache(
        client, reverse("catalog:product", args=["coat-01"]) + "?sku=coat-01-m"
    )
    # Another shopper without a scanned store gets her own entry, not the store's.
    assert not served_from_cache(
        client.__class__(), reverse("catalog:product", args=["coat-01"]) + "?sku=coat-01-m"
    )


def test_a_withdrawn_product_is_gone_at_once(client, coat):
    product_html(client)

    coat.is_active = False
    coat.save()

    assert client.get(reverse("catalog:product", args=["coat-01"])).status_code == 404


def test_matching_products_and_categories_show_at_once(client, coat):
    category = CategoryFactory(name="外套", slug="outerwear")
    scarf = ProductFactory(name="羊绒围巾", category=category)
    SKUFactory(product=scarf)
    ProductImageFactory(product=scarf)
    assert "羊绒围巾" not in product_html(client)
    assert "羊绒围巾" in html_of(client, reverse("catalog:category", args=["outerwear"]))

    coat.goes_well_with.add(scarf)
    category.name = "大衣外套"
    category.save()

    assert "羊绒围巾" in product_html(client)
    assert "大衣外套" in html_of(client, reverse("catalog:category", args=["outerwear"]))


def test_publishing_a_new_arrival_shows_on_the_home_page(client, coat):
    assert "New arrivals" not in html_of(client, reverse("catalog:home"))

    product_publish_new_arrival(product=coat)

    assert "New arrivals" in html_of(client, reverse("catalog:home"))


def test_junk_sku_parameters_are_not_cached(client, coat):
    url = reverse("catalog:product", args=["coat-01"]) + "?sku=nonsense"

    assert not served_from_cache(client, url)
    assert not served_from_cache(client, url)


def test_the_page_cache_can_be_turned_off(client, coat, settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 0
    url = reverse("catalog:product", args=["coat-01"])

    assert not served_from_cache(client, url)
    assert not served_from_cache(client, url)


@pytest.fixture
def cache_calls(monkeypatch):
    """The names of the cache operations made from here on (each one a round trip)."""
    from o2o.cache_backend import TolerantRedisCache

    calls = []
    original = TolerantRedisCache._call

    def counted(self, fallback, operation, *args, **kwargs):
        calls.append(operation.__name__)
        return original(self, fallback, operation, *args, **kwargs)

    monkeypatch.setattr(TolerantRedisCache, "_call", counted)
    return calls


def test_a_warm_qr_landing_costs_two_cache_round_trips_and_no_catalog_query(
    client, coat, store, cache_calls
):
    # The catalog version with the label's SKU and the store; the reviews version with the page.
    url = reverse("catalog:qr_landing", args=["coat-01-m"]) + f"?s={store.code}"
    client.get(url)
    cache_calls.clear()

    assert served_from_cache(client, url)
    assert cache_calls == ["get_many", "get_many"]


def test_a_warm_product_page_costs_one_cache_round_trip(client, coat, cache_calls):
    url = reverse("catalog:product", args=["coat-01"])
    client.get(url)
    cache_calls.clear()

    assert served_from_cache(client, url)
    assert cache_calls == ["get_many"]


def test_a_page_built_before_a_change_and_kept_after_it_is_not_served(client, coat, monkeypatch):
    # The slow request read the catalog version, then the price changed while it rendered;
    # what it keeps carries the version it read, so the next request builds the page again.
    from catalog import views

    render = views._product_fragments_render

    def render_while_the_price_changes(**kwargs):
        fragments = render(**kwargs)
        coat.base_price = 49900
        coat.save()
        return fragments

    monkeypatch.setattr(views, "_product_fragments_render", render_while_the_price_changes)
    assert "¥599.00" in product_html(client)
    monkeypatch.setattr(views, "_product_fragments_render", render)

    assert "¥499.00" in product_html(client)
    assert served_from_cache(client, reverse("catalog:product", args=["coat-01"]))
