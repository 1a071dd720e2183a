from django.core.management.base import BaseCommand

from dispatch.services import dispatch_offers_expire


class Command(BaseCommand):
    help = (
        "Move delivery offers whose accept deadline passed to the next store (the same job "
        "Celery beat runs every 30 seconds); safe to run while another sweep runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size=None, **options):
        expired = dispatch_offers_expire(batch_size=batch_size)
        self.stdout.write(f"moved on {expired} expired offer(s)")
