"""Delete old refused and duplicate payment notifications (nightly; the Celery task
`orders.tasks.purge_payment_notifications` does the same)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from orders.services.payment import payment_notifications_purge


class Command(BaseCommand):
    help = (
        "Delete refused and duplicate payment notifications older than --days (default 90); "
        "applied ones are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options):
        if days < 1:
            self.stderr.write("--days must be at least 1")
            return
        deleted = payment_notifications_purge(before=timezone.now() - timedelta(days=days))
        self.stdout.write(f"deleted {deleted} payment notification(s) older than {days} days")
