import re

import pytest
from django.urls import reverse

from catalog.models import Review
from tests.catalog.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ReviewFactory,
    SKUFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    product = ProductFactory(name="法式碎花连衣裙", base_price=29900)
    SKUFactory(product=product, code="dress-1", color="白色", size="M")
    ProductImageFactory(product=product)
    return product


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:catalog_product_changelist",
        "admin:catalog_sku_changelist",
        "admin:catalog_category_changelist",
        "admin:catalog_review_changelist",
        "admin:catalog_product_add",
    ],
)
def test_admin_pages_load(admin_client, product, url_name):
    ReviewFactory(product=product)
    assert admin_client.get(reverse(url_name)).status_code == 200


def test_product_change_page_has_sku_and_image_inlines_with_a_preview(admin_client, product):
    response = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "dress-1" in html
    assert product.images.get().thumbnail.url in html
    changelist = admin_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert "¥299.00" in changelist


def test_print_labels_view_downloads_a_pdf_for_a_store_and_category(admin_client, store, product):
    url = reverse("admin:catalog_product_print_labels")
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(url, {"store": store.pk, "category": product.category.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "qr-labels-sh-001.pdf" in response["Content-Disposition"]


def test_print_labels_view_requires_a_store(admin_client):
    response = admin_client.post(reverse("admin:catalog_product_print_labels"), {})

    assert response.status_code == 200
    assert response.context["form"].errors["store"]


def test_sku_action_asks_for_the_store_then_downloads_the_pdf(admin_client, store, product):
    other = SKUFactory(code="other-1")
    url = reverse("admin:catalog_sku_changelist")
    selected = {"action": "print_labels", "_selected_action": [other.pk]}

    ask = admin_client.post(url, selected)
    assert ask.status_code == 200 and "other-1" in ask.content.decode()

    response = admin_client.post(url, {**selected, "apply": "1", "store": store.pk})
    assert response["Content-Type"] == "application/pdf"
    assert re.search(rb"/Count 1", response.content)


def test_review_actions_hide_and_show(admin_client, product):
    review = ReviewFactory(product=product)
    url = reverse("admin:catalog_review_changelist")

    admin_client.post(url, {"action": "hide", "_selected_action": [review.pk]})
    assert Review.objects.get(pk=review.pk).is_hidden
    admin_client.post(url, {"action": "unhide", "_selected_action": [review.pk]})
    assert not Review.objects.get(pk=review.pk).is_hidden


def test_category_admin_prepopulates_the_slug(admin_client):
    CategoryFactory(name="服装")
    html = admin_client.get(reverse("admin:catalog_category_add")).content.decode()
    assert "prepopulated" in html
