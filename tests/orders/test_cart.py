"""The cart: a visitor's by session, a member's by member, carried over on login."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from orders.models import Cart, CartLine, Order
from orders.services.cart import cart_get_or_create, cart_line_add
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def quantities(cart):
    return dict(cart.lines.values_list("sku__code", "quantity"))


def test_a_visitor_adds_to_the_cart_and_sees_it(client, shop):
    response = client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 2})

    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")
    cart = Cart.objects.get(session_key=client.session.session_key)
    assert quantities(cart) == {"dress-m": 2}
    page = client.get(reverse("orders:cart")).content.decode()
    assert "真丝连衣裙" in page and "¥1,198.00" in page


def test_the_visitor_cart_is_carried_over_at_the_first_cart_access_after_login(
    client, shop, settings
):
    settings.DEMO_MODE = True
    member_cart = cart_get_or_create(member=shop.member)
    cart_line_add(cart=member_cart, sku=shop.sku_m, quantity=1)
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 2})
    client.post(reverse("orders:cart_add"), {"sku": "dress-l", "quantity": 1})
    visitor_session = client.session.session_key

    # Log in through the real login view (demo one-tap): it rotates the session key.
    response = client.post(reverse("members:login_demo"), {"member": shop.member.pk})
    assert response.status_code == 302 and client.session.session_key != visitor_session

    page = client.get(reverse("orders:cart")).content.decode()

    assert "¥2,396.00" in page
    assert quantities(member_cart) == {"dress-m": 3, "dress-l": 1}
    assert not Cart.objects.filter(member__isnull=True).exists()
    client.get(reverse("orders:cart"))  # carried over once, not again
    assert quantities(member_cart) == {"dress-m": 3, "dress-l": 1}


def test_checking_out_right_after_login_takes_the_visitor_cart_along(client, shop, settings):
    settings.DEMO_MODE = True
    client.post(reverse("orders:cart_add"), {"sku": "dress-l", "quantity": 1})
    client.post(reverse("members:login_demo"), {"member": shop.member.pk})

    client.post(reverse("orders:checkout"), {"fulfillment": "pickup", "store": shop.store.pk})

    order = Order.objects.get()
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(shop.sku_l.pk, 1)]


def test_another_browser_does_not_get_the_visitor_cart(client, shop, settings):
    settings.DEMO_MODE = True
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 2})

    other = Client()
    other.post(reverse("members:login_demo"), {"member": shop.member.pk})
    other.get(reverse("orders:cart"))

    assert Cart.objects.get(member__isnull=True).lines.count() == 1
    assert not Cart.objects.filter(member=shop.member, lines__isnull=False).exists()


def test_change_quantity_and_remove_a_line(client, shop):
    log_in(client, shop.member)
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 1})
    cart = Cart.objects.get(member=shop.member)

    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": 4})
    assert quantities(cart) == {"dress-m": 4}
    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": -1})
    assert quantities(cart) == {"dress-m": 4}  # refused: quantities stay above zero
    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": 0})
    assert quantities(cart) == {}


def test_a_withdrawn_sku_is_dropped_with_a_message(client, shop):
    log_in(client, shop.member)
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 1})
    client.post(reverse("orders:cart_add"), {"sku": "dress-l", "quantity": 1})
    shop.sku_l.is_active = False
    shop.sku_l.save(update_fields=["is_active"])

    page = client.get(reverse("orders:cart")).content.decode()

    assert "no longer sold" in page
    assert list(CartLine.objects.values_list("sku__code", flat=True)) == ["dress-m"]


def test_a_withdrawn_sku_cannot_be_added(client, shop):
    shop.sku_l.is_active = False
    shop.sku_l.save(update_fields=["is_active"])

    client.post(reverse("orders:cart_add"), {"sku": "dress-l", "quantity": 1}, follow=True)

    assert not CartLine.objects.exists()


BAD_QUANTITIES = [None, "", "0", "-1", "100", "abc", "1.5", "1e1", " "]


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_adding_without_a_whole_quantity_from_1_to_99_is_refused_plainly(client, shop, bad):
    log_in(client, shop.member)
    cart = cart_get_or_create(member=shop.member)
    cart_line_add(cart=cart, sku=shop.sku_m, quantity=2)
    form = {"sku": "dress-m", "next": "/p/dress/"}
    if bad is not None:
        form["quantity"] = bad

    response = client.post(reverse("orders:cart_add"), form)

    assert response.status_code == 302 and response["Location"] == "/p/dress/"
    assert said(response) == ["Choose a quantity from 1 to 99."]
    assert quantities(cart) == {"dress-m": 2}


@pytest.mark.parametrize("bad", [*BAD_QUANTITIES[:2], *BAD_QUANTITIES[3:]])
def test_a_line_changed_to_a_quantity_not_from_0_to_99_is_refused_plainly(client, shop, bad):
    log_in(client, shop.member)
    cart = cart_get_or_create(member=shop.member)
    cart_line_add(cart=cart, sku=shop.sku_m, quantity=2)
    url = reverse("orders:cart_line", args=[shop.sku_m.pk])

    response = client.post(url, {} if bad is None else {"quantity": bad})

    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")
    assert said(response) == ["Choose a quantity from 1 to 99, or remove the item."]
    assert quantities(cart) == {"dress-m": 2}


def test_one_more_is_offered_only_below_the_most_a_line_holds(client, shop):
    log_in(client, shop.member)
    client.post(reverse("orders:cart_add"), {"sku": "dress-m", "quantity": 1})
    more = 'aria-label="One more"'

    assert f"{more}>+" in client.get(reverse("orders:cart")).content.decode()
    client.post(reverse("orders:cart_line", args=[shop.sku_m.pk]), {"quantity": 99})
    assert f"{more} disabled>+" in client.get(reverse("orders:cart")).content.decode()
