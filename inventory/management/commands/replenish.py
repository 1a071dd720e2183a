from django.core.management.base import BaseCommand, CommandError

from inventory.exceptions import InventoryError
from inventory.services import replenishment_run, store_resolve


class Command(BaseCommand):
    help = (
        "Propose replenishment (warehouse → stores) and store-to-store rebalance transfers: the "
        "job Celery beat runs nightly, for installations that schedule it with cron instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--warehouse",
            metavar="CODE",
            help="code of the warehouse store to ship from (default: the active warehouse)",
        )

    def handle(self, *args, **options):
        try:
            warehouse = store_resolve(options["warehouse"]) if options["warehouse"] else None
            result = replenishment_run(warehouse=warehouse)
        except InventoryError as error:
            raise CommandError(str(error)) from error
        if not result.done:
            # A non-zero exit makes cron mail the operator: the job is scheduled but cannot work.
            raise CommandError(result.message)
        self.stdout.write(f"replenishment: {result.message}")
