"""Reports: daily facts (set-based aggregates of the ledgers), WeChat Pay reconciliation and
franchise settlement statements. Nothing below this app imports it."""

from reports.models.facts import ClerkDay, ProductDay, ServiceDay, StoreDay, StoreMonth
from reports.models.reconciliation import PaymentBill, PaymentDifference
from reports.models.settlement import SettlementEvent, SettlementPolicy, SettlementStatement

__all__ = [
    "ClerkDay",
    "PaymentBill",
    "PaymentDifference",
    "ProductDay",
    "ServiceDay",
    "SettlementEvent",
    "SettlementPolicy",
    "SettlementStatement",
    "StoreDay",
    "StoreMonth",
]
