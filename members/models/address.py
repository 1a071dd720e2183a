"""The shopper's saved delivery addresses, each with its map point (GCJ-02), one the default."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=_("member"),
    )
    label = models.CharField(_("label"), max_length=20, blank=True)
    name = models.CharField(_("Recipient"), max_length=40)
    phone = models.CharField(_("Phone"), max_length=20)
    address = models.CharField(_("Address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(is_default=True), name="address_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.name} · {self.address}"

    def as_order_address(self) -> dict:
        """The snapshot an order keeps (the saved address may change later)."""
        return {
            "name": self.name,
            "phone": self.phone,
            "address": self.address,
            "latitude": float(self.latitude),
            "longitude": float(self.longitude),
        }
