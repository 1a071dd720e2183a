"""Loyalty's periodic jobs (thin: call one service). Beat runs them nightly; cron can run the
matching management commands instead.

Celery's autodiscovery imports only `members.tasks`, which imports this module.
"""

from celery import shared_task

from members.services.gifts import gift_redemptions_expire


@shared_task
def expire_gift_pickups() -> int:
    return gift_redemptions_expire()
