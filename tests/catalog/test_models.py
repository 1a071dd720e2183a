import pytest
from django.db import IntegrityError, transaction

from tests.catalog.factories import ProductFactory, ReviewFactory, SKUFactory

pytestmark = pytest.mark.django_db


def test_sku_price_is_the_override_when_set_else_the_base_price():
    product = ProductFactory(base_price=19900)
    plain = SKUFactory(product=product)
    larger = SKUFactory(product=product, price_override=21900)

    assert plain.price == 19900
    assert larger.price == 21900


@pytest.mark.parametrize(
    "make",
    [
        lambda: ProductFactory(base_price=-1),
        lambda: SKUFactory(price_override=-100),
        lambda: ReviewFactory(rating=0),
        lambda: ReviewFactory(rating=6),
    ],
    ids=["negative base price", "negative override", "rating 0", "rating 6"],
)
def test_database_rejects_invalid_money_and_ratings(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_color_size_combination_exists_once_per_product():
    sku = SKUFactory(color="黑色", size="M")
    with pytest.raises(IntegrityError), transaction.atomic():
        SKUFactory(product=sku.product, color="黑色", size="M")


def test_sku_codes_and_barcodes_are_unique_but_barcodes_optional():
    SKUFactory(barcode=None)
    SKUFactory(barcode=None)  # many SKUs without a barcode are fine
    first = SKUFactory(barcode="6920260000017")
    with pytest.raises(IntegrityError), transaction.atomic():
        SKUFactory(barcode=first.barcode)
    with pytest.raises(IntegrityError), transaction.atomic():
        SKUFactory(code=first.code)


def test_goes_well_with_is_symmetrical():
    coat, trousers = ProductFactory(), ProductFactory()
    coat.goes_well_with.add(trousers)

    assert list(trousers.goes_well_with.all()) == [coat]
