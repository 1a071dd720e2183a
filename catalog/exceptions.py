"""Domain errors of the catalog; edges turn them into messages or HTTP status."""


class CatalogError(Exception):
    code = "catalog_error"


class ImageInvalid(CatalogError):
    code = "image_invalid"
