from django import template
from django.core.files.storage import default_storage

register = template.Library()


@register.filter
def media_url(name):
    """URL of a stored file name (as annotated by selectors, not a FieldFile); '' when empty."""
    return default_storage.url(name) if name else ""


@register.filter
def stars(rating):
    """4 → '★★★★☆' (rating rounded to whole stars)."""
    try:
        full = max(0, min(5, round(float(rating))))
    except (TypeError, ValueError):
        return ""
    return "★" * full + "☆" * (5 - full)
