"""Platform-level periodic tasks."""

from celery import shared_task

from o2o.services import heartbeat_record


@shared_task
def record_heartbeat(source: str = "beat") -> int:
    """Record that the scheduler and a worker are alive; HQ's health view reads the latest."""
    return heartbeat_record(source=source).pk


@shared_task
def purge_idempotency_records(days: int = 30) -> int:
    """API clients retry within minutes; after a month a key's stored answer has served its turn."""
    from datetime import timedelta

    from django.utils import timezone

    from o2o.idempotency import idempotency_records_purge

    return idempotency_records_purge(before=timezone.now() - timedelta(days=days))


@shared_task
def purge_throttle_records(event_days: int = 180) -> int:
    """Attempt counters whose window has ended count from zero anyway; security events are kept
    for half a year for HQ to look into. Returns how many rows went."""
    from datetime import timedelta

    from django.utils import timezone

    from o2o.throttle import security_events_purge, throttle_counters_purge

    now = timezone.now()
    return throttle_counters_purge(now=now) + security_events_purge(
        before=now - timedelta(days=event_days)
    )


@shared_task
def relay_durable_tasks() -> dict:
    """Send again the durable tasks the broker did not take or a worker did not finish
    (`manage.py durable_relay` for cron)."""
    from o2o.durable import durable_relay

    return durable_relay()


@shared_task
def purge_expiring_values(done_task_days: int = 7) -> int:
    """Expired short-lived values (login codes, nonces, tokens); durable tasks done a week ago."""
    from datetime import timedelta

    from django.utils import timezone

    from o2o.durable import durable_tasks_purge
    from o2o.expiring import expiring_values_purge

    now = timezone.now()
    return expiring_values_purge(now=now) + durable_tasks_purge(
        before=now - timedelta(days=done_task_days)
    )


@shared_task
def relay_webhooks() -> int:
    """Deliver the outbox to the webhooks (o2o.webhooks); overlapping runs are harmless."""
    from o2o.webhooks import webhooks_relay

    return webhooks_relay()


@shared_task
def purge_outbox(days: int = 30) -> int:
    """Delivered events are kept a month for HQ to look into, then go; dead ones stay."""
    from datetime import timedelta

    from django.utils import timezone

    from o2o.webhooks import outbox_purge

    return outbox_purge(before=timezone.now() - timedelta(days=days))
