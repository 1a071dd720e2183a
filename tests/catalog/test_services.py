import pytest
from django.core.files.base import ContentFile
from PIL import Image

from catalog import services, tasks
from catalog.exceptions import ImageInvalid
from catalog.models import ProductImage
from tests.catalog.factories import ProductFactory, ReviewFactory, image_file

pytestmark = pytest.mark.django_db


def test_product_image_add_stores_the_original_and_a_square_thumbnail():
    product = ProductFactory()

    added = services.product_image_add(
        product=product, image_file=image_file(size=(1200, 700)), color="黑色", position=2
    )

    added.refresh_from_db()
    assert added.color == "黑色" and added.position == 2
    assert Image.open(added.image).size == (1200, 700)
    with Image.open(added.thumbnail) as thumbnail:
        assert thumbnail.size == (400, 400)
        assert thumbnail.format == "JPEG"


def test_a_file_that_is_no_image_is_refused_and_leaves_nothing_behind():
    product = ProductFactory()

    with pytest.raises(ImageInvalid):
        services.product_image_add(
            product=product, image_file=ContentFile(b"not an image", name="x.jpg")
        )

    assert not ProductImage.objects.exists()


def test_the_periodic_task_fills_in_missing_thumbnails_and_is_harmless_to_repeat():
    product = ProductFactory()
    for _ in range(3):
        ProductImage.objects.create(product=product, image=image_file())

    assert tasks.make_missing_thumbnails() == 3
    assert tasks.make_missing_thumbnails() == 0
    for product_image in ProductImage.objects.all():
        with Image.open(product_image.thumbnail) as thumbnail:
            assert thumbnail.size == (400, 400)


def test_an_unreadable_original_is_skipped_not_retried_forever():
    product = ProductFactory()
    ProductImage.objects.create(product=product, image=ContentFile(b"junk", name="bad.jpg"))
    ProductImage.objects.create(product=product, image=image_file())

    assert services.product_image_thumbnails_fill_missing(batch_size=1) == 1


def test_reviews_can_be_hidden_and_shown_again():
    review = ReviewFactory()
    queryset = type(review).objects.filter(pk=review.pk)

    assert services.review_visibility_set(reviews=queryset, hidden=True) == 1
    assert services.review_visibility_set(reviews=queryset, hidden=True) == 0
    review.refresh_from_db()
    assert review.is_hidden
