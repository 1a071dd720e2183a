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
