"""Regions, stores and their staff.

Coordinates are GCJ-02 (the system WeChat's location and map APIs use, DESIGN §4), stored as
decimal degrees with six places (about 0.1 m).
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_opening_hours():
    return {day: ["10:00", "22:00"] for day in WEEKDAYS}


def _parse_hhmm(value: str) -> time:
    return datetime.strptime(value, "%H:%M").time()


def validate_opening_hours(value):
    """{"mon": ["10:00", "22:00"], ..., "sun": null} — a null day is closed."""
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must map weekdays to [open, close]."))
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValidationError(
            _("Unknown weekdays: %(days)s") % {"days": ", ".join(sorted(unknown))}
        )
    for day, span in value.items():
        if span is None:
            continue
        if not (isinstance(span, list | tuple) and len(span) == 2):
            raise ValidationError(_("%(day)s: expected [open, close] or null.") % {"day": day})
        try:
            opens, closes = (_parse_hhmm(part) for part in span)
        except (TypeError, ValueError) as error:
            raise ValidationError(
                _("%(day)s: times must look like 09:30.") % {"day": day}
            ) from error
        if opens == closes:
            raise ValidationError(_("%(day)s: opening and closing times are equal.") % {"day": day})


class Region(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Store(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("HQ warehouse")
        DIRECT = "direct", _("Direct store")
        FRANCHISE = "franchise", _("Franchise store")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DIRECT)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="stores", verbose_name=_("region")
    )
    city = models.CharField(_("city"), max_length=32, db_index=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude (GCJ-02)"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    manager_email = models.EmailField(_("manager e-mail"), blank=True)
    opening_hours = models.JSONField(
        _("opening hours"),
        default=default_opening_hours,
        validators=[validate_opening_hours],
        help_text=_('Per weekday: {"mon": ["10:00", "22:00"], ..., "sun": null} (null = closed).'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    delivers = models.BooleanField(_("delivers"), default=False)
    delivery_radius_km = models.DecimalField(
        _("delivery radius (km)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        # The spatial indexes (GiST on the store's point and on its delivery area) are created by
        # migration 0002 in SQL: Django has no field for PostgreSQL's built-in geometric types.
        # stores/selectors.py holds their expressions.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="store_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_radius_km__gte=0), name="store_radius_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_warehouse(self) -> bool:
        return self.kind == self.Kind.WAREHOUSE

    def hours_on(self, day) -> tuple[time, time] | None:
        """Opening and closing time on a date (or datetime), None when closed that day."""
        span = (self.opening_hours or {}).get(WEEKDAYS[day.weekday()])
        if not span:
            return None
        return _parse_hhmm(span[0]), _parse_hhmm(span[1])

    def is_open_at(self, moment: datetime | None = None) -> bool:
        """Open at `moment` (default now, in the platform's time zone); spans past midnight work."""
        moment = timezone.localtime(moment or timezone.now())
        today = self.hours_on(moment)
        now = moment.time()
        if today:
            opens, closes = today
            if opens < closes and opens <= now < closes:
                return True
            if opens > closes and now >= opens:  # e.g. 18:00-02:00, evening part
                return True
        yesterday = self.hours_on(moment - timedelta(days=1))
        if yesterday:
            opens, closes = yesterday
            if opens > closes and now < closes:  # after-midnight part of yesterday's span
                return True
        return False


class Staff(models.Model):
    """A person working for the chain: clerk (导购) or manager of a store, or HQ."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        MANAGER = "manager", _("Store manager")
        HQ = "hq", _("HQ")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name=_("user"),
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="staff", verbose_name=_("store")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CLERK)
    staff_code = models.SlugField(_("staff code"), max_length=32, unique=True)
    display_name = models.CharField(_("display name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    photo = models.ImageField(_("photo"), upload_to="staff/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateField(_("joined"), default=timezone.localdate)
    # The clerk's WeChat (linked by OAuth from the back office): template messages about new
    # offers, reminders and follow-ups reach her there. Empty when not linked.
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True, default="")
    wechat_linked_at = models.DateTimeField(_("WeChat linked at"), null=True, blank=True)

    class Meta:
        ordering = ["store__code", "role", "staff_code"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [models.Index(fields=["store", "role", "is_active"], name="staff_store_role_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["wechat_openid"],
                condition=~models.Q(wechat_openid=""),
                name="staff_wechat_openid_unique",
            )
        ]

    def __str__(self):
        return f"{self.display_name} ({self.staff_code})"
