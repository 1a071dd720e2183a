"""Carts a clerk builds for a customer (导购代下单) in the back office: search, add, the QR to pay,
discard; another clerk's cart is hidden and cannot be changed."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.services import stock_adjust
from members.models import Member
from orders.models import Cart
from orders.services.assisted import assisted_cart_create, assisted_cart_line_set
from orders.services.cart import clerk_cart_claim
from tests.backoffice.test_orders import login

pytestmark = pytest.mark.django_db


def test_assist_pages_search_add_and_show_the_qr(shop, client):
    login(client, shop.clerk)
    response = client.post(reverse("orders_backoffice:assist"), {"note": "王女士"})
    cart = Cart.objects.get()
    assert response["Location"] == reverse("orders_backoffice:assist_cart", args=[cart.pk])

    found = client.get(response["Location"], {"q": "连衣裙"})
    assert {sku.pk for sku in found.context["results"]} == {shop.sku_m.pk, shop.sku_l.pk}
    assert found.context["results"][0].available == 3
    by_code = client.get(response["Location"], {"q": "dress-l"})
    assert [sku.pk for sku in by_code.context["results"]] == [shop.sku_l.pk]

    client.post(response["Location"], {"sku": shop.sku_m.pk, "quantity": 2})
    page = client.get(response["Location"])
    link = f"{settings.SITE_URL}/cart/shared/{cart.token}/"
    assert page.context["link"] == link
    assert link in page.content.decode() and "<svg" in page.content.decode()

    listing = client.get(reverse("orders_backoffice:assist")).content.decode()
    assert "王女士" in listing


def test_claimed_cart_shows_its_order_number(shop, client):
    cart = assisted_cart_create(staff=shop.clerk)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)
    order = clerk_cart_claim(cart=cart, member=shop.member)
    login(client, shop.clerk)
    assert order.number in client.get(reverse("orders_backoffice:assist")).content.decode()
    page = client.get(reverse("orders_backoffice:assist_cart", args=[cart.pk]))
    assert order.number in page.content.decode() and page.context["qr"] == ""


def test_another_clerks_cart_is_hidden_and_locked(shop, client):
    cart = assisted_cart_create(staff=shop.clerk)
    login(client, shop.other_clerk)
    page = reverse("orders_backoffice:assist_cart", args=[cart.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, {"sku": shop.sku_m.pk, "quantity": 1}).status_code == 403
    discard = reverse("orders_backoffice:assist_discard", args=[cart.pk])
    assert client.post(discard).status_code == 403
    assert Cart.objects.filter(pk=cart.pk).exists() and not cart.lines.exists()


def test_discard(shop, client):
    cart = assisted_cart_create(staff=shop.clerk)
    login(client, shop.clerk)
    client.post(reverse("orders_backoffice:assist_discard", args=[cart.pk]))
    assert not Cart.objects.exists()


def test_a_line_the_store_lacks_is_refused_naming_stores_that_have_it(shop, client):
    cart = assisted_cart_create(staff=shop.clerk)
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=5, reason="receipt")
    login(client, shop.clerk)
    page = reverse("orders_backoffice:assist_cart", args=[cart.pk])

    response = client.post(page, {"sku": shop.sku_m.pk, "quantity": 4}, follow=True)

    body = response.content.decode()
    assert not cart.lines.exists()
    assert "Only 3 of 真丝连衣裙 黑色 M left in this store" in body
    assert "Available at sh02 店 (5)" in body


def test_the_clerk_removes_a_line_that_ran_short_before_she_paid(shop, client):
    cart = assisted_cart_create(staff=shop.clerk)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=2)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_l, quantity=1)
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=-3, reason="sale")  # sold at the till
    login(client, shop.clerk)
    page = reverse("orders_backoffice:assist_cart", args=[cart.pk])

    response = client.get(page)
    shown = response.content.decode()
    assert response.context["qr"] == "" and 'data-testid="fix-lines-first"' in shown
    warning = re.search(r'data-testid="short-line">([^<]*)<', shown).group(1)
    assert warning.startswith("Only 0 left here")
    assert shown.count('data-testid="remove-line"') == 2
    client.post(page, {"sku": shop.sku_m.pk, "quantity": 0, "next": page})

    assert [line.sku_id for line in cart.lines.all()] == [shop.sku_l.pk]
    fixed = client.get(page)
    assert (
        'data-testid="short-line"' not in fixed.content.decode() and "<svg" in fixed.context["qr"]
    )


def test_the_cart_pages_say_who_is_credited_with_the_sale(shop, client):
    login(client, shop.clerk)
    promise = client.get(reverse("orders_backoffice:assist")).content.decode()
    assert "The sale is credited to you." not in promise
    assert "credited to her own clerk if she is bound to one, otherwise to you" in promise

    Member.objects.filter(pk=shop.member.pk).update(bound_clerk=shop.other_clerk)
    shop.member.refresh_from_db()
    cart = assisted_cart_create(staff=shop.clerk)
    assisted_cart_line_set(cart=cart, staff=shop.clerk, sku=shop.sku_m, quantity=1)
    clerk_cart_claim(cart=cart, member=shop.member)

    page = client.get(reverse("orders_backoffice:assist_cart", args=[cart.pk])).content.decode()
    credited = re.search(r'data-testid="credited-clerk">([^<]*)<', page).group(1)
    assert credited == "The sale is credited to 店员 SH02-C1, the clerk she is bound to."
