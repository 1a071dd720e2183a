"""Reports: daily facts (set-based aggregates of the ledgers), WeChat Pay reconciliation and
franchise settlement statements. Nothing below this app imports it."""

from reports.models.facts import ClerkDay, ProductDay, StoreDay
from reports.models.reconciliation import PaymentBill, PaymentDifference

__all__ = [
    "ClerkDay",
    "PaymentBill",
    "PaymentDifference",
    "ProductDay",
    "StoreDay",
]
