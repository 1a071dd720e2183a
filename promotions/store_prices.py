"""The storefront resolver registered with `catalog.store_prices` (see promotions.apps).

A store's price counts only while it is inside the product's current repricing rule: HQ
tightening or removing a rule brings the store back within limits (or to the chain price) at
once, without touching the stores' rows.
"""

from __future__ import annotations

from promotions.models import RepriceRule, StoreProduct


class StorefrontResolver:
    def prices(self, skus, store) -> dict[int, int]:
        by_product: dict[int, list] = {}
        for sku in skus:
            by_product.setdefault(sku.product_id, []).append(sku)
        if not by_product:
            return {}
        rows = StoreProduct.objects.filter(
            store=store, product_id__in=by_product, price__isnull=False
        ).values_list("product_id", "price")
        prices = dict(rows)
        if not prices:
            return {}
        rules = {rule.product_id: rule for rule in RepriceRule.objects.filter(product__in=prices)}
        resolved = {}
        for product_id, price in prices.items():
            rule = rules.get(product_id)
            if rule is None:
                continue
            for sku in by_product[product_id]:
                low, high = rule.bounds(sku.product.base_price)
                if low <= price <= high:
                    resolved[sku.pk] = price
        return resolved

    def hidden_product_ids(self, store):
        return StoreProduct.objects.filter(store=store, is_listed=False).values("product_id")
