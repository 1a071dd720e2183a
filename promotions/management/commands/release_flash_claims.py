"""Release flash-sale claims that never got their order (the Celery task
`promotions.tasks.release_stale_flash_claims` does the same every minute)."""

from django.core.management.base import BaseCommand

from promotions.services.flash import flash_claims_release_stale


class Command(BaseCommand):
    help = "Give flash-sale claims whose order was never placed back to the quota."

    def handle(self, *args, **options):
        self.stdout.write(f"released: {flash_claims_release_stale()}")
