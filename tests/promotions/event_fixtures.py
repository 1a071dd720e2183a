"""Store events for tests: a workshop at a store, tomorrow afternoon."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from promotions.models import StoreEvent


def store_event_make(store, *, capacity=20, days=1, **extra) -> StoreEvent:
    starts = (timezone.localtime() + timedelta(days=days)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    return StoreEvent.objects.create(
        store=store,
        title=extra.pop("title", "丝巾系法小课堂"),
        description=extra.pop("description", "二十分钟学会三种系法，现场试戴。"),
        starts_at=extra.pop("starts_at", starts),
        ends_at=extra.pop("ends_at", starts + timedelta(hours=1)),
        capacity=capacity,
        **extra,
    )
