"""One stock truth across HQ and every store (DESIGN §4 "Inventory").

`StockLevel` holds the current numbers per (store, SKU); `StockMovement` is the append-only ledger
whose sum per level equals `on_hand`; `Reservation` rows sum to `reserved`. Only
`inventory.services` writes these tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StockLevel(models.Model):
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="stock_levels",
        verbose_name=_("store"),
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("SKU")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="stock_level_store_sku_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]
        indexes = [models.Index(fields=["sku", "store"], name="stock_level_sku_store_idx")]

    def __str__(self):
        return f"{self.store_id}/{self.sku_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change of `on_hand`. Append-only: a database trigger refuses UPDATE and DELETE."""

    class Reason(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")
        ADJUSTMENT = "adjustment", _("Adjustment")
        STOCKTAKE = "stocktake", _("Stocktake")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        REPLENISHMENT = "replenishment", _("Replenishment")

    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    delta = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # PROTECT, not SET_NULL: the ledger never changes, so people who moved stock are deactivated
    # rather than deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="movement_delta_not_zero")
        ]
        indexes = [
            models.Index(fields=["store", "sku", "created_at"], name="movement_level_time_idx"),
            # Sales velocity for replenishment reads sale movements of the last weeks.
            models.Index(fields=["reason", "created_at"], name="movement_reason_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.delta:+d} @ {self.store_id}/{self.sku_id}"


class Reservation(models.Model):
    """Stock held for an owner (an order, a transfer) until it is committed, released or expires."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMMITTED = "committed", _("Committed")
        RELEASED = "released", _("Released")

    # A hold is written on checkout's hot path (`inventory_stock_hold`, migration 0006), so the
    # table carries no foreign-key constraints: each would take a shared lock on the one hot SKU
    # row at commit, inside the level's row lock. A hold survives only when the guarded UPDATE of
    # its (store, sku) level succeeded in the same statement, and levels keep their constraints,
    # so every store and SKU a reservation names exists; deleting one is refused by PROTECT.
    # (store, sku, state) is indexed below, so neither key needs an index of its own.
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("store"),
        db_constraint=False,
        db_index=False,
    )
    sku = models.ForeignKey(
        "catalog.SKU",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SKU"),
        db_constraint=False,
        db_index=False,
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    expires_at = models.DateTimeField(_("expires"))
    owner = models.CharField(_("owner"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive"
            ),
        ]
        indexes = [
            # The expiry sweep reads only active rows by expiry.
            models.Index(
                fields=["expires_at"],
                condition=Q(state="active"),
                name="reservation_active_expiry_idx",
            ),
            models.Index(fields=["store", "sku", "state"], name="reservation_level_state_idx"),
            # Equality look-ups only (an order's holds): one index, without the LIKE twin that
            # `db_index=True` adds to a CharField on PostgreSQL.
            models.Index(fields=["owner"], name="reservation_owner_idx"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku_id} @ {self.store_id} for {self.owner} ({self.state})"


class Transfer(models.Model):
    """Stock moving between two stores (调货), or from the warehouse to a store (补货)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed (awaiting HQ)")
        REQUESTED = "requested", _("Requested")
        SHIPPED = "shipped", _("Shipped (in transit)")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Store request")
        REPLENISHMENT = "replenishment", _("Replenishment")
        REBALANCE = "rebalance", _("Store-to-store rebalance")

    from_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("from store"),
    )
    to_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("to store"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MANUAL)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    # What the requesting store told its customer: the date the goods should be there, and whose
    # they are (a member code, phone or order number; free text, since inventory sits below the
    # apps that own members and orders).
    expected_on = models.DateField(_("expected arrival"), null=True, blank=True)
    # Database defaults: the nightly replenishment inserts transfers in raw SQL without them.
    customer_reference = models.CharField(
        _("for customer"), max_length=64, blank=True, default="", db_default=""
    )
    receipt_note = models.CharField(
        _("receipt note"), max_length=200, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_store=F("to_store")), name="transfer_between_two_stores"
            ),
        ]

    def __str__(self):
        return f"T{self.pk}: {self.from_store_id} → {self.to_store_id} ({self.state})"

    @property
    def reservation_owner(self) -> str:
        return f"transfer:{self.pk}"


class TransferLine(models.Model):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="lines", verbose_name=_("transfer")
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    # Counted by the receiving store; differs from `quantity` when units went missing (or extra
    # ones came) on the way. Empty until the transfer is received.
    received_quantity = models.PositiveIntegerField(_("received"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "sku"], name="transfer_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="transfer_line_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["sku", "transfer"], name="transfer_line_sku_idx")]

    def __str__(self):
        return f"{self.quantity} × {self.sku_id}"

    @property
    def difference(self) -> int | None:
        """Units received minus units shipped (negative: missing); None before receipt."""
        if self.received_quantity is None:
            return None
        return self.received_quantity - self.quantity


class ReplenishmentPolicy(models.Model):
    """HQ's replenishment settings (铺货制 + 快速补货); one row, edited in the admin."""

    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=2)
    review_period_days = models.PositiveSmallIntegerField(_("review period (days)"), default=7)
    safety_stock_units = models.PositiveIntegerField(_("safety stock (units)"), default=2)
    velocity_window_days = models.PositiveSmallIntegerField(_("sales window (days)"), default=28)
    auto_approve = models.BooleanField(
        _("auto-approve replenishment"),
        default=False,
        help_text=_(
            "Replenishment transfers skip HQ approval and reserve warehouse stock at once."
        ),
    )
    rebalance_cover_ratio = models.DecimalField(
        _("rebalance when a nearby store holds this many times its target"),
        max_digits=4,
        decimal_places=1,
        default=3,
    )
    rebalance_radius_km = models.PositiveSmallIntegerField(_("rebalance radius (km)"), default=15)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("replenishment policy")
        verbose_name_plural = _("replenishment policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "ReplenishmentPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class ReplenishmentProposal(Transfer):
    """Replenishment and rebalance transfers awaiting HQ's approval (补货建议), for their own admin
    page; the rows are ordinary transfers."""

    class Meta:
        proxy = True
        verbose_name = _("replenishment proposal")
        verbose_name_plural = _("replenishment proposals")
