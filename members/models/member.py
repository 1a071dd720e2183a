"""The member: one shopper everywhere (WeChat H5, store counter, POS), with her tags, home
store, bound clerk and referrer, the history of her bindings, her favorites and the visits
through her share links (DESIGN §4 "Attribution").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberTag(models.Model):
    name = models.CharField(_("name"), max_length=32, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("member tag")
        verbose_name_plural = _("member tags")

    def __str__(self):
        return self.name


class Member(models.Model):
    class Tier(models.TextChoices):
        POTENTIAL = "potential", _("Potential")
        REGULAR = "regular", _("Regular")
        LOYAL = "loyal", _("Loyal")
        ADVOCATE = "advocate", _("Advocate")

    class JoinedVia(models.TextChoices):
        CLERK_QR = "clerk_qr", _("Clerk QR code")
        STORE_QR = "store_qr", _("Store QR code")
        SHARE_LINK = "share_link", _("Share link")
        POS = "pos", _("POS")
        ORGANIC = "organic", _("Organic")

    member_code = models.CharField(_("member code"), max_length=16, unique=True)
    openid = models.CharField(_("WeChat openid"), max_length=64, unique=True, null=True, blank=True)
    unionid = models.CharField(
        _("WeChat unionid"), max_length=64, null=True, blank=True, db_index=True
    )
    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    external_id = models.CharField(
        _("external id (ERP/CRM)"), max_length=64, unique=True, null=True, blank=True
    )
    nickname = models.CharField(_("nickname"), max_length=64, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=500, blank=True)
    home_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("home store"),
    )
    bound_clerk = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bound_members",
        verbose_name=_("bound clerk"),
    )
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    referrer = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referrer"),
    )
    referral_code = models.CharField(_("referral code"), max_length=16, unique=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.POTENTIAL)
    tags = models.ManyToManyField(
        MemberTag, blank=True, related_name="members", verbose_name=_("tags")
    )
    joined_via = models.CharField(
        _("joined via"), max_length=16, choices=JoinedVia.choices, default=JoinedVia.ORGANIC
    )
    # Kept equal to the sum of the member's points entries by the points service; the CHECK makes
    # a negative balance impossible even under concurrent redemptions.
    points_balance = models.BigIntegerField(_("points"), default=0)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        ordering = ["-joined_at"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0), name="member_points_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(referrer=models.F("pk")), name="member_not_own_referrer"
            ),
        ]
        indexes = [models.Index(fields=["bound_clerk"], name="member_bound_clerk_idx")]

    def __str__(self):
        return f"{self.display_name} ({self.member_code})"

    @property
    def display_name(self) -> str:
        if self.nickname:
            return self.nickname
        if self.phone:
            return f"{self.phone[:3]}****{self.phone[-4:]}"
        return self.member_code


class BindingChange(models.Model):
    """History of who a member is bound to (clerk and home store) and why."""

    class Reason(models.TextChoices):
        FIRST_TOUCH = "first_touch", _("First touch")
        LAST_TOUCH = "last_touch", _("Last touch")
        EXPIRED = "expired", _("Previous binding expired")
        CLERK_LEFT = "clerk_left", _("Clerk left; handed to the manager")
        HQ = "hq", _("Changed by HQ")
        HOME_STORE = "home_store", _("Home store set")
        STORE_CLOSED = "store_closed", _("Store closed; moved to the nearest")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="binding_changes", verbose_name=_("member")
    )
    from_clerk = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from clerk"),
    )
    to_clerk = models.ForeignKey(
        "stores.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to clerk"),
    )
    from_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from store"),
    )
    to_store = models.ForeignKey(
        "stores.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to store"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("binding change")
        verbose_name_plural = _("binding changes")


class Favorite(models.Model):
    """收藏: a product kept to buy later."""

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="favorites",
        verbose_name=_("member"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "product"], name="favorite_once"),
        ]


class ShareVisit(models.Model):
    """A visit through a member's share link (her referral code in ?r=).

    Orders placed afterwards record the sharer in `Order.shared_by`.
    """

    sharer = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared by")
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    visitor_session = models.CharField(max_length=40, blank=True)
    visitor = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visitor"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sharer", "created_at"], name="share_visit_sharer_idx")]
