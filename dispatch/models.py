"""Same-city delivery dispatch (网订店送): routing decisions, store offers with accept deadlines,
and the per-order record that holds the HQ queue (DESIGN §4 "Routing of delivery orders").

`RouteDecision` logs every routing decision with its reason. A paid delivery order gets one
`Dispatch`; its `DispatchOffer`s go to one store at a time, each with a deadline. Offer and
dispatch states change only through `dispatch.services.transitions`, along the tables in
`dispatch.status`, each change leaving a `DispatchEvent`. Only `dispatch.services` writes here.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DispatchPolicy(models.Model):
    """HQ's dispatch settings; one row, edited in the admin."""

    accept_timeout_minutes = models.PositiveSmallIntegerField(
        _("accept deadline (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("A store has this long to accept a delivery order before it goes to the next."),
    )
    response_target_minutes = models.PositiveSmallIntegerField(
        _("response target (minutes)"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Reports measure how many offers stores answer within this time."),
    )
    opening_soon_minutes = models.PositiveSmallIntegerField(
        _("opening soon (minutes)"),
        default=30,
        help_text=_("A store that opens within this time may still receive delivery orders."),
    )
    max_stores_tried = models.PositiveSmallIntegerField(
        _("stores tried before HQ"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("After this many stores declined or let the deadline pass, HQ assigns."),
    )
    transfer_lead_hours = models.PositiveSmallIntegerField(
        _("transfer lead time (hours)"),
        default=24,
        help_text=_("Expected time for a transfer to reach the delivering store."),
    )
    # HQ's delivery fee (DESIGN §4 "Money": fen): flat, free from an amount of goods.
    delivery_fee = models.PositiveIntegerField(
        _("delivery fee (fen)"),
        default=800,
        help_text=_("Added to a delivery order's total; 800 is ¥8."),
    )
    free_delivery_from = models.PositiveIntegerField(
        _("free delivery from (fen)"),
        default=19900,
        help_text=_("Goods worth at least this much are delivered free; 0: never free."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dispatch policy")
        verbose_name_plural = _("dispatch policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "DispatchPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def fee_for(self, goods_fen: int) -> int:
        """The delivery fee for goods worth `goods_fen`."""
        if self.free_delivery_from and goods_fen >= self.free_delivery_from:
            return 0
        return self.delivery_fee


class RouteDecision(models.Model):
    """One routing decision and why: the candidates seen, their distances and stock, the order
    in which stores will be offered the delivery, and the transfers a partial store needs."""

    class Outcome(models.TextChoices):
        HOME_STORE = "home_store", _("Home store")
        NEAREST = "nearest", _("Nearest store with stock")
        PARTIAL = "partial", _("Store with most lines, plus transfers")
        PARCEL = "parcel", _("Warehouse parcel")
        REFUSED = "refused", _("Refused: no store can deliver")

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="route_decisions",
        verbose_name=_("order"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    latitude = models.DecimalField(_("latitude (GCJ-02)"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude (GCJ-02)"), max_digits=9, decimal_places=6)
    # [[sku_id, quantity], ...] as routed.
    lines = models.JSONField(pgettext_lazy("routing", "lines"), default=list)
    outcome = models.CharField(
        pgettext_lazy("routing", "outcome"), max_length=16, choices=Outcome.choices
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen store"),
    )
    home_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member's home store"),
    )
    # DESIGN §4 "Attribution": the home store keeps the credit when another store delivers.
    credited_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credited store"),
    )
    # [{"store", "code", "distance_km", "radius_km", "stock": {sku: available}, "covers": n,
    #   "open": "open"|"soon"|"closed"|None, "home": bool}, ...] nearest first (capped).
    candidates = models.JSONField(_("candidates"), default=list)
    # The stores to offer, in order: [{"store", "code", "kind": full|partial|parcel,
    # "covers": [sku_id, ...], "distance_km"}, ...].
    plans = models.JSONField(_("stores to offer, in order"), default=list)
    # The first plan's transfers: [{"sku", "quantity", "from_store", "code", "distance_km"}].
    transfers = models.JSONField(_("transfers"), default=list, blank=True)
    ready_at = models.DateTimeField(_("expected ready"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")

    def __str__(self):
        return f"R{self.pk} {self.get_outcome_display()}"


class Dispatch(models.Model):
    """A delivery order's way to a store: the offers so far and the state HQ watches."""

    class State(models.TextChoices):
        NEW = "new", pgettext_lazy("dispatch state", "New")
        OFFERED = "offered", _("Offered to a store")
        ACCEPTED = "accepted", _("Accepted by a store")
        QUEUED = "queued", _("Waiting for HQ")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="dispatch", verbose_name=_("order")
    )
    decision = models.ForeignKey(
        RouteDecision, on_delete=models.PROTECT, related_name="+", verbose_name=_("decision")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery dispatch")
        verbose_name_plural = _("delivery dispatches")
        indexes = [
            # HQ's queue reads only the orders waiting for it.
            models.Index(
                fields=["updated_at"], condition=Q(state="queued"), name="dispatch_queue_idx"
            ),
        ]

    def __str__(self):
        return f"D{self.pk} ({self.state})"


class DispatchOffer(models.Model):
    """One store asked to deliver one order, until it answers or the deadline passes."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Deadline passed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Basis(models.TextChoices):
        ROUTED = "routed", _("First choice of the routing")
        NEXT_CANDIDATE = "next_candidate", _("Next candidate")
        HQ_ASSIGNMENT = "hq_assignment", _("Assigned by HQ")

    class Kind(models.TextChoices):
        FULL = "full", _("Has every line")
        PARTIAL = "partial", _("With transfers")
        PARCEL = "parcel", _("Warehouse parcel")

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="dispatch_offers",
        verbose_name=_("order"),
    )
    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.PROTECT, related_name="offers", verbose_name=_("dispatch")
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="dispatch_offers",
        verbose_name=_("store"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OFFERED
    )
    basis = models.CharField(_("offered as"), max_length=16, choices=Basis.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FULL)
    # The lines this store delivers from its own stock (sku ids); the rest come by transfer.
    covers = models.JSONField(_("lines from own stock"), default=list)
    # No database constraint on this link: a higher app must not stop inventory from emptying
    # its own tables (its invariant tests TRUNCATE them). Transfers are never deleted (the stock
    # ledger refers to them), so the link cannot dangle.
    transfers = models.ManyToManyField(
        "inventory.Transfer",
        blank=True,
        related_name="+",
        verbose_name=_("transfers"),
        db_constraint=False,
    )
    deadline = models.DateTimeField(_("deadline"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    # Set once by the guarded update that claims the store's alert (dispatch.services.alerts),
    # so a duplicated task or two sweeps never alert or remind twice.
    alerted_at = models.DateTimeField(_("store alerted"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("store reminded"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispatch offer")
        verbose_name_plural = _("dispatch offers")
        constraints = [
            # One live offer per order: a duplicated sweep or answer cannot offer it twice.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="offered"), name="dispatch_one_live_offer"
            ),
            # Never the same store twice automatically; HQ may come back to a store.
            models.UniqueConstraint(
                fields=["order", "store"],
                condition=~Q(basis="hq_assignment"),
                name="dispatch_store_offered_once",
            ),
        ]
        indexes = [
            # The sweep reads live offers by deadline.
            models.Index(
                fields=["deadline"],
                condition=Q(status="offered"),
                name="dispatch_live_deadline_idx",
            ),
            models.Index(fields=["store", "status"], name="dispatch_offer_store_idx"),
        ]

    def __str__(self):
        return f"O{self.pk}: {self.order_id} → {self.store_id} ({self.status})"


class DispatchEvent(models.Model):
    """The dispatch timeline: every offer and state change, and every store skipped, with who."""

    class Kind(models.TextChoices):
        ROUTED = "routed", _("Routed")
        OFFERED = "offered", _("Offered to a store")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Deadline passed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SKIPPED = "skipped", _("Store skipped")
        STATE = "state", _("State changed")

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.CASCADE, related_name="events", verbose_name=_("dispatch")
    )
    offer = models.ForeignKey(
        DispatchOffer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("offer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    from_state = models.CharField(pgettext_lazy("state change", "from"), max_length=16, blank=True)
    to_state = models.CharField(pgettext_lazy("state change", "to"), max_length=16, blank=True)
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
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispatch event")
        verbose_name_plural = _("dispatch events")

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_state}→{self.to_state}"


class Delivery(models.Model):
    """The accepted order's way to the door: packed, the courier (a clerk of the delivering
    store), the 6-digit code the shopper gives at hand-over, and what she kept (try at home)."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="delivery", verbose_name=_("order")
    )
    store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("delivering store"),
    )
    courier = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("courier"),
    )
    code = models.CharField(_("delivery code"), max_length=6)
    failed_attempts = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    packed_at = models.DateTimeField(_("packed"), null=True, blank=True)
    out_at = models.DateTimeField(_("out for delivery"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # [{"line": id, "quantity": n}, ...]: what came back at the door (refunded by line).
    returned = models.JSONField(_("returned at the door"), default=list, blank=True)
    refund_number = models.CharField(_("refund"), max_length=32, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["store", "delivered_at"], name="delivery_store_idx")]

    def __str__(self):
        return f"{self.order_id} by {self.store_id}"
