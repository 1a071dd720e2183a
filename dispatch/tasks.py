"""Dispatch's periodic job; a thin wrapper around the sweep, safe to run twice at once."""

from celery import shared_task

from dispatch.services import dispatch_offers_expire


@shared_task
def expire_offers() -> int:
    """Beat "dispatch-expire-offers" (every 30 s): offers past their deadline go to the next
    store."""
    return dispatch_offers_expire()
