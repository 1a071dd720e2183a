"""Promotions' background jobs (thin: call a service)."""

from celery import shared_task

from promotions.services.segments import segments_refresh


@shared_task
def refresh_segments() -> dict[str, int]:
    return segments_refresh()
