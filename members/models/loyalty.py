"""Loyalty (DESIGN §4 "Points and tiers", "Follow-up tasks"): HQ's policy, the points ledgers,
new-arrival subscriptions, points gifts and their pickups, follow-up tasks (机会窗)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models.member import Member


class LoyaltyPolicy(models.Model):
    """HQ's settings for binding, points, tiers and follow-ups; one row, edited in the admin."""

    class BindingPolicy(models.TextChoices):
        FIRST_TOUCH = "first_touch", _("First touch, permanent")
        EXPIRES = "expires", _("Expires after N days without purchase")
        LAST_TOUCH = "last_touch", _("Last touch")

    binding_policy = models.CharField(
        _("binding policy"),
        max_length=16,
        choices=BindingPolicy.choices,
        default=BindingPolicy.FIRST_TOUCH,
    )
    binding_expiry_days = models.PositiveSmallIntegerField(
        _("binding expires after (days)"), default=180
    )
    points_per_yuan = models.PositiveSmallIntegerField(_("points per yuan paid"), default=1)
    scan_points_member = models.PositiveIntegerField(_("scan points for the member"), default=10)
    scan_points_clerk = models.PositiveIntegerField(_("scan points for the clerk"), default=10)
    points_per_yuan_discount = models.PositiveIntegerField(
        _("points worth one yuan at checkout"), default=100
    )
    loyal_min_orders = models.PositiveSmallIntegerField(
        _("loyal: purchases in 12 months"), default=3
    )
    loyal_min_spend = models.BigIntegerField(_("loyal: spend in 12 months (fen)"), default=100000)
    followup_lead_days = models.PositiveSmallIntegerField(_("follow-up lead days"), default=2)
    first_purchase_checkin_days = models.PositiveSmallIntegerField(
        _("first-purchase check-in after (days)"), default=4
    )
    conversion_window_days = models.PositiveSmallIntegerField(
        _("a purchase within N days of a follow-up converts it"), default=14
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty policy")
        verbose_name_plural = _("loyalty policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "LoyaltyPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class PointsEntry(models.Model):
    """Append-only points ledger, online and offline alike."""

    class Reason(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        SCAN = "scan", _("Scanned a QR code")
        REFERRAL = "referral", _("Referral")
        GIFT = "gift", _("Gift redemption")
        DISCOUNT = "discount", _("Checkout discount")
        REVERSAL = "reversal", _("Reversal (refund)")
        RESTORE = "restore", _("Restored (cancelled redemption)")
        ADJUSTMENT = "adjustment", _("Adjustment by HQ")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="points_entries", verbose_name=_("member")
    )
    delta = models.BigIntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # What caused it ("pos:EXT-1", "order:2611220001", "gift:12"); with the reason it is unique,
    # so a replayed event or a retried task cannot award or spend twice.
    reference = models.CharField(_("reference"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "reason", "reference"], name="points_entry_once_per_reference"
            ),
            models.CheckConstraint(condition=~Q(delta=0), name="points_entry_not_zero"),
        ]


class ClerkPointsEntry(models.Model):
    """Points clerks earn (e.g. when a shopper first scans their QR code)."""

    staff = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("clerk"),
    )
    delta = models.BigIntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=16, choices=PointsEntry.Reason.choices)
    reference = models.CharField(_("reference"), max_length=64)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("clerk points entry")
        verbose_name_plural = _("clerk points entries")
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "reason", "reference"], name="clerk_points_once_per_reference"
            ),
        ]


class Subscription(models.Model):
    """A member wants to hear about new arrivals in a category or of a brand."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("member")
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    brand = models.CharField(_("brand"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("new-arrival subscription")
        verbose_name_plural = _("new-arrival subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(category__isnull=False) & Q(brand=""))
                | (Q(category__isnull=True) & ~Q(brand="")),
                name="subscription_category_or_brand",
            ),
            models.UniqueConstraint(
                fields=["member", "category", "brand"],
                name="subscription_unique",
                nulls_distinct=False,
            ),
        ]


class Gift(models.Model):
    """An item of the points catalog. Its stock is the inventory of its SKU at each store."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="gifts", verbose_name=_("SKU")
    )
    points_cost = models.PositiveIntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "points_cost"]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        constraints = [
            models.CheckConstraint(condition=Q(points_cost__gt=0), name="gift_costs_points"),
        ]

    def __str__(self):
        return self.name


class GiftRedemption(models.Model):
    """Points spent on a gift held at a store for pickup; verified like an order pickup."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("Ready for pickup")
        PICKED_UP = "picked_up", _("Picked up")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="gift_redemptions", verbose_name=_("member")
    )
    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("gift")
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    points = models.PositiveIntegerField(_("points"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RESERVED
    )
    pickup_code = models.CharField(_("pickup code"), max_length=6)
    verified_by = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("gift redemption")
        verbose_name_plural = _("gift redemptions")
        constraints = [
            # Staff type the code against the store's open pickups: one code, one gift.
            models.UniqueConstraint(
                fields=["store", "pickup_code"],
                condition=Q(state="reserved"),
                name="gift_pickup_code_open_unique",
            ),
        ]

    @property
    def reservation_owner(self) -> str:
        return f"gift:{self.pk}"


class FollowUpTask(models.Model):
    """A reason for a clerk to contact a member (机会窗): the formula runs out next week."""

    class Kind(models.TextChoices):
        REPLENISH = "replenish", _("Running out")
        FIRST_PURCHASE = "first_purchase", _("First-purchase check-in")
        # Written by a clerk from the member's page: a call to make, or one already made.
        CLERK_NOTE = "clerk_note", _("Clerk's follow-up")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")
        WILL_BUY = "will_buy", _("Will buy")
        NOT_INTERESTED = "not_interested", _("Not interested")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="follow_up_tasks", verbose_name=_("member")
    )
    # The bound clerk, or the home store's manager when she has none.
    assignee = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
        verbose_name=_("assignee"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    quantity = models.PositiveIntegerField(_("quantity bought"), default=0)
    # The purchase that created it ("order:<number>"); unique with kind and product so a replayed
    # sale cannot create it twice.
    source = models.CharField(_("source"), max_length=64)
    purchased_on = models.DateField(_("purchased on"))
    due_date = models.DateField(_("due"), db_index=True)
    script = models.TextField(_("suggested script"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=200, blank=True)
    outcome_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    converted_order = models.CharField(_("converted by order"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "product"],
                name="follow_up_once_per_source",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["assignee", "due_date"], name="follow_up_assignee_due_idx")]
