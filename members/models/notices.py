"""What members are told (in-app notices, sent by WeChat too when configured) and the WeChat
server events received for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.member import Member


class Notice(models.Model):
    """An in-app notice to a member (always sent; WeChat template messages are extra)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="notices", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=100)
    body = models.CharField(_("body"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Deduplicates notices about the same thing ("new_arrival:<product>", "order_ready:<number>").
    dedupe_key = models.CharField(max_length=100)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["member", "dedupe_key"], name="notice_once_per_member"),
        ]


class WeChatEvent(models.Model):
    """Server events already handled; the unique key makes a replayed event a no-op."""

    dedupe_key = models.CharField(max_length=200, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    event = models.CharField(max_length=32)
    event_key = models.CharField(max_length=128, blank=True)
    payload = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("WeChat event")
        verbose_name_plural = _("WeChat events")
