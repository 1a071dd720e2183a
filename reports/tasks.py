"""Reports' background jobs: thin, idempotent (each rebuilds or re-imports a whole day)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from reports.services.facts import facts_rebuild
from reports.services.reconciliation import bill_fetch, differences_alert
from reports.services.settlement import statements_prepare


@shared_task
def rebuild_daily_facts(days_back: int = 2) -> str:
    """Nightly: rebuild the facts of the last `days_back` days up to yesterday (the day before
    is redone too, so a refund completed just after midnight lands; `manage.py reports_facts`
    for cron and for any older range)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    return facts_rebuild(
        first_day=yesterday - timedelta(days=days_back - 1), last_day=yesterday
    ).message


@shared_task
def reconcile_payments() -> str:
    """Nightly: fetch yesterday's WeChat Pay bill, match it, alert HQ of any difference
    (`manage.py reports_reconcile` for cron)."""
    bill = bill_fetch(bill_date=timezone.localdate() - timedelta(days=1))
    return f"{bill.bill_date}: {bill.matched} matched, {differences_alert(bill)} open"


@shared_task
def prepare_statements() -> int:
    """Monthly: draft franchise statements of last month for HQ to check and issue
    (`manage.py reports_settle`)."""
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    return len(statements_prepare(month=last_month))
