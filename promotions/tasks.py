"""Promotions' background jobs: thin, idempotent, selecting work by state."""

from celery import shared_task

from promotions.services.flash import flash_claims_release_stale


@shared_task
def release_stale_flash_claims() -> int:
    """Flash-sale claims that never got their order go back to the quota (every minute)."""
    return flash_claims_release_stale()
