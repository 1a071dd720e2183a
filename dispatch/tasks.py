"""Dispatch's background jobs: thin wrappers around the services, each safe to run twice at
once (work is selected by state and claimed by guarded updates)."""

from celery import shared_task

from dispatch.services import dispatch_offers_expire
from dispatch.services.alerts import offer_alerts_send, offers_alert_sweep


@shared_task
def expire_offers() -> int:
    """Beat "dispatch-expire-offers" (every 30 s): offers past their deadline go to the next
    store."""
    return dispatch_offers_expire()


@shared_task
def send_offer_alerts(offer_ids: list[int]) -> int:
    """Queued when offers are committed: e-mail and WeChat the stores. Returns how many offers
    this run alerted (0 when a sweep or a twin task got there first)."""
    return offer_alerts_send(offer_ids=offer_ids).offers


@shared_task
def alert_offers() -> int:
    """Beat "dispatch-alert-offers" (every 30 s): first alerts a lost task left unsent, and the
    reminder when 15 minutes remain."""
    return offers_alert_sweep().offers
