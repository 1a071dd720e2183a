"""Withdrawals and their typed events (the state machine is commissions.withdrawal_status)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commissions.models.ledger import Wallet


class Withdrawal(models.Model):
    """A request to take a wallet's available money out; moves only through
    `commissions.services.withdrawals.withdrawal_transition` along `withdrawal_status.TRANSITIONS`.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for HQ approval")
        APPROVED = "approved", _("Approved, paying out")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for you to accept")
        PAID = "paid", pgettext_lazy("withdrawal status", "Paid")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Payout failed")

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="withdrawals", verbose_name=_("wallet")
    )
    amount = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.REQUESTED
    )
    # Our transfer number at WeChat Pay: a retried payout with the same number pays once.
    out_bill_no = models.CharField(_("transfer number"), max_length=32, unique=True)
    payee_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    # WeChat requires the payee's real name for a transfer of ¥2,000 or more.
    real_name = models.CharField(_("real name"), max_length=32, blank=True)
    backend = models.CharField(_("payout backend"), max_length=32, blank=True)
    transfer_id = models.CharField(_("WeChat transfer id"), max_length=64, blank=True)
    # What the payee's page passes to WeChat to accept the transfer (WAIT_USER_CONFIRM).
    package_info = models.CharField(_("confirmation package"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="withdrawal_status_idx")]

    def __str__(self):
        return self.out_bill_no


class WithdrawalEvent(models.Model):
    """A withdrawal's timeline: every status change with who did it and why."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved by HQ")
        REJECTED = "rejected", _("Rejected by HQ")
        CANCELLED = "cancelled", _("Cancelled by the payee")
        SENT = "sent", _("Transfer sent")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the payee to accept")
        PAID = "paid", _("Money transferred")
        FAILED = "failed", _("Transfer failed")

    withdrawal = models.ForeignKey(
        Withdrawal, on_delete=models.CASCADE, related_name="events", verbose_name=_("withdrawal")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    from_status = models.CharField(
        _("from status"), max_length=24, blank=True, choices=Withdrawal.Status.choices
    )
    to_status = models.CharField(
        _("to status"), max_length=24, blank=True, choices=Withdrawal.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("withdrawal event")
        verbose_name_plural = _("withdrawal events")
