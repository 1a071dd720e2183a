"""Deliver the outbox to the subscribed webhooks: `manage.py relay_webhooks` (what Celery beat's
`platform-relay-webhooks` runs every 10 s; cron can run this instead)."""

from django.core.management.base import BaseCommand

from o2o.webhooks import webhooks_relay


class Command(BaseCommand):
    help = "Fan out new outbox events and POST the due webhook deliveries, signed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-rounds", type=int, default=50, help="Batches to send at most (default 50)."
        )

    def handle(self, *args, max_rounds=50, **options):
        attempted = webhooks_relay(max_rounds=max_rounds)
        self.stdout.write(f"{attempted} deliveries attempted")
