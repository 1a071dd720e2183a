"""Catalog data coming in from the chain's ERP (DESIGN §5 "products with SKUs: upsert by product
code"): one write per product, with its SKUs matched by code."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from catalog.exceptions import SkuOfAnotherProduct, UnknownCategory
from catalog.models import SKU, Category, Product

PRODUCT_FIELDS = ("name", "description", "brand", "base_price", "is_active")
SKU_FIELDS = ("color", "size", "barcode", "price_override", "is_active")


def _category_resolve(slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist as error:
        raise UnknownCategory(f"unknown category {slug!r}") from error


def _product_locked_or_created(*, code: str, fields: dict) -> tuple[Product, bool]:
    """The product row locked, created when missing; a concurrent creator's row is read again."""
    for _attempt in range(2):
        product = Product.objects.select_for_update().filter(code=code).first()
        if product is not None:
            return product, False
        try:
            with transaction.atomic():
                return Product.objects.create(code=code, **fields), True
        except IntegrityError:
            continue  # created by a concurrent upsert: lock and update hers
    raise SkuOfAnotherProduct(f"product {code!r} changed while being upserted; try again")


@transaction.atomic
def product_upsert(*, code: str, category: str, skus: list[dict], **fields) -> tuple[Product, bool]:
    """Create or update the product `code` and its `skus` [{code, color, size, barcode,
    price_override, is_active}]; returns (product, created).

    Given fields replace the product's; SKUs are matched by code (created when new, updated when
    theirs) and SKUs left out are kept as they are (deactivate one with `is_active: false`: codes
    are printed on labels and never reused). A SKU code, barcode or colour and size that belongs
    to another product raises SkuOfAnotherProduct (409) and nothing is written.
    """
    fields = {name: value for name, value in fields.items() if name in PRODUCT_FIELDS}
    fields["category"] = _category_resolve(category)
    product, created = _product_locked_or_created(code=code, fields=fields)
    changed = []
    if not created:
        changed = [name for name, value in fields.items() if getattr(product, name) != value]
        for name in changed:
            setattr(product, name, fields[name])
    existing = {
        sku.code: sku
        for sku in SKU.objects.select_for_update().filter(code__in=[s["code"] for s in skus])
    }
    try:
        with transaction.atomic():
            skus_changed = [
                _sku_write(product=product, sku=existing.get(data["code"]), data=data)
                for data in skus
            ]
    except IntegrityError as error:
        raise SkuOfAnotherProduct(
            "a barcode or a colour and size is already another SKU's"
        ) from error
    if changed or (any(skus_changed) and not created):
        # A SKU's change moves the product's updated_at too: `updated_since` syncs see it.
        product.save(update_fields=[*changed, "updated_at"])
    return product, created


def _sku_write(*, product: Product, sku: SKU | None, data: dict) -> bool:
    """Create or update one SKU of `product`; returns whether anything was written."""
    values = {name: data[name] for name in SKU_FIELDS if name in data}
    if "barcode" in values:
        values["barcode"] = values["barcode"] or None  # blank means none (the column is unique)
    if sku is None:
        values.setdefault("barcode", None)
        SKU.objects.create(product=product, code=data["code"], **values)
        return True
    if sku.product_id != product.pk:
        raise SkuOfAnotherProduct(f"SKU {sku.code!r} belongs to another product")
    changed = [name for name, value in values.items() if getattr(sku, name) != value]
    for name in changed:
        setattr(sku, name, values[name])
    if changed:
        sku.save(update_fields=changed)
    return bool(changed)
