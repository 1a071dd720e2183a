"""Inventory's domain errors; each has a stable code that the API and pages show."""

from o2o.errors import DomainError


class InventoryError(DomainError):
    code = "inventory_error"


class InsufficientStock(InventoryError):
    """Not enough available stock."""

    code = "insufficient_stock"
    http_status = 409

    def __init__(self, message: str = "", *, shortages: list[dict] | None = None):
        super().__init__(message or "not enough stock")
        # [{"store": code, "sku": code, "requested": n, "available": m}, ...]
        self.shortages = shortages or []


class UnknownSKU(InventoryError):
    """The SKU does not exist or is not sold."""

    code = "unknown_sku"


class UnknownStore(InventoryError):
    """The store does not exist."""

    code = "unknown_store"


class InactiveStore(InventoryError):
    """The store is not active."""

    code = "inactive_store"


class InvalidQuantity(InventoryError):
    """Quantities must be whole numbers above zero."""

    code = "invalid_quantity"


class InvalidState(InventoryError):
    """The object is not in a state that allows this action."""

    code = "invalid_state"
    http_status = 409
