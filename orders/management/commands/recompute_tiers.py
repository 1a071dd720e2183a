"""Recompute every member's tier from her orders (nightly; the Celery task
`orders.tasks.recompute_tiers` does the same)."""

from django.core.management.base import BaseCommand

from members.models import Member
from orders.services.tiers import tiers_recompute


class Command(BaseCommand):
    help = "Recompute member tiers (potential, regular, loyal, advocate) and print the counts."

    def handle(self, *args, **options):
        counts = tiers_recompute()
        for tier in Member.Tier:
            self.stdout.write(f"{tier.value}: {counts[tier.value]}")
        self.stdout.write(f"changed: {counts['changed']}")
