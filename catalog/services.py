"""Writes to the catalog: one function per business action (STYLE.md)."""

import logging

from django.db import transaction
from PIL import UnidentifiedImageError

from catalog.exceptions import ImageInvalid
from catalog.images import image_thumbnail_make
from catalog.models import Product, ProductImage, Review
from catalog.page_cache import catalog_version_bump, product_reviews_version_bump

logger = logging.getLogger(__name__)


@transaction.atomic
def product_image_add(
    *, product: Product, image_file, color: str = "", position: int = 0, alt: str = ""
) -> ProductImage:
    """Store an uploaded image for a product together with its square thumbnail.

    The thumbnail is made before anything is saved, so an unreadable upload leaves no orphan
    row or file behind.
    """
    try:
        thumbnail = image_thumbnail_make(image_file)
    except (UnidentifiedImageError, OSError) as error:
        raise ImageInvalid(f"not an image: {getattr(image_file, 'name', '')}") from error
    image_file.seek(0)
    product_image = ProductImage(
        product=product, color=color, position=position, alt=alt or product.name
    )
    product_image.image.save(image_file.name, image_file, save=False)
    product_image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    product_image.save()
    return product_image


def product_image_thumbnail_fill(*, product_image: ProductImage) -> bool:
    """Make the missing thumbnail of one image; False when the original cannot be read."""
    try:
        thumbnail = image_thumbnail_make(product_image.image)
    except (UnidentifiedImageError, OSError, ValueError):
        logger.warning("cannot make a thumbnail for product image %s", product_image.pk)
        return False
    finally:
        product_image.image.close()
    product_image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    # Guarded update: another worker that got there first keeps its thumbnail.
    if ProductImage.objects.filter(pk=product_image.pk, thumbnail="").update(
        thumbnail=product_image.thumbnail.name
    ):
        catalog_version_bump()
    return True


def product_image_thumbnails_fill_missing(*, batch_size: int = 100, max_batches: int = 50) -> int:
    """Fill in thumbnails missing (images added through the admin or imports), in batches.

    Selected by state, so re-running it is harmless; images whose original is unreadable are
    skipped by remembering their ids for this run instead of looping on them forever.
    """
    made = 0
    failed: set[int] = set()
    for _batch in range(max_batches):
        batch = list(
            ProductImage.objects.filter(thumbnail="")
            .exclude(pk__in=failed)
            .exclude(image="")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            break
        for product_image in batch:
            if product_image_thumbnail_fill(product_image=product_image):
                made += 1
            else:
                failed.add(product_image.pk)
    return made


def review_visibility_set(*, reviews, hidden: bool) -> int:
    """Moderation: hide or show reviews (a queryset); returns how many changed."""
    changing = Review.objects.filter(pk__in=reviews.values("pk")).exclude(is_hidden=hidden)
    product_codes = list(changing.values_list("product__code", flat=True).distinct())
    changed = changing.update(is_hidden=hidden)
    if changed:
        product_reviews_version_bump(product_codes=product_codes)
    return changed
