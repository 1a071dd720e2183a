"""Domain errors of the catalog; edges turn them into messages or HTTP status."""

from o2o.errors import Conflict, DomainError


class CatalogError(Exception):
    code = "catalog_error"


class ImageInvalid(CatalogError):
    code = "image_invalid"


class UnknownCategory(DomainError):
    """No category has this slug."""

    code = "unknown_category"


class SkuOfAnotherProduct(Conflict):
    """This SKU code, barcode or colour and size belongs to another SKU or product."""

    code = "sku_conflict"
