"""Orders, their lines and the event timeline (DESIGN §4 "Orders").

Status changes only through `orders.services.status.order_transition`, a guarded update along
`orders.status.TRANSITIONS` that writes an `OrderEvent`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Orders whose pickup code may still be typed at the counter (or soon: paid pickups become
# ready); a code is unique among these per store.
PICKUP_CODE_OPEN_STATUSES = ["pending_payment", "paid", "ready"]


class Order(models.Model):
    class Channel(models.TextChoices):
        H5 = "h5", _("Online (H5)")
        IN_STORE = "in_store", _("Scan and pay in store")
        CLERK_ASSISTED = "clerk_assisted", _("Clerk-assisted")
        POS = "pos", _("POS")

    class Fulfillment(models.TextChoices):
        IN_STORE = "in_store", _("In store")
        PICKUP = "pickup", _("Pickup in store")
        TRY_IN_STORE = "try_in_store", _("Try in store")
        DELIVERY = "delivery", _("Delivery from a store")
        SHIP = "ship", _("Parcel")

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        BOOKED = "booked", _("Booked to try")
        PAID = "paid", _("Paid")
        ACCEPTED = "accepted", _("Accepted by the store")
        PACKED = "packed", _("Packed")
        OUT_FOR_DELIVERY = "out_for_delivery", _("On the way")
        READY = "ready", _("Ready for pickup")
        SHIPPED = "shipped", _("Shipped")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        NO_SHOW = "no_show", _("Not collected")
        REFUNDED = "refunded", _("Refunded")

    number = models.CharField(_("number"), max_length=20, unique=True)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("member"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    fulfillment = models.CharField(_("fulfillment"), max_length=16, choices=Fulfillment.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    fulfilling_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fulfilled_orders",
        verbose_name=_("fulfilling store"),
    )
    # Attribution is computed at placement and frozen here (DESIGN §4 "Attribution").
    credited_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credited_orders",
        verbose_name=_("credited store"),
    )
    credited_clerk = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credited_orders",
        verbose_name=_("credited clerk"),
    )
    assisted_by = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assisted by"),
    )
    # The member whose share link brought this order (commission comes in a later issue).
    shared_by = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    goods_amount = models.BigIntegerField(_("goods (fen)"), default=0)
    discount_amount = models.BigIntegerField(_("discount (fen)"), default=0)
    points_used = models.BigIntegerField(_("points used"), default=0)
    points_discount_amount = models.BigIntegerField(_("points discount (fen)"), default=0)
    shipping_amount = models.BigIntegerField(_("shipping (fen)"), default=0)
    total_amount = models.BigIntegerField(_("to pay (fen)"), default=0)
    refunded_amount = models.BigIntegerField(_("refunded (fen)"), default=0)
    address = models.JSONField(_("address"), default=dict, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    note = models.CharField(_("note to the store"), max_length=200, blank=True)
    external_id = models.CharField(
        _("external id (POS)"), max_length=64, unique=True, null=True, blank=True
    )
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True)
    expires_at = models.DateTimeField(_("payment deadline"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("placed"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(goods_amount__gte=0)
                & Q(discount_amount__gte=0)
                & Q(points_discount_amount__gte=0)
                & Q(shipping_amount__gte=0)
                & Q(total_amount__gte=0)
                & Q(points_used__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_amount=F("goods_amount")
                    - F("discount_amount")
                    - F("points_discount_amount")
                    + F("shipping_amount")
                ),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("total_amount")),
                name="order_refund_within_total",
            ),
            # A clerk types a pickup code against her store's open orders: two open orders with
            # one code would hand over the wrong one. Codes are assigned by
            # orders.services.numbers.pickup_code_assign, which retries on this constraint.
            models.UniqueConstraint(
                fields=["fulfilling_store", "pickup_code"],
                condition=Q(status__in=PICKUP_CODE_OPEN_STATUSES) & ~Q(pickup_code=""),
                name="order_pickup_code_open_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["fulfilling_store", "status"], name="order_store_status_idx"),
            models.Index(fields=["member", "-created_at"], name="order_member_recent_idx"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending_payment"),
                name="order_pending_expiry_idx",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def reservation_owner(self) -> str:
        return f"order:{self.number}"

    @property
    def paid_amount(self) -> int:
        return self.total_amount - self.refunded_amount


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    # Snapshots: the receipt shows what was bought, whatever the catalog says later.
    product_name = models.CharField(_("product"), max_length=120)
    color = models.CharField(_("color"), max_length=32, blank=True)
    size = models.CharField(_("size"), max_length=32, blank=True)
    unit_price = models.BigIntegerField(_("unit price (fen)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    # This line's share of order-level discounts, so refunds and commission are pro rata by line.
    discount_share = models.BigIntegerField(_("discount share (fen)"), default=0)
    refunded_quantity = models.PositiveIntegerField(_("refunded"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=F("quantity")), name="order_line_refund_within"
            ),
            models.CheckConstraint(
                condition=Q(discount_share__gte=0)
                & Q(discount_share__lte=F("unit_price") * F("quantity")),
                name="order_line_discount_within",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name} {self.color} {self.size}"

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def paid_total(self) -> int:
        return self.line_total - self.discount_share


class OrderEvent(models.Model):
    """The order's timeline: every status change and every action an operator may ask about.

    `kind` is one of `Kind` (Saleor's order events, in small): people read its label, never the
    code. A status change (`Kind.STATUS`) names both statuses; the first event of an order names
    the status it started in.
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        PLACED = "placed", _("Order placed")
        POS_SALE = "pos_sale", _("Sold at the POS")
        CONVERTED_FROM = "converted_from", _("Converted from booking")
        DUPLICATE_PAYMENT = "duplicate_payment", _("Second payment received")
        REFUND_REQUESTED = "refund_requested", _("Refund requested")
        REFUND_FAILED = "refund_failed", _("Refund failed")
        REFUNDED = "refunded", _("Money refunded")
        WRITTEN_OFF = "written_off", _("Returned goods written off")

    # Who acted when no staff member or user did (kept in `actor_label`, shown translated).
    ACTOR_SHOPPER = "shopper"
    ACTOR_SYSTEM = "system"
    ACTOR_POS = "POS"
    ACTOR_WECHAT_PAY = "WeChat Pay"
    ACTOR_LABELS = {
        ACTOR_SHOPPER: _("Shopper"),
        ACTOR_SYSTEM: _("System"),
        ACTOR_POS: _("POS"),
        ACTOR_WECHAT_PAY: _("WeChat Pay"),
    }

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    from_status = models.CharField(
        _("from status"), max_length=16, blank=True, choices=Order.Status.choices
    )
    to_status = models.CharField(
        _("to status"), max_length=16, blank=True, choices=Order.Status.choices
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.STATUS)
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
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self):
        return f"{self.order.number} · {self.summary}"

    @property
    def summary(self) -> str:
        """What happened, in words: "Paid → Ready for pickup", "Order placed → Awaiting
        payment", "Refund requested"."""
        if self.kind == self.Kind.STATUS:
            return f"{self.get_from_status_display() or '·'} → {self.get_to_status_display()}"
        if self.to_status:
            return f"{self.get_kind_display()} → {self.get_to_status_display()}"
        return str(self.get_kind_display())

    @property
    def actor_display(self) -> str:
        """Who: the staff member's or user's name, or "Shopper", "System"... translated."""
        label = self.ACTOR_LABELS.get(self.actor_label)
        return str(label) if label is not None else self.actor_label
