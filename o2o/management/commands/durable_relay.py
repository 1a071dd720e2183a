"""Send again the durable tasks the broker did not take or a worker did not finish:
`manage.py durable_relay` (cron, or by hand after the broker comes back; beat runs it every 30 s).
"""

from django.core.management.base import BaseCommand

from o2o.durable import durable_relay
from o2o.models import DurableTask


class Command(BaseCommand):
    help = "Relay durable tasks (o2o.durable) that are waiting for the broker or were not finished."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many per run.")

    def handle(self, *args, limit=500, **options):
        counts = durable_relay(limit=limit)
        waiting = DurableTask.objects.exclude(
            status__in=[DurableTask.Status.DONE, DurableTask.Status.FAILED]
        ).count()
        self.stdout.write(
            f"sent {counts['sent']}, not taken by the broker {counts['unsent']}, "
            f"given up {counts['failed']}; {waiting} not done yet"
        )
