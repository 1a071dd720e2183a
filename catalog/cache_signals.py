"""Cached catalog pages go stale when what they show changes (see catalog/page_cache.py).

Signals cover every write through the ORM's save and delete, the admin's included; a service
that writes with ``queryset.update()`` calls the bump itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import SKU, Category, Product, ProductImage, Review, ReviewPhoto
from catalog.page_cache import catalog_version_bump, product_reviews_version_bump
from stores.models import Store

CATALOG_MODELS = (Product, SKU, ProductImage, Category, Store)


def _catalog_changed(sender, **kwargs):
    catalog_version_bump()


def _review_changed(sender, instance, **kwargs):
    # By id: a photo deleted along with its review can no longer load the review.
    if isinstance(instance, ReviewPhoto):
        products = Product.objects.filter(reviews__pk=instance.review_id)
    else:
        products = Product.objects.filter(pk=instance.product_id)
    product_reviews_version_bump(product_codes=products.values_list("code", flat=True))


def catalog_model_watch(model) -> None:
    """Cached catalog pages go stale when rows of `model` change. Apps above catalog whose rows
    change what the pages show (a store's own prices and range) register theirs here."""
    post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"page-cache-{model}")
    post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"page-cache-d-{model}")


def connect() -> None:
    for model in CATALOG_MODELS:
        catalog_model_watch(model)
    m2m_changed.connect(
        _catalog_changed,
        sender=Product.goes_well_with.through,
        dispatch_uid="page-cache-goes-well-with",
    )
    for model in (Review, ReviewPhoto):
        post_save.connect(_review_changed, sender=model, dispatch_uid=f"page-cache-{model}")
        post_delete.connect(_review_changed, sender=model, dispatch_uid=f"page-cache-d-{model}")
