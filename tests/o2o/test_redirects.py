"""Redirects to a user-supplied target go through one check (DESIGN §6, o2o.redirects): only a
path on this site is followed; anything else goes to the view's default, never to another site
and never into a 500."""

import pytest
from django.test import Client, RequestFactory

from members.models import Favorite
from o2o.redirects import safe_next_url

pytestmark = pytest.mark.django_db

FOREIGN_OR_BROKEN = [
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "foo",
    "inf",
    "/cart/\r\nSet-Cookie: a=b",
    "/" + "x" * 5000,
    "",
    None,
]


@pytest.mark.parametrize("target", FOREIGN_OR_BROKEN)
def test_only_a_path_on_this_site_is_followed(target):
    request = RequestFactory().get("/")

    assert safe_next_url(request, target, default="orders:cart") == "/cart/"


@pytest.mark.parametrize("target", ["/m/card/", "/p/dress/?sku=dress-m&r=AB12", "/orders/1/#top"])
def test_paths_on_this_site_are_followed(target):
    request = RequestFactory().get("/")

    assert safe_next_url(request, target, default="orders:cart") == target


def test_adding_to_cart_never_sends_the_shopper_to_another_site(chain):
    response = Client().post("/cart/add/", {"sku": "", "next": "//evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/cart/"


def test_the_favorite_heart_never_sends_the_shopper_to_another_site(chain, member_client):
    response = member_client.post(
        f"/favorites/{chain.product.code}/toggle/", {"next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/favorites/"
    assert Favorite.objects.filter(member=chain.member, product=chain.product).exists()


@pytest.mark.parametrize("target", ["foo", "inf", "//evil.example/"])
def test_login_with_a_foreign_or_bogus_next_goes_to_the_card(member_client, target):
    response = member_client.get("/m/login/", {"next": target})

    assert response.status_code == 302
    assert response["Location"] == "/m/card/"


def test_a_back_office_action_with_a_bogus_next_goes_back_to_the_queue(chain, clerk_client):
    # The order is unpaid: "ready" is refused, and the clerk is sent back, not into a 500.
    response = clerk_client.post(f"/staff/orders/{chain.order.number}/ready/", {"next": "foo"})

    assert response.status_code == 302
    assert response["Location"] == "/staff/orders/"
