from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def bp_percent(bp) -> str:
    """300 → "3%", 250 → "2.5%", 125 → "1.25%" (basis points as a percentage)."""
    whole, rest = divmod(int(bp or 0), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"


@register.filter
def level_label(level) -> str:
    """Who an entry paid: the clerk who serves the buyer, or a step up the referral chain."""
    if int(level) == 0:
        return _("Clerk")
    return _("Level %(level)s") % {"level": level}
