import pytest
from PIL import Image

from catalog.demo import demo_catalog_plan, ean13, seed_catalog
from catalog.models import SKU, Category, Product, ProductImage, Review

pytestmark = pytest.mark.django_db


def test_ean13_check_digit():
    assert ean13("400638133393") == "4006381333931"
    assert ean13("692026000001")[-1] == str(
        (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate("692026000001")) % 10) % 10
    )


def test_the_plan_is_the_same_every_time():
    assert demo_catalog_plan() == demo_catalog_plan()


def test_seed_catalog_creates_a_believable_catalog_once():
    first = seed_catalog()
    snapshot = sorted(SKU.objects.values_list("code", "barcode", "color", "size", "price_override"))
    second = seed_catalog()

    assert first["created"]["products"] == Product.objects.count() >= 55
    assert second["created"] == {key: 0 for key in first["created"]}
    assert (
        sorted(SKU.objects.values_list("code", "barcode", "color", "size", "price_override"))
        == snapshot
    )
    assert Category.objects.filter(parent=None).count() == 3
    assert ProductImage.objects.count() == 2 * Product.objects.count()
    assert Review.objects.filter(is_hidden=True).count() == 1
    assert Product.objects.filter(consumption_days_per_unit=7).exists()
    for barcode in SKU.objects.values_list("barcode", flat=True):
        assert len(barcode) == 13 and ean13(barcode[:12]) == barcode
    image = ProductImage.objects.first()
    with Image.open(image.thumbnail) as thumbnail:
        assert thumbnail.size == (400, 400)
    assert Product.objects.get(code="wom-01").goes_well_with.count() == 2
