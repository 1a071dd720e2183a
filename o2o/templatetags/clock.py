"""{{ seconds|clock }}: a count of seconds (or a timedelta) as minutes and seconds, "9:05";
countdowns and durations on the store desk and in HQ's admin."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def clock(value) -> str:
    if value is None or value == "":
        return ""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    sign = "-" if seconds < 0 else ""
    minutes, rest = divmod(abs(seconds), 60)
    return f"{sign}{minutes}:{rest:02d}"
