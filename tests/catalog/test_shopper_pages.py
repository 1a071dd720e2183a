import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db


def products_in(category, count, **fields):
    products = []
    for _ in range(count):
        product = ProductFactory(category=category, **fields)
        SKUFactory(product=product)
        SKUFactory(product=product, price_override=29900)
        ProductImageFactory(product=product)
        products.append(product)
    return products


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(context.captured_queries)


def test_home_shows_new_arrivals_categories_and_products_in_bounded_queries(client):
    apparel = CategoryFactory(name="服装")
    CategoryFactory(name="女装", parent=apparel)
    today = timezone.localdate()
    products_in(apparel, 2, new_arrival_date=today - datetime.timedelta(days=3))
    _, few = count_queries(client, reverse("catalog:home"))
    products_in(apparel, 15, new_arrival_date=today)
    old = products_in(apparel, 1, new_arrival_date=today - datetime.timedelta(days=400))[0]

    response, many = count_queries(client, reverse("catalog:home"))

    assert few == many <= 4
    html = response.content.decode()
    assert "服装" in html
    assert len(response.context["new_arrivals"]) == 10
    assert old not in response.context["new_arrivals"]
    assert "¥199.00" in html


def test_categories_page_shows_the_tree_without_inactive_branches(client):
    beauty = CategoryFactory(name="美妆")
    CategoryFactory(name="护肤", parent=beauty)
    hidden = CategoryFactory(name="停售类目", is_active=False)
    CategoryFactory(name="停售子类", parent=hidden)

    html = client.get(reverse("catalog:categories")).content.decode()

    assert "美妆" in html and "护肤" in html
    assert "停售类目" not in html and "停售子类" not in html


def test_category_page_lists_products_of_descendants_paginated(client):
    baby = CategoryFactory(name="母婴", slug="baby")
    formula = CategoryFactory(name="奶粉", parent=baby)
    stage = CategoryFactory(name="一段", parent=formula)
    other = CategoryFactory(name="服装")
    products_in(formula, 12)
    products_in(stage, 12)
    outsider = products_in(other, 1)[0]
    ProductFactory(category=formula, is_active=False, name="下架奶粉")

    first, queries = count_queries(client, reverse("catalog:category", args=["baby"]))
    second = client.get(reverse("catalog:category", args=["baby"]), {"page": 2})

    assert queries <= 5
    assert first.context["page_obj"].paginator.count == 24
    shown = list(first.context["page_obj"]) + list(second.context["page_obj"])
    assert len(shown) == 24 and outsider not in shown
    assert "下架奶粉" not in first.content.decode() + second.content.decode()
    assert "奶粉" in first.content.decode()


@pytest.mark.parametrize("slug", ["missing", "母婴", "x" * 300])
def test_unknown_category_is_404(client, slug):
    assert client.get(f"/c/{slug}/").status_code == 404


def test_a_bad_page_number_shows_the_last_page_instead_of_failing(client):
    category = CategoryFactory(slug="c")
    products_in(category, 1)
    assert client.get("/c/c/", {"page": "999"}).status_code == 200
    assert client.get("/c/c/", {"page": "abc"}).status_code == 200
