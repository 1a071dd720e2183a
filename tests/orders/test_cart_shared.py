"""导购代下单 (shopper side) and 扫码购 "buy here now"."""

import pytest
from django.urls import reverse

from catalog.scanning import COOKIE_NAME as SCANNED
from orders.models import Cart, CartLine, Order
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_cart(shop):
    cart = Cart.objects.create(built_by=shop.clerk, store=shop.store, token="tok-abc123")
    CartLine.objects.create(cart=cart, sku=shop.sku_m, quantity=2)
    return cart


def test_the_customer_opens_the_clerks_cart_and_pays_it_once(client, shop, clerk_cart):
    url = reverse("orders:shared_cart", args=[clerk_cart.token])
    page = client.get(url).content.decode()
    assert "店员 SH01-C1" in page and "Pay ¥1,198.00" in page
    assert client.post(url)["Location"].startswith("/m/login/")

    log_in(client, shop.member)
    response = client.post(url)

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:pay", args=[order.number])
    assert (order.channel, order.fulfillment, order.fulfilling_store, order.assisted_by) == (
        "clerk_assisted",
        "in_store",
        shop.store,
        shop.clerk,
    )
    clerk_cart.refresh_from_db()
    assert clerk_cart.claimed_order == order
    # Opening it again shows the order; paying again places nothing.
    assert client.get(url)["Location"] == reverse("orders:detail", args=[order.number])
    client.post(url)
    assert Order.objects.count() == 1


def test_buy_here_now_after_scanning_in_a_store(client, shop):
    client.get(f"/q/{shop.sku_m.code}?s={shop.store.code}")
    page = client.get(reverse("orders:product_actions", args=["dress"]), {"sku": "dress-m"})
    assert b'data-testid="buy-here"' in page.content

    response = client.post(reverse("orders:buy_now"), {"sku": "dress-m"})
    assert response["Location"].startswith("/m/login/?next=%2Fp%2Fdress%2F")

    log_in(client, shop.member)
    assert client.cookies.get(SCANNED)  # the scan outlives the login
    response = client.post(reverse("orders:buy_now"), {"sku": "dress-m"})

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:pay", args=[order.number])
    assert (order.channel, order.fulfillment, order.fulfilling_store) == (
        "in_store",
        "in_store",
        shop.store,
    )
    assert order.credited_store == shop.store


def test_no_buy_here_button_when_the_scanned_store_has_none(client, shop):
    client.get(f"/q/{shop.sku_m.code}?s={shop.other_store.code}")

    page = client.get(reverse("orders:product_actions", args=["dress"]), {"sku": "dress-m"})

    assert b'data-testid="buy-here"' not in page.content
    assert b'data-testid="add-to-cart"' in page.content


def test_the_clerks_private_cart_note_never_reaches_the_customer(client, shop, clerk_cart):
    clerk_cart.note = "王女士 · 砍价狠"
    clerk_cart.save(update_fields=["note"])
    url = reverse("orders:shared_cart", args=[clerk_cart.token])
    log_in(client, shop.member)

    assert "砍价狠" not in client.get(url).content.decode()
    client.post(url)

    order = Order.objects.get()
    assert order.note == ""
    her_page = client.get(reverse("orders:detail", args=[order.number]))
    assert "砍价狠" not in her_page.content.decode()
    client.force_login(shop.clerk.user)
    staff_page = client.get(reverse("orders_backoffice:detail", args=[order.number]))
    assert "砍价狠" in staff_page.content.decode()
