"""Confirm the pending commission of matured orders (nightly; the Celery task
`commissions.tasks.mature_commissions` does the same)."""

from django.core.management.base import BaseCommand

from commissions.services.maturity import commissions_mature


class Command(BaseCommand):
    help = "Confirm pending commission entries of orders completed before the return window."

    def handle(self, *args, **options):
        self.stdout.write(commissions_mature().message)
