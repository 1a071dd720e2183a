"""The product page's order actions: an htmx fragment the catalog page loads with its own query,
so catalog never imports the order flow."""

import pytest
from django.urls import reverse

from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def test_the_product_page_loads_its_order_actions_with_its_query(client, shop):
    page = client.get(reverse("catalog:product", args=["dress"]), {"sku": "dress-m", "r": "X1"})

    html = page.content.decode()
    assert 'hx-get="/p/dress/order-actions/?sku=dress-m&amp;r=X1"' in html
    assert 'data-testid="add-to-cart"' not in html  # only in the fragment


def test_the_fragments_forms_come_back_to_the_product_page(client, shop):
    log_in(client, shop.member)

    html = client.get(
        reverse("orders:product_actions", args=["dress"]), {"sku": "dress-m"}
    ).content.decode()

    assert html.count('name="next" value="/p/dress/?sku=dress-m"') == 2  # cart and heart
    assert 'data-testid="favorite"' in html and 'data-testid="add-to-cart"' in html


def test_queries_of_the_fragment_are_pinned(client, shop, django_assert_max_num_queries):
    log_in(client, shop.member)
    client.get(f"/q/{shop.sku_m.code}?s={shop.store.code}")

    # session, member, product, its SKUs, scanned store, its stock, the heart
    with django_assert_max_num_queries(7):
        response = client.get(reverse("orders:product_actions", args=["dress"]), {"sku": "dress-m"})

    assert b'data-testid="buy-here"' in response.content


def test_an_unknown_or_withdrawn_product_has_no_actions(client, shop):
    shop.product.is_active = False
    shop.product.save()

    assert client.get(reverse("orders:product_actions", args=["dress"])).status_code == 404
    assert client.get(reverse("orders:product_actions", args=["nope"])).status_code == 404
