"""Rebuild the daily facts of a date range (default: yesterday). Idempotent: re-running a range
gives the same rows."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.services.facts import facts_rebuild

# A year of facts per transaction keeps the rebuild's lock and undo log bounded.
CHUNK_DAYS = 31


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from error


class Command(BaseCommand):
    help = "Rebuild the reports' daily facts for --from..--to (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: --from)")

    def handle(self, *args, **options):
        yesterday = timezone.localdate() - timedelta(days=1)
        first = _day(options["first"]) if options["first"] else yesterday
        last = _day(options["last"]) if options["last"] else first
        if last < first:
            raise CommandError("--to is before --from")
        if (last - first).days > 3660:
            raise CommandError("at most ten years at a time")
        while first <= last:
            chunk_end = min(last, first + timedelta(days=CHUNK_DAYS - 1))
            self.stdout.write(facts_rebuild(first_day=first, last_day=chunk_end).message)
            first = chunk_end + timedelta(days=1)
