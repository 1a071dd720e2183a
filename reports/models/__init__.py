"""Reports: daily facts (set-based aggregates of the ledgers), WeChat Pay reconciliation and
franchise settlement statements. Nothing below this app imports it."""

from reports.models.facts import ClerkDay, ProductDay, StoreDay

__all__ = ["ClerkDay", "ProductDay", "StoreDay"]
