"""Franchise settlement: HQ's fee rule, one statement per franchise store and month, and the
statement's typed event rows (its state moves only through `reports.services.settlement`)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FULL_RATE_BP = 10_000


class SettlementPolicy(models.Model):
    """HQ's rule for franchise statements (one row, edited in the admin). Rates in basis points
    of the net sales (paid minus refunded) they apply to."""

    platform_fee_bp = models.PositiveIntegerField(
        _("platform fee (bp of credited net sales)"),
        default=500,
        validators=[MaxValueValidator(FULL_RATE_BP)],
    )
    fulfilment_fee_bp = models.PositiveIntegerField(
        _("fulfilment fee (bp of net sales fulfilled for another store)"),
        default=1000,
        validators=[MaxValueValidator(FULL_RATE_BP)],
        help_text=_("Paid by the credited store to the store that handed the goods over."),
    )
    coupon_store_share_bp = models.PositiveIntegerField(
        _("store's share of coupon costs (bp)"),
        default=5000,
        validators=[MaxValueValidator(FULL_RATE_BP)],
        help_text=_("The rest of the discounts on its sales HQ pays back to the store."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("settlement policy")
        verbose_name_plural = _("settlement policy")

    def __str__(self):
        return str(_("Settlement policy"))

    @classmethod
    def current(cls) -> "SettlementPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class SettlementStatement(models.Model):
    """What HQ and one franchise store owe each other for one month (frozen once confirmed).

    `net_due` > 0: HQ pays the store; < 0: the store pays HQ. Every figure is in fen and
    explained by the orders behind it (`reports.selectors_settlement.statement_orders`).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Issued")
        PAID = "paid", _("Settled")

    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default="draft")
    # Policy rates as applied, so an issued statement explains itself after HQ changes the rule.
    platform_fee_bp = models.PositiveIntegerField(_("platform fee (bp)"))
    fulfilment_fee_bp = models.PositiveIntegerField(_("fulfilment fee (bp)"))
    coupon_store_share_bp = models.PositiveIntegerField(_("store's coupon share (bp)"))
    credited_sales = models.BigIntegerField(_("credited sales paid (fen)"), default=0)
    credited_refunds = models.BigIntegerField(_("credited refunds (fen)"), default=0)
    fulfilled_for_others = models.BigIntegerField(
        _("net sales fulfilled for other stores (fen)"), default=0
    )
    fulfilled_by_others = models.BigIntegerField(
        _("net sales other stores fulfilled for it (fen)"), default=0
    )
    discounts = models.BigIntegerField(_("discounts on its sales (fen)"), default=0)
    coupon_cost = models.BigIntegerField(_("coupon costs it bears (fen)"), default=0)
    commissions = models.BigIntegerField(_("commissions its clerks earned (fen)"), default=0)
    platform_fee = models.BigIntegerField(_("platform fee (fen)"), default=0)
    fulfilment_fees_earned = models.BigIntegerField(_("fulfilment fees earned (fen)"), default=0)
    fulfilment_fees_paid = models.BigIntegerField(_("fulfilment fees paid (fen)"), default=0)
    net_due = models.BigIntegerField(_("net due to the store (fen)"), default=0)
    computed_at = models.DateTimeField(_("computed"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "store__code"]
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="reports_statement_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="reports_statement_month"),
        ]

    def __str__(self):
        return f"{self.store_id} {self.month:%Y-%m}"

    @property
    def credited_net(self) -> int:
        return self.credited_sales - self.credited_refunds

    @property
    def coupon_refund(self) -> int:
        """The part of the discounts on its sales that HQ pays back to the store."""
        return self.discounts - self.coupon_cost


class SettlementEvent(models.Model):
    """A statement's timeline: prepared, recomputed, issued, settled (typed, translated)."""

    class Kind(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        RECOMPUTED = "recomputed", _("Recomputed")
        CONFIRMED = "confirmed", _("Issued to the store")
        PAID = "paid", _("Settled")

    statement = models.ForeignKey(
        SettlementStatement,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("statement"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    net_due = models.BigIntegerField(_("net due (fen)"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("settlement event")
        verbose_name_plural = _("settlement events")
