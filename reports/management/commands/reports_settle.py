"""Prepare (or recompute) the draft statements of every franchise store for a month."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from o2o.errors import DomainError
from reports.services.settlement import statements_prepare


class Command(BaseCommand):
    help = "Prepare franchise statements for --month YYYY-MM (default: last month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM")

    def handle(self, *args, **options):
        if options["month"]:
            try:
                month = date.fromisoformat(f"{options['month'][:7]}-01")
            except ValueError as error:
                raise CommandError(f"{options['month']!r} is not a month (YYYY-MM)") from error
        else:
            month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
        try:
            prepared = statements_prepare(month=month)
        except DomainError as error:
            raise CommandError(str(error)) from error
        for statement in prepared:
            self.stdout.write(
                f"{statement.store.code} {month:%Y-%m}: net due {statement.net_due} fen"
            )
