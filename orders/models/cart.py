"""Carts: a visitor's, a member's, and the one a clerk builds for a customer (导购代下单)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models.order import Order


class Cart(models.Model):
    """A basket: a visitor's (by session), a member's, or one a clerk builds for a customer."""

    member = models.OneToOneField(
        "members.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("member"),
    )
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    # 导购代下单: a clerk's cart, opened by the customer through a signed link.
    built_by = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("built by"),
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    token = models.CharField(max_length=32, null=True, blank=True, unique=True)
    note = models.CharField(max_length=200, blank=True)
    claimed_order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")


class CartLine(models.Model):
    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart")
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU")
    )
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_line_sku_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]
