"""The commission ledger: one wallet per beneficiary, and its append-only entries."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commissions.models.rules import MAX_REFERRAL_LEVELS, CommissionRule


class Wallet(models.Model):
    """A beneficiary's wallet: a member's or a clerk's. Its figures are sums over its entries:

    pending    entries of orders not yet complete or still inside the return window
    available  confirmed entries not in a withdrawal (negative after a reversal of paid money)
    requested  confirmed entries inside a withdrawal that is not paid yet
    withdrawn  entries paid out
    reversed   what refunds took back (the negative entries, as a positive figure)

    A frozen wallet still earns; it cannot withdraw.
    """

    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_wallet",
        verbose_name=_("member"),
    )
    staff = models.OneToOneField(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_wallet",
        verbose_name=_("clerk"),
    )
    pending = models.BigIntegerField(_("pending (fen)"), default=0)
    available = models.BigIntegerField(_("available (fen)"), default=0)
    requested = models.BigIntegerField(_("being withdrawn (fen)"), default=0)
    withdrawn = models.BigIntegerField(_("withdrawn (fen)"), default=0)
    reversed = models.BigIntegerField(_("reversed (fen)"), default=0)
    frozen = models.BooleanField(_("frozen"), default=False)
    frozen_reason = models.CharField(_("why frozen"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("commission wallet")
        verbose_name_plural = _("commission wallets")
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, staff__isnull=True)
                | Q(member__isnull=True, staff__isnull=False),
                name="wallet_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(pending__gte=0)
                & Q(requested__gte=0)
                & Q(withdrawn__gte=0)
                & Q(reversed__gte=0),
                name="wallet_figures_not_negative",
            ),
        ]

    def __str__(self):
        return self.owner_name

    @property
    def owner_name(self) -> str:
        if self.staff_id:
            return f"{self.staff.display_name} ({self.staff.staff_code})"
        return str(self.member)

    @property
    def is_clerk(self) -> bool:
        return self.staff_id is not None


class CommissionEntry(models.Model):
    """One line of the commission ledger: what one beneficiary earned on one order line at one
    level (`earning`), or what a refund took back of it (`reversal`, a negative amount).

    Amounts never change; `status` moves pending → confirmed → withdrawn, and `withdrawal` says
    which withdrawal holds or paid it. Base and rate are kept so each figure explains itself.
    """

    class Kind(models.TextChoices):
        EARNING = "earning", _("Earning")
        REVERSAL = "reversal", _("Reversal (refund)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", pgettext_lazy("commission", "Withdrawn")

    # A ledger of millions of rows: only the indexes its queries use (each costs every insert
    # and every status move). Wallet lookups use (wallet, status); line lookups the unique
    # earning constraint; reversal and withdrawal lookups partial indexes.
    wallet = models.ForeignKey(
        Wallet,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("wallet"),
        db_index=False,
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("line"),
        db_index=False,
    )
    # Copied from the order for reports (by store, by month) without joining orders. No
    # foreign-key constraint of their own: the order's (PROTECT) already guarantees them, and
    # each constraint is a check per inserted row (the bench computes a million).
    buyer = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("buyer"),
        db_index=False,
        db_constraint=False,
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credited store"),
        db_index=False,
        db_constraint=False,
    )
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    amount = models.BigIntegerField(_("amount (fen)"))
    base = models.BigIntegerField(_("base (fen)"))
    rate_bp = models.PositiveIntegerField(_("rate (bp)"))
    rule = models.ForeignKey(
        CommissionRule,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("rule"),
        db_index=False,
    )
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
        db_index=False,
    )
    refund = models.ForeignKey(
        "orders.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
        db_index=False,
    )
    withdrawal = models.ForeignKey(
        "Withdrawal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("withdrawal"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commission entry")
        verbose_name_plural = _("commission entries")
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "wallet", "level"],
                condition=Q(kind="earning"),
                name="commission_earning_once",
            ),
            models.UniqueConstraint(
                fields=["refund", "reverses"],
                condition=Q(kind="reversal"),
                name="commission_reversal_once_per_refund",
            ),
            models.CheckConstraint(
                condition=Q(kind="earning", amount__gt=0, reverses__isnull=True)
                | Q(kind="reversal", amount__lt=0, reverses__isnull=False, refund__isnull=False),
                name="commission_entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(level__lte=MAX_REFERRAL_LEVELS), name="commission_entry_level_max"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawal__isnull=False),
                name="commission_withdrawn_names_withdrawal",
            ),
        ]
        indexes = [
            models.Index(fields=["wallet", "status"], name="commission_entry_wallet_idx"),
            models.Index(
                fields=["order"], condition=Q(status="pending"), name="commission_pending_idx"
            ),
            models.Index(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="commission_reverses_idx",
            ),
            models.Index(
                fields=["withdrawal"],
                condition=Q(withdrawal__isnull=False),
                name="commission_withdrawal_idx",
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.order_line_id} L{self.level} {self.amount}"
