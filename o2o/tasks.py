"""Platform-level periodic tasks."""

from celery import shared_task

from o2o.services import heartbeat_record


@shared_task
def record_heartbeat(source: str = "beat") -> int:
    """Record that the scheduler and a worker are alive; HQ's health view reads the latest."""
    return heartbeat_record(source=source).pk
