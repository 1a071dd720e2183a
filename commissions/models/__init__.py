"""Commissions (多层次分佣, DESIGN §4 "Commission"): HQ's policy and rules, the append-only ledger
of entries, the wallet each beneficiary has, and withdrawals with their payouts.

Only `commissions.services` writes these tables. Amounts are integer fen; rates are basis points
(1 bp = 0.01 %). A wallet's figures are kept equal to sums over its entries by the services, in
the same transaction as each entry change, and `manage.py commissions_check` proves it.
One module per concept:

- `rules`: CommissionPolicy, CommissionRule, CommissionExclusion, CommissionAudit;
- `ledger`: Wallet, CommissionEntry;
- `withdrawals`: Withdrawal, WithdrawalEvent.
"""

from commissions.models.ledger import CommissionEntry, Wallet
from commissions.models.rules import (
    CLERK_LEVEL,
    FULL_RATE_BP,
    MAX_REFERRAL_LEVELS,
    CommissionAudit,
    CommissionExclusion,
    CommissionPolicy,
    CommissionRule,
)
from commissions.models.withdrawals import Withdrawal, WithdrawalEvent

__all__ = [
    "CLERK_LEVEL",
    "FULL_RATE_BP",
    "MAX_REFERRAL_LEVELS",
    "CommissionAudit",
    "CommissionEntry",
    "CommissionExclusion",
    "CommissionPolicy",
    "CommissionRule",
    "Wallet",
    "Withdrawal",
    "WithdrawalEvent",
]
