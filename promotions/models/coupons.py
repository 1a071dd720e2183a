"""E-coupons (电子优惠券): a template says what a coupon is worth, where and when; each coupon
issued to a member is a row with an unguessable serial code, used once, at checkout online or at
the till; every use is a redemption row that records who bears the discount, for settlement.

A coupon's status moves only through `promotions.services.coupons.coupon_transition`, a guarded
UPDATE along `COUPON_TRANSITIONS` that writes a `CouponEvent`.
"""

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def claim_token_new() -> str:
    """The random part of a template's claim link (/c/<token>/): 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


class CouponTemplate(models.Model):
    """What HQ or a store offers: the discount, its conditions, its scope and who pays for it."""

    class Kind(models.TextChoices):
        AMOUNT_OFF = "amount_off", _("Amount off")
        PERCENT_OFF = "percent_off", _("Percent off")
        GIFT_ITEM = "gift_item", _("Gift item")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_STORE = "in_store", _("In store")
        BOTH = "both", _("Online and in store")

    class Bearer(models.TextChoices):
        HQ = "hq", _("HQ")
        STORE = "store", _("The store")
        SPLIT = "split", _("Split")

    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount_off = models.BigIntegerField(_("amount off (fen)"), default=0)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), default=0)
    max_discount = models.BigIntegerField(
        _("discount cap (fen)"), default=0, help_text=_("For percent off; 0 means no cap.")
    )
    min_spend = models.BigIntegerField(
        _("minimum spend (fen)"), default=0, help_text=_("On the goods the coupon applies to.")
    )
    # 赠品券: one unit of this SKU given free (a line at price 0 online, handed over at the till).
    gift_sku = models.ForeignKey(
        "catalog.SKU",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gift item"),
        help_text=_("For a gift item coupon: the item given free, one per coupon."),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(
        _("valid days after issue"),
        null=True,
        blank=True,
        help_text=_("When set, each coupon expires this many days after it is issued."),
    )
    per_member_limit = models.PositiveSmallIntegerField(_("per member"), default=1)
    total_limit = models.PositiveIntegerField(
        _("total to issue"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    # Counted by a guarded UPDATE (issued_count < total_limit), so the cap holds under load.
    issued_count = models.PositiveIntegerField(_("issued"), default=0)
    channel = models.CharField(
        _("where it can be used"), max_length=16, choices=Channel.choices, default=Channel.BOTH
    )
    stores = models.ManyToManyField(
        "stores.Store",
        blank=True,
        related_name="+",
        verbose_name=_("stores"),
        help_text=_("Empty means every store."),
    )
    categories = models.ManyToManyField(
        "catalog.Category",
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
        help_text=_("Empty means every product; a category includes its subcategories."),
    )
    issuer_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by store"),
        help_text=_("Empty for HQ's coupons."),
    )
    bearer = models.CharField(
        _("who bears the discount"), max_length=8, choices=Bearer.choices, default=Bearer.HQ
    )
    hq_share_bp = models.PositiveSmallIntegerField(
        _("HQ share (basis points)"), default=10000, help_text=_("For a split: 5000 = half.")
    )
    restore_on_refund = models.BooleanField(
        _("give back on a full refund"),
        default=False,
        help_text=_("A fully refunded order returns its coupon when it is still valid."),
    )
    claimable = models.BooleanField(
        _("shoppers may claim it"), default=False, help_text=_("Through its claim link.")
    )
    claim_token = models.CharField(
        _("claim link code"), max_length=24, unique=True, default=claim_token_new
    )
    reward_sharer = models.BooleanField(
        _("reward the sharer"),
        default=False,
        help_text=_(
            "A member who shares the claim link gets one coupon of it for each friend who claims "
            "through her link (within the total to issue; not counted in her per-member limit)."
        ),
    )
    new_member_gift = models.BooleanField(
        _("new-member gift"),
        default=False,
        help_text=_("Given once to every member when she joins (while active and not sold out)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="amount_off") & Q(amount_off__gt=0))
                | (Q(kind="percent_off") & Q(percent_off__gte=1) & Q(percent_off__lte=99))
                | (Q(kind="gift_item") & Q(gift_sku__isnull=False)),
                name="coupon_template_has_a_value",
            ),
            models.CheckConstraint(
                condition=Q(max_discount__gte=0) & Q(min_spend__gte=0) & Q(per_member_limit__gte=1),
                name="coupon_template_limits_sane",
            ),
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(issued_count__lte=F("total_limit")),
                name="coupon_template_within_total",
            ),
            models.CheckConstraint(
                condition=Q(hq_share_bp__lte=10000), name="coupon_template_share_within"
            ),
        ]

    def __str__(self):
        return self.name


class CouponCampaign(models.Model):
    """HQ (or a store) hands a template to every member of a segment, once each."""

    template = models.ForeignKey(
        CouponTemplate,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("coupon template"),
    )
    segment = models.ForeignKey(
        "promotions.Segment",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("segment"),
    )
    issued = models.PositiveIntegerField(_("issued"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("coupon campaign")
        verbose_name_plural = _("coupon campaigns")

    def __str__(self):
        return f"{self.template} → {self.segment}"


class Coupon(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")
        VOID = "void", _("Withdrawn by HQ")

    class Source(models.TextChoices):
        CLAIM = "claim", _("Claimed by the shopper")
        CAMPAIGN = "campaign", _("Campaign")
        CLERK = "clerk", _("Given by a clerk")
        HQ = "hq", _("Given by HQ")
        NEW_MEMBER = "new_member", _("New-member gift")
        SHARE = "share", _("Claimed through a friend's share")
        SHARE_REWARD = "share_reward", _("Reward for sharing")

    template = models.ForeignKey(
        CouponTemplate, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("template")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="coupons",
        verbose_name=_("member"),
    )
    # The serial printed and encoded in the coupon's QR: random, unguessable, unique.
    code = models.CharField(_("code"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.AVAILABLE
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    campaign = models.ForeignKey(
        CouponCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupons",
        verbose_name=_("campaign"),
    )
    issued_by = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    # Share-to-claim: on a friend's coupon, who shared the link; on the sharer's reward, the
    # friend whose claim earned it (one reward per friend).
    shared_by = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    reward_for = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reward for the claim of"),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            # Re-running a campaign gives nobody a second coupon.
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=Q(campaign__isnull=False),
                name="coupon_once_per_campaign_member",
            ),
            # A new member's gift is hers once, however often joining is replayed.
            models.UniqueConstraint(
                fields=["template", "member"],
                condition=Q(source="new_member"),
                name="coupon_new_member_gift_once",
            ),
            models.UniqueConstraint(
                fields=["template", "member", "reward_for"],
                condition=Q(reward_for__isnull=False),
                name="coupon_share_reward_once_per_friend",
            ),
            models.CheckConstraint(
                condition=(Q(source="share_reward") & Q(reward_for__isnull=False))
                | (~Q(source="share_reward") & Q(reward_for__isnull=True)),
                name="coupon_share_reward_names_the_friend",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="coupon_member_status_idx")]

    def __str__(self):
        return f"{self.template.name} · {self.code}"


class CouponRedemption(models.Model):
    """One use of a coupon: online on an order, or at the till (back office or POS).

    The discount (or a gift item's value) is split between HQ and the store for settlement
    (hq_cost + store_cost = discount + gift_value, a CHECK). A redemption given back (order
    lapsed, refund with restore) keeps its row with `reversed_at`; at most one redemption of a
    coupon is live at a time.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online checkout")
        TILL = "till", _("Store till")
        POS = "pos", _("POS")

    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("coupon")
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The till's or the POS's own reference of the sale: a repeat with it answers the same.
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    staff = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clerk"),
    )
    sale_amount = models.BigIntegerField(_("sale amount (fen)"))
    discount = models.BigIntegerField(_("discount (fen)"))
    # A gift item coupon takes no money off: it gives the item, worth `gift_value` at the
    # store's price, and that value is what HQ and the store bear.
    gift_sku = models.ForeignKey(
        "catalog.SKU",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gift item"),
    )
    gift_value = models.BigIntegerField(_("gift value (fen)"), default=0)
    hq_cost = models.BigIntegerField(_("borne by HQ (fen)"))
    store_cost = models.BigIntegerField(_("borne by the store (fen)"))
    created_at = models.DateTimeField(_("redeemed"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("given back"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(discount__gt=0) | Q(gift_value__gt=0))
                & Q(discount__gte=0)
                & Q(gift_value__gte=0)
                & Q(hq_cost__gte=0)
                & Q(store_cost__gte=0)
                & Q(discount=F("hq_cost") + F("store_cost") - F("gift_value")),
                name="coupon_redemption_costs_add_up",
            ),
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(reversed_at__isnull=True),
                name="coupon_redeemed_once",
            ),
        ]

    def __str__(self):
        return f"{self.coupon.code} · {self.discount}"


class CouponEvent(models.Model):
    """A coupon's timeline: issued, used, given back, withdrawn."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REDEEMED = "redeemed", _("Used")
        RETURNED = "returned", _("Given back (order not paid)")
        RESTORED = "restored", _("Given back (refund)")
        VOIDED = "voided", _("Withdrawn")

    coupon = models.ForeignKey(
        Coupon, on_delete=models.CASCADE, related_name="events", verbose_name=_("coupon")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(
        _("from status"), max_length=16, blank=True, choices=Coupon.Status.choices
    )
    to_status = models.CharField(_("to status"), max_length=16, choices=Coupon.Status.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("coupon event")
        verbose_name_plural = _("coupon events")
