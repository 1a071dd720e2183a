"""收藏: the heart on the product page and the favorites list."""

import pytest
from django.urls import reverse

from members.models import Favorite
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db


def test_the_heart_toggles_with_htmx_and_the_list_links_to_buy(client, shop):
    log_in(client, shop.member)
    url = reverse("favorites:toggle", args=[shop.product.code])

    response = client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert Favorite.objects.filter(member=shop.member, product=shop.product).exists()
    page = client.get(reverse("favorites:list")).content.decode()
    assert "真丝连衣裙" in page and reverse("catalog:product", args=["dress"]) in page

    response = client.post(url, headers={"HX-Request": "true"})
    assert 'aria-pressed="false"' in response.content.decode()
    assert not Favorite.objects.exists()


def test_the_product_page_shows_the_heart_state(client, shop):
    log_in(client, shop.member)
    Favorite.objects.create(member=shop.member, product=shop.product)

    page = client.get(reverse("orders:product_actions", args=["dress"])).content.decode()

    assert 'data-testid="favorite"' in page and 'aria-pressed="true"' in page


def test_a_visitor_is_sent_to_log_in(client, shop):
    url = reverse("favorites:toggle", args=[shop.product.code])

    response = client.post(url, headers={"HX-Request": "true"})

    assert response["HX-Redirect"].startswith("/m/login/")
    assert not Favorite.objects.exists()
