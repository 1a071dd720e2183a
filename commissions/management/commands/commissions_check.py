"""Recompute every commission wallet from the ledger; exit status 1 on any mismatch (run nightly
from cron and alert HQ on failure)."""

from django.core.management.base import BaseCommand, CommandError

from commissions.models import Wallet
from commissions.services.wallets import commissions_check


class Command(BaseCommand):
    help = "Check every commission wallet against its ledger entries; non-zero exit on mismatch."

    def handle(self, *args, **options):
        mismatches = commissions_check()
        for mismatch in mismatches:
            self.stderr.write(str(mismatch))
        if mismatches:
            raise CommandError(f"{len(mismatches)} wallet figures disagree with the ledger")
        self.stdout.write(f"{Wallet.objects.count()} wallets agree with the ledger")
