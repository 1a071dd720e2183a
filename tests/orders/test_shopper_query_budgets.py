"""Query budgets of the shopper's pages: bounded, and not growing with her cart, orders,
favorites or the catalog's SKUs.

A logged-in member with a store scanned walks every page she reads, once with one of each and
once after more were added; the second count equals the first and both stay in the budget.
Catalog pages are measured with the page cache off, so the budget is their cold cost.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import SKU
from inventory.services import stock_adjust
from members.services.favorites import favorite_toggle
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.placing import F, pay, place
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db

SHOPPER_PAGE_BUDGET = 25


def shopper_pages(shop, order) -> dict[str, str]:
    sku = f"?sku={shop.sku_m.code}"
    return {
        "home": reverse("catalog:home"),
        "category": reverse("catalog:category", args=["women"]),
        "product": reverse("catalog:product", args=["dress"]) + sku,
        "QR landing": reverse("catalog:qr_landing", args=[shop.sku_m.code])
        + f"?s={shop.store.code}",
        "order actions": reverse("orders:product_actions", args=["dress"]) + sku,
        "stock": reverse("inventory:availability") + sku,
        "cart": reverse("orders:cart"),
        "cart badge": reverse("orders:cart_badge"),
        "checkout": reverse("orders:checkout"),
        "my orders": reverse("orders:list"),
        "order": reverse("orders:detail", args=[order.number]),
        "member card": reverse("members:card"),
        "notices": reverse("members:notices"),
        "points": reverse("loyalty:points"),
        "favorites": reverse("favorites:list"),
        "addresses": reverse("addresses:list"),
        "earnings": reverse("commissions:earnings"),
        "store finder": reverse("stores:finder"),
    }


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def more_of_everything(shop, count=3):
    cart = cart_get_or_create(member=shop.member)
    for n in range(count):
        sku = SKU.objects.create(
            product=shop.product, code=f"dress-x{n}", color="白色", size=f"X{n}"
        )
        stock_adjust(store=shop.store, sku=sku, delta=5, reason="receipt")
        cart_line_add(cart=cart, sku=sku)
        pay(place(shop, F.PICKUP, lines=None))


def test_shopper_pages_are_bounded_and_do_not_grow_with_data(client, shop, settings):
    settings.CATALOG_PAGE_CACHE_SECONDS = 0
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=20, reason="receipt")
    order = pay(place(shop, F.PICKUP))
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_l)
    favorite_toggle(member=shop.member, product=shop.product)
    log_in(client, shop.member)
    pages = shopper_pages(shop, order)
    for url in pages.values():
        queries_for(client, url)  # first-visit writes (session, scanned store) out of the way

    few = {name: queries_for(client, url) for name, url in pages.items()}
    more_of_everything(shop)
    for url in pages.values():
        # Writes once after a change, not per row: the cart badge's count kept in the
        # session, new notices marked read.
        queries_for(client, url)
    many = {name: queries_for(client, url) for name, url in pages.items()}

    over = {name: count for name, count in few.items() if count > SHOPPER_PAGE_BUDGET}
    assert not over, f"over the budget of {SHOPPER_PAGE_BUDGET}: {over}"
    grew = {name: (few[name], many[name]) for name in pages if many[name] != few[name]}
    assert not grew, f"queries grew with the data: {grew}"
