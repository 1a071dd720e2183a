"""HQ's commission settings and rules, orders excluded from commission, and the audit log of
HQ's changes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
