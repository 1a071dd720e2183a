from django.core.management.base import BaseCommand

from inventory.services import reservations_expire


class Command(BaseCommand):
    help = "Release expired stock reservations (the same job Celery beat runs every minute)."

    def handle(self, *args, **options):
        released = reservations_expire()
        self.stdout.write(f"released {released} expired reservation(s)")
