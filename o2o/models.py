from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time each background source (beat, a worker) proved it was alive."""

    source = models.CharField(_("source"), max_length=64, unique=True)
    last_seen = models.DateTimeField(_("last seen"))
    beats = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.source} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """The stored answer to an API write sent with an `Idempotency-Key` header (DESIGN §5).

    Written in the same transaction as the write it answers for, so the row exists exactly when
    the write happened; see `o2o.idempotency`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash (SHA-256)"), max_length=64)
    # Empty only inside the transaction that is still running the request; never committed so.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}] → {self.response_status}"
