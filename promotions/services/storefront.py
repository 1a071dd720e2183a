"""千店千面: a store's own price and range for a product, within HQ's repricing rule."""

from __future__ import annotations

from django.db import transaction

from promotions.exceptions import RepriceNotAllowed
from promotions.models import RepriceRule, StoreProduct


def store_price_check(*, product, price: int | None) -> None:
    """RepriceNotAllowed unless `price` (fen) is within HQ's rule for `product` (None: chain)."""
    if price is None:
        return
    if not isinstance(price, int) or isinstance(price, bool) or price < 1:
        raise RepriceNotAllowed("a price is a whole number of fen above zero")
    rule = RepriceRule.objects.filter(product=product).first()
    if rule is None:
        raise RepriceNotAllowed(f"HQ does not let stores reprice {product.name}")
    low, high = rule.bounds(product.base_price)
    if not low <= price <= high:
        raise RepriceNotAllowed(
            f"{product.name} may cost between {low / 100:.2f} and {high / 100:.2f} yuan here"
        )


@transaction.atomic
def store_product_set(*, store, product, price: int | None = None, is_listed: bool = True):
    """Set `store`'s own price (None: the chain's) and whether it shows `product`."""
    store_price_check(product=product, price=price)
    row, _created = StoreProduct.objects.update_or_create(
        store=store, product=product, defaults={"price": price, "is_listed": is_listed}
    )
    return row
