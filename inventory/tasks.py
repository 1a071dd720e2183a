"""Inventory's periodic jobs; thin wrappers around services, safe to run twice at once."""

from celery import shared_task

from inventory.services import replenishment_run, reservations_expire


@shared_task
def expire_reservations() -> int:
    return reservations_expire()


@shared_task
def replenish() -> dict:
    """Nightly replenishment (beat "inventory-replenish"); a duplicate waits, then adds nothing."""
    return replenishment_run().as_dict()
