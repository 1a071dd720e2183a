"""Inventory's periodic jobs; thin wrappers around services, safe to run twice at once."""

from celery import shared_task

from inventory.services import reservations_expire


@shared_task
def expire_reservations() -> int:
    return reservations_expire()
