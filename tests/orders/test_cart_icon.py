"""The cart is reachable from every shopper page: an icon in the top bar with the number of items,
kept in the session so the pages add no query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.services.cart import cart_get_or_create, cart_line_add
from tests.catalog.test_product_page import MAX_QUERIES as PRODUCT_PAGE_MAX_QUERIES
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def icon(response) -> str:
    match = re.search(r'<a class="topbar-cart".*?</a>', response.content.decode(), re.S)
    assert match, "no cart icon on the page"
    return match.group(0)


def count_shown(response) -> str | None:
    match = re.search(r'data-testid="cart-count">([^<]*)<', icon(response))
    return match.group(1) if match else None


def add(client, sku, quantity=1):
    response = client.post(reverse("orders:cart_add"), {"sku": sku.code, "quantity": quantity})
    assert response.status_code == 302
    return response


def shopper_pages(shop):
    return [
        reverse("catalog:home"),
        reverse("catalog:product", args=[shop.product.code]),
        reverse("catalog:categories"),
        reverse("stores:finder"),
        reverse("orders:cart"),
        reverse("favorites:list"),
        reverse("members:card"),
    ]


def test_cart_icon_with_its_count_is_on_every_shopper_page(client, shop):
    log_in(client, shop.member)
    add(client, shop.sku_m, 2)
    add(client, shop.sku_l)

    for url in shopper_pages(shop):
        response = client.get(url)
        assert response.status_code == 200, url
        assert count_shown(response) == "3", url
        assert f'href="{reverse("orders:cart")}"' in icon(response)


def test_cart_icon_count_follows_the_cart_of_a_visitor_too(client, shop):
    product_url = reverse("catalog:product", args=[shop.product.code])
    assert count_shown(client.get(product_url)) is None  # nothing in a cart yet

    add(client, shop.sku_m)
    assert count_shown(client.get(product_url)) == "1"

    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": 4})
    assert count_shown(client.get(product_url)) == "4"

    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": 0})
    assert count_shown(client.get(product_url)) is None


def test_cart_icon_count_is_zero_after_checkout(client, shop):
    log_in(client, shop.member)
    add(client, shop.sku_m)

    client.post(reverse("orders:checkout"), {"fulfillment": "pickup", "store": shop.store.pk})

    assert count_shown(client.get(reverse("catalog:home"))) is None


def test_cart_icon_without_a_trusted_count_fetches_it_once(client, shop):
    """A fresh login (or a cart filled on another phone) has no count in this session yet: the
    page adds no query for it, the icon asks the badge endpoint, which counts and remembers."""
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=2)
    log_in(client, shop.member)

    first = client.get(reverse("catalog:home"))
    assert count_shown(first) is None
    assert f'hx-get="{reverse("orders:cart_badge")}"' in icon(first)

    badge = client.get(reverse("orders:cart_badge"))
    assert count_shown(badge) == "2" and "hx-get" not in icon(badge)

    later = client.get(reverse("catalog:home"))
    assert count_shown(later) == "2" and "hx-get" not in icon(later)


def test_cart_icon_count_of_a_visitor_is_not_shown_to_the_member_after_login(client, shop):
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_l, quantity=5)
    add(client, shop.sku_m)  # as a visitor: 1
    log_in(client, shop.member)  # now she is the member with 5 (+ merge on a real login)

    response = client.get(reverse("catalog:home"))

    assert count_shown(response) is None and "hx-get" in icon(response)


def test_cart_icon_adds_no_query_to_the_product_page(client, shop):
    product_url = reverse("catalog:product", args=[shop.product.code])
    log_in(client, shop.member)
    client.get(product_url)  # HQ's policy rows and the session exist from here on
    with CaptureQueriesContext(connection) as empty_cart:
        client.get(product_url)

    add(client, shop.sku_m)
    with CaptureQueriesContext(connection) as one_item:
        response = client.get(product_url)

    assert count_shown(response) == "1"
    assert len(one_item.captured_queries) == len(empty_cart.captured_queries)
    assert len(one_item.captured_queries) <= PRODUCT_PAGE_MAX_QUERIES
