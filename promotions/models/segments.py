"""Member segments and pushes: a segment is a rule over members (tier, last purchase, spend,
category bought, home store, tags), its members recomputed by a periodic refresh; a push sends a
notice (in-app, and a WeChat template message when configured) to a segment, respecting each
member's opt-out and a per-member frequency cap."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    """Members matching every rule that is set (an empty rule does not filter)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    tiers = models.JSONField(
        _("tiers"), default=list, blank=True, help_text=_('Tier codes, e.g. ["loyal"].')
    )
    tags = models.ManyToManyField(
        "members.MemberTag",
        blank=True,
        related_name="+",
        verbose_name=_("any of these tags"),
    )
    home_stores = models.ManyToManyField(
        "stores.Store", blank=True, related_name="+", verbose_name=_("home store is one of")
    )
    purchased_within_days = models.PositiveSmallIntegerField(
        _("bought within the last days"), null=True, blank=True
    )
    lapsed_days = models.PositiveSmallIntegerField(
        _("no purchase for at least days"), null=True, blank=True
    )
    min_spend_12m = models.BigIntegerField(
        _("spent at least in 12 months (fen)"), null=True, blank=True
    )
    category_bought = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bought in category"),
    )
    member_count = models.PositiveIntegerField(_("members"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "member"], name="segment_member_once")
        ]


class PushOptOut(models.Model):
    """The member said no to promotion messages (coupons, campaigns, new arrivals)."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push opt-out")
        verbose_name_plural = _("push opt-outs")


class Push(models.Model):
    """A message to a segment; sending it again reaches only members not reached yet."""

    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="pushes", verbose_name=_("segment")
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    capped = models.PositiveIntegerField(_("held back by the cap"), default=0)
    opted_out = models.PositiveIntegerField(_("opted out"), default=0)
    sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("push")
        verbose_name_plural = _("pushes")

    def __str__(self):
        return self.title


class PushDelivery(models.Model):
    """A push that reached a member: the frequency cap counts these."""

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["push", "member"], name="push_delivery_once")
        ]
        indexes = [models.Index(fields=["member", "created_at"], name="push_member_recent_idx")]
