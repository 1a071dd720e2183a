"""HQ's policies for orders, one row each, edited in the admin."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingPolicy(models.Model):
    """HQ's limits on try-in-store bookings (网订店试); one row, edited in the admin.

    A booking holds stock until its appointment plus the grace period, so how far ahead and how
    many at once a member may book bounds what shoppers can take off the shelves (DESIGN §4
    "Trust": anything that holds stock for a shopper is bounded in time and count per member).
    """

    horizon_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Today counts as the first day: 7 offers today and the next six days."),
    )
    max_open_per_member = models.PositiveSmallIntegerField(
        _("open bookings per member"), default=2, validators=[MinValueValidator(1)]
    )
    max_open_per_member_per_store = models.PositiveSmallIntegerField(
        _("open bookings per member at one store"), default=1, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "BookingPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
