"""Reconcile one day's WeChat Pay bill: downloaded (or the sandbox's), or a file HQ saved."""

from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from o2o.errors import DomainError
from reports.models import PaymentBill
from reports.services.reconciliation import bill_fetch, bill_import, differences_alert
from reports.wechat_bill import MAX_BILL_BYTES, BillRejected


class Command(BaseCommand):
    help = (
        "Import and match WeChat Pay's bill of --date (default: yesterday); exit 1 on differences."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="bill date, YYYY-MM-DD")
        parser.add_argument("--file", help="a bill file to import instead of downloading it")

    def handle(self, *args, **options):
        try:
            day = (
                date.fromisoformat(options["date"])
                if options["date"]
                else timezone.localdate() - timedelta(days=1)
            )
        except ValueError as error:
            raise CommandError(f"{options['date']!r} is not a date (YYYY-MM-DD)") from error
        try:
            if options["file"]:
                path = Path(options["file"])
                if path.stat().st_size > MAX_BILL_BYTES:
                    raise CommandError("the bill file is larger than 64 MB")
                bill = bill_import(
                    bill_date=day, content=path.read_bytes(), source=PaymentBill.Source.UPLOAD
                )
            else:
                bill = bill_fetch(bill_date=day)
        except (BillRejected, DomainError, OSError) as error:
            raise CommandError(str(error)) from error
        open_count = differences_alert(bill)
        self.stdout.write(
            f"{bill.bill_date}: {bill.payment_lines} payments, {bill.refund_lines} refunds, "
            f"{bill.matched} matched, {open_count} open differences"
        )
        if open_count:
            raise CommandError(f"{open_count} differences to resolve")
