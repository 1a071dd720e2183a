"""Payments of orders (WeChat Pay or the sandbox), every notification received, and refunds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models.order import Order, OrderLine


class Payment(models.Model):
    """A WeChat Pay (or sandbox) payment of an order; `transaction_id` is unique, so a payment
    can be recorded once however often WeChat notifies."""

    class Status(models.TextChoices):
        CREATED = "created", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CLOSED = "closed", pgettext_lazy("payment status", "Closed")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    out_trade_no = models.CharField(_("merchant trade number"), max_length=32, unique=True)
    amount = models.BigIntegerField(_("amount (fen)"))
    prepay_id = models.CharField(_("prepay id"), max_length=64, blank=True)
    transaction_id = models.CharField(
        _("WeChat transaction id"), max_length=64, unique=True, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CREATED
    )
    sandbox = models.BooleanField(_("sandbox"), default=False)
    expires_at = models.DateTimeField(_("expires"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_idx")]

    def __str__(self):
        return f"{self.out_trade_no} {self.status}"


class PaymentNotification(models.Model):
    """Every payment notification received, with what was done with it (HQ reviews the refused)."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Duplicate (already applied)")
        BAD_SIGNATURE = "bad_signature", _("Bad signature")
        MALFORMED = "malformed", _("Malformed")
        UNKNOWN_ORDER = "unknown_order", _("Unknown order")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
        NOT_SUCCESS = "not_success", _("Payment not successful")
        LATE_REFUNDED = "late_refunded", _("Late payment refunded")

    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    body = models.TextField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")

    def __str__(self):
        return f"{self.out_trade_no} {self.outcome}"


class Refund(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    out_refund_no = models.CharField(_("refund number"), max_length=32, unique=True)
    amount = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    # Damaged goods are written off instead of going back on the shelf.
    damaged = models.BooleanField(_("damaged"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    refund_id = models.CharField(_("WeChat refund id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return self.out_refund_no


class RefundLine(models.Model):
    refund = models.ForeignKey(
        Refund, on_delete=models.CASCADE, related_name="lines", verbose_name=_("refund")
    )
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.PROTECT,
        related_name="refund_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="refund_line_quantity_positive"
            ),
        ]
