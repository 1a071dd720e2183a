"""千店千面 storefronts: each store's own prices and range, within HQ's limits.

HQ says which products a store may reprice and by how much (`RepriceRule`); a store's own price
or its choice not to show a product is a `StoreProduct` row. The resolver in
`promotions.store_prices` reads both, honouring a price only while it is within the product's
current rule, so HQ tightening a rule takes effect at once.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RepriceRule(models.Model):
    product = models.OneToOneField(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="reprice_rule",
        verbose_name=_("product"),
    )
    max_discount_bp = models.PositiveIntegerField(
        _("max discount (basis points)"), default=0, help_text=_("1000 = stores may go 10% lower.")
    )
    max_markup_bp = models.PositiveIntegerField(
        _("max markup (basis points)"), default=0, help_text=_("500 = stores may go 5% higher.")
    )

    class Meta:
        verbose_name = _("store repricing rule")
        verbose_name_plural = _("store repricing rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_discount_bp__lte=9999), name="reprice_discount_below_free"
            )
        ]

    def __str__(self):
        return f"{self.product}: -{self.max_discount_bp / 100:g}% / +{self.max_markup_bp / 100:g}%"

    def bounds(self, chain_price: int) -> tuple[int, int]:
        """Lowest and highest store price allowed for `chain_price` (fen)."""
        low = -(-chain_price * (10000 - self.max_discount_bp) // 10000)  # ceil: never below
        high = chain_price * (10000 + self.max_markup_bp) // 10000  # floor: never above
        return low, high


class StoreProduct(models.Model):
    """A store's own setting for one product: its price (for every SKU) and whether it shows it."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    price = models.BigIntegerField(_("store price (fen)"), null=True, blank=True)
    is_listed = models.BooleanField(_("shown at this store"), default=True)

    class Meta:
        ordering = ["store", "product"]
        verbose_name = _("store product")
        verbose_name_plural = _("store products")
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="store_product_unique"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=1), name="store_price_positive"
            ),
        ]

    def __str__(self):
        return f"{self.store_id} · {self.product_id}"
