"""Orders' background jobs: thin, idempotent, selecting work by state."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from orders.models import Refund
from orders.services.expiry import orders_expire
from orders.services.payment import payment_notifications_purge, payments_reconcile
from orders.services.refunds import refund_execute
from orders.services.tiers import tiers_recompute


@shared_task
def expire_orders() -> dict:
    return orders_expire()


@shared_task
def recompute_tiers() -> dict:
    """Every member's tier from her orders (nightly; `manage.py recompute_tiers` for cron)."""
    return tiers_recompute()


@shared_task
def reconcile_payments() -> int:
    return payments_reconcile()


@shared_task(bind=True, max_retries=10, default_retry_delay=60)
def execute_refund(self, refund_id: int) -> str:
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        return "missing"
    return refund_execute(refund=refund).status


@shared_task
def retry_requested_refunds() -> int:
    """Refunds whose WeChat call never finished (a crash between the steps) are tried again."""
    pending = Refund.objects.filter(status=Refund.Status.REQUESTED).values_list("pk", flat=True)
    for refund_id in pending[:100]:
        refund_execute(refund=Refund(pk=refund_id))
    return len(pending[:100])


@shared_task
def purge_payment_notifications(days: int = 90) -> int:
    """Refused and duplicate notifications have been reviewed (or ignored) after three months."""
    return payment_notifications_purge(before=timezone.now() - timedelta(days=days))
