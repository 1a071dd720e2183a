"""Responses compressed for text, uploaded media under content-hashed names kept for a year."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from o2o.storage import name_is_content_addressed
from tests.catalog.factories import ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_pages_are_gzipped_for_browsers_that_ask(client):
    SKUFactory(product=ProductFactory(code="coat-01"))

    response = client.get(reverse("catalog:product", args=["coat-01"]), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_the_same_bytes_get_the_same_name_and_other_bytes_another():
    first = default_storage.save("catalog/products/coat.jpg", ContentFile(b"one", name="coat.jpg"))
    again = default_storage.save("catalog/products/coat.jpg", ContentFile(b"one", name="coat.jpg"))
    other = default_storage.save("catalog/products/coat.jpg", ContentFile(b"two", name="coat.jpg"))

    assert first == again != other
    assert name_is_content_addressed(first) and first.startswith("catalog/products/coat-")


def test_hashed_media_are_cached_for_a_year_and_not_gzipped(client):
    name = default_storage.save("catalog/products/coat.jpg", ContentFile(b"\xff\xd8jpeg"))

    response = client.get(f"/media/{name}", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Encoding" not in response
