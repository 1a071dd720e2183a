"""Platform-level writes."""

from django.db.models import F
from django.utils import timezone

from o2o.models import Heartbeat


def heartbeat_record(*, source: str) -> Heartbeat:
    """Upsert the heartbeat of `source`; safe to run any number of times, from any process."""
    now = timezone.now()
    heartbeat, created = Heartbeat.objects.get_or_create(
        source=source, defaults={"last_seen": now, "beats": 1}
    )
    if not created:
        Heartbeat.objects.filter(pk=heartbeat.pk).update(last_seen=now, beats=F("beats") + 1)
        heartbeat.refresh_from_db()
    return heartbeat
