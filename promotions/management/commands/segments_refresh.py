"""Recompute every segment's members from its rules (nightly from Celery beat or cron)."""

from django.core.management.base import BaseCommand

from promotions.services.segments import segments_refresh


class Command(BaseCommand):
    help = "Recompute the members of every segment from its rules."

    def handle(self, *args, **options):
        for name, count in segments_refresh().items():
            self.stdout.write(f"{name}: {count} members")
