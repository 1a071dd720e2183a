"""Flash sales (秒杀 / 1元抢): a SKU at a low price for a short window, with layered quotas.

The sale's quota is split among stores (`FlashStoreQuota`: every store gets its share and the
shopper picks her pickup store), and each store's share is split again into a few buckets
(`FlashQuotaBucket`) so that concurrent claims lock different rows: a single hot row would
serialise every claim of the sale (DESIGN §6, claimed with SKIP LOCKED). A claim
(`FlashClaim`) takes units from one bucket and holds the price for the shopper's order; the
per-member limit counts her live claims. Only `promotions.services.flash` writes these tables.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FlashSale(models.Model):
    title = models.CharField(_("title"), max_length=80)
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="flash_sales", verbose_name=_("SKU")
    )
    price = models.BigIntegerField(_("flash price (fen)"))
    shipping_fee = models.BigIntegerField(
        _("shipping fee (fen)"), default=0, help_text=_("Charged when the shopper has it shipped.")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    total_quota = models.PositiveIntegerField(
        _("total quota"), help_text=_("Units for the whole chain, shared out among the stores.")
    )
    per_member_limit = models.PositiveSmallIntegerField(_("limit per member"), default=1)
    buckets_per_store = models.PositiveSmallIntegerField(
        _("quota rows per store"),
        default=4,
        help_text=_("Each store's quota is split into this many rows so claims do not queue."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("flash sale")
        verbose_name_plural = _("flash sales")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="flash_price_positive"),
            models.CheckConstraint(
                condition=Q(shipping_fee__gte=0), name="flash_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="flash_window_ordered"
            ),
            models.CheckConstraint(condition=Q(per_member_limit__gte=1), name="flash_limit_min"),
            models.CheckConstraint(
                condition=Q(buckets_per_store__gte=1, buckets_per_store__lte=64),
                name="flash_buckets_range",
            ),
        ]

    def __str__(self):
        return self.title

    def is_open(self, now) -> bool:
        return self.is_active and self.starts_at <= now < self.ends_at


class FlashStoreQuota(models.Model):
    """A store's share of a sale's quota; its buckets hold what is left of it."""

    sale = models.ForeignKey(
        FlashSale, on_delete=models.CASCADE, related_name="store_quotas", verbose_name=_("sale")
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    quota = models.PositiveIntegerField(_("quota"))

    class Meta:
        ordering = ["store__code"]
        verbose_name = _("store quota")
        verbose_name_plural = _("store quotas")
        constraints = [
            models.UniqueConstraint(fields=["sale", "store"], name="flash_one_quota_per_store")
        ]

    def __str__(self):
        return f"{self.sale} @ {self.store_id}: {self.quota}"


class FlashQuotaBucket(models.Model):
    """One row of a store's quota. `remaining` never goes below zero (CHECK), so a claim that
    would oversell fails in the database even if a service forgot to look."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="buckets")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    remaining = models.IntegerField()

    class Meta:
        ordering = ["sale", "store", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "store", "index"], name="flash_bucket_unique_index"
            ),
            models.CheckConstraint(
                condition=Q(remaining__gte=0), name="flash_bucket_never_negative"
            ),
        ]
        indexes = [models.Index(fields=["sale", "store"], name="flash_bucket_sale_store")]


class FlashClaim(models.Model):
    """A shopper's claim on a sale: units taken from one bucket, the price held for her order.

    held → paid (her order is paid) | released (the order lapsed, or no order was placed in
    time: the units go back to the bucket). See `promotions.services.flash.CLAIM_TRANSITIONS`.
    """

    class State(models.TextChoices):
        HELD = "held", _("Held, awaiting payment")
        PAID = "paid", _("Paid")
        RELEASED = "released", _("Released")

    sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="claims")
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="flash_claims"
    )
    bucket = models.ForeignKey(FlashQuotaBucket, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = models.BigIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.HELD)
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flash_claim",
    )
    # A claim whose order was never placed (the request died in between) is released after this.
    held_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("flash sale claim")
        verbose_name_plural = _("flash sale claims")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="flash_claim_quantity")
        ]
        indexes = [
            models.Index(fields=["sale", "member", "state"], name="flash_claim_member_state"),
            models.Index(fields=["state", "held_until"], name="flash_claim_state_until"),
        ]

    def __str__(self):
        return f"{self.sale} × {self.quantity} ({self.state})"


class FlashClaimEvent(models.Model):
    """Each move of a claim's state, for HQ to read."""

    claim = models.ForeignKey(FlashClaim, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=FlashClaim.State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=FlashClaim.State.choices)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


__all__ = [
    "FlashClaim",
    "FlashClaimEvent",
    "FlashQuotaBucket",
    "FlashSale",
    "FlashStoreQuota",
]
