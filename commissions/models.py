"""Commissions (多层次分佣, DESIGN §4 "Commission"): HQ's policy and rules, the append-only ledger
of entries, the wallet each beneficiary has, and withdrawals with their payouts.

Only `commissions.services` writes these tables. Amounts are integer fen; rates are basis points
(1 bp = 0.01 %). A wallet's figures are kept equal to sums over its entries by the services, in
the same transaction as each entry change, and `manage.py commissions_check` proves it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The referral chain is never longer than this (pyramid-selling law and WeChat's rules).
MAX_REFERRAL_LEVELS = 3
# Level 0 of an entry is the credited clerk; 1..3 are the buyer's referrer, hers, and so on.
CLERK_LEVEL = 0
FULL_RATE_BP = 10_000


class CommissionPolicy(models.Model):
    """HQ's commission settings; one row, edited in the admin."""

    referral_levels = models.PositiveSmallIntegerField(
        _("referral levels paid"),
        default=2,
        validators=[MaxValueValidator(MAX_REFERRAL_LEVELS)],
        help_text=_("Levels of the buyer's referral chain that earn (0 to 3; 0 pays clerks only)."),
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=7,
        help_text=_("Commission is confirmed this many days after the order is completed."),
    )
    min_withdrawal = models.BigIntegerField(
        _("minimum withdrawal (fen)"), default=1000, validators=[MinValueValidator(1)]
    )
    exclude_promotion_orders = models.BooleanField(
        _("no commission on promotion orders"),
        default=True,
        help_text=_("Orders marked as promotions (flash sales) earn nothing."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("commission policy")
        verbose_name_plural = _("commission policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(referral_levels__lte=MAX_REFERRAL_LEVELS),
                name="commission_levels_at_most_3",
            ),
            models.CheckConstraint(
                condition=Q(min_withdrawal__gt=0), name="commission_min_withdrawal_positive"
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "CommissionPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


def _rate_field(label):
    return models.PositiveIntegerField(
        label, default=0, validators=[MaxValueValidator(FULL_RATE_BP)], help_text=_("basis points")
    )


class CommissionRule(models.Model):
    """Rates in basis points for the credited clerk and each referral level.

    The most specific rule valid at the moment of payment applies to a line: one for its product,
    else one for its category (the nearest up the category tree), else a default one. Between
    rules of the same kind the latest `valid_from` wins. Entries keep the rule and rate they were
    computed with, so changing a rule never changes an existing entry.
    """

    class Scope(models.TextChoices):
        DEFAULT = "default", _("Default")
        CATEGORY = "category", _("Category")
        PRODUCT = "product", _("Product")

    scope = models.CharField(_("applies to"), max_length=16, choices=Scope.choices)
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    clerk_rate_bp = _rate_field(_("clerk rate"))
    level1_rate_bp = _rate_field(_("level 1 rate"))
    level2_rate_bp = _rate_field(_("level 2 rate"))
    level3_rate_bp = _rate_field(_("level 3 rate"))
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["scope", "-valid_from", "-id"]
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="default", category__isnull=True, product__isnull=True)
                    | Q(scope="category", category__isnull=False, product__isnull=True)
                    | Q(scope="product", category__isnull=True, product__isnull=False)
                ),
                name="commission_rule_scope_target",
            ),
            models.CheckConstraint(
                condition=Q(
                    clerk_rate_bp__lte=FULL_RATE_BP
                    - F("level1_rate_bp")
                    - F("level2_rate_bp")
                    - F("level3_rate_bp")
                ),
                name="commission_rule_rates_within_the_base",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="commission_rule_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "valid_from"], name="commission_rule_product_idx"),
            models.Index(fields=["category", "valid_from"], name="commission_rule_category_idx"),
        ]

    def __str__(self):
        target = self.product or self.category or self.get_scope_display()
        return f"{target} · {self.clerk_rate_bp}/{self.level1_rate_bp}/{self.level2_rate_bp}/" + (
            f"{self.level3_rate_bp} bp"
        )

    def rate_for(self, level: int) -> int:
        return [self.clerk_rate_bp, self.level1_rate_bp, self.level2_rate_bp, self.level3_rate_bp][
            level
        ]


class CommissionExclusion(models.Model):
    """An order that earns no commission while HQ's policy excludes promotion orders.

    The promotions app marks its flash-sale orders here (`commission_exclusion_mark`) when it
    places them, before they are paid.
    """

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    reason = models.CharField(_("reason"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("order without commission")
        verbose_name_plural = _("orders without commission")


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


class CommissionAudit(models.Model):
    """Who changed what in commissions from the admin, and when (rules, policy, freezes,
    payout decisions). Referrer and clerk-binding changes have their own history in members."""

    class Action(models.TextChoices):
        POLICY_CHANGED = "policy_changed", _("Policy changed")
        RULE_CREATED = "rule_created", _("Rule created")
        RULE_CHANGED = "rule_changed", _("Rule changed")
        WALLET_FROZEN = "wallet_frozen", _("Beneficiary frozen")
        WALLET_UNFROZEN = "wallet_unfrozen", _("Beneficiary unfrozen")
        WITHDRAWAL_APPROVED = "withdrawal_approved", _("Withdrawal approved")
        WITHDRAWAL_REJECTED = "withdrawal_rejected", _("Withdrawal rejected")
        EXCLUSION_MARKED = "exclusion_marked", _("Order excluded from commission")

    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target = models.CharField(_("what"), max_length=100)
    detail = models.TextField(_("detail"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commission audit entry")
        verbose_name_plural = _("commission audit log")

    def __str__(self):
        return f"{self.get_action_display()} · {self.target}"
