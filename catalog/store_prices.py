"""千店千面: the price and the range a given store shows, resolved in one place.

The chain price (`SKU.price`) is the default everywhere. An app above catalog (promotions) may
let stores reprice or hide products; it registers a resolver here from its `AppConfig.ready()`
and every page and checkout asks these functions, so catalog never imports that app:

    from catalog import store_prices
    store_prices.resolver_register(StorefrontResolver())

A resolver has two methods:
- `prices(skus, store) -> {sku_id: fen}`: the store's own prices for those SKUs it reprices
  (SKUs it leaves out keep the chain price);
- `hidden_product_ids(store)`: a queryset (or collection) of the ids of products the store does
  not offer.
With no store (the chain's own pages) nothing is resolved: the chain price and range.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from django.db.models import QuerySet

from catalog.models import SKU, Product


class StoreResolver(Protocol):
    def prices(self, skus: list[SKU], store) -> dict[int, int]: ...

    def hidden_product_ids(self, store) -> QuerySet | Collection[int]: ...


_resolvers: list[StoreResolver] = []


def resolver_register(resolver: StoreResolver) -> None:
    """Have `resolver` consulted for every store price and range (idempotent by class)."""
    if not any(type(existing) is type(resolver) for existing in _resolvers):
        _resolvers.append(resolver)


def resolver_unregister(resolver: StoreResolver) -> None:
    """Forget a resolver (tests that register their own)."""
    if resolver in _resolvers:
        _resolvers.remove(resolver)


def sku_prices_at(skus: Iterable[SKU], store) -> dict[int, int]:
    """{sku_id: price in fen} at `store`: the chain price unless a resolver gives the store's."""
    skus = list(skus)
    prices = {sku.pk: sku.price for sku in skus}
    if store is None:
        return prices
    for resolver in _resolvers:
        prices.update({pk: fen for pk, fen in resolver.prices(skus, store).items() if pk in prices})
    return prices


def sku_price_at(sku: SKU, store) -> int:
    return sku_prices_at([sku], store)[sku.pk]


def products_offered_at(queryset: QuerySet, store) -> QuerySet:
    """`queryset` of products without those `store` does not offer (one query, no loop)."""
    if store is None:
        return queryset
    for resolver in _resolvers:
        queryset = queryset.exclude(pk__in=resolver.hidden_product_ids(store))
    return queryset


def product_offered_at(product: Product, store) -> bool:
    if store is None or not _resolvers:
        return True
    return products_offered_at(Product.objects.filter(pk=product.pk), store).exists()
