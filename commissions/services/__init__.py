"""Commission services: every write of the commissions app (STYLE: services own writes).

- `ledger`: entries for a paid order (set-based, also for batches), reversal on refund,
  orders excluded from commission
- `maturity`: pending → confirmed once the order is complete and the return window passed
- `wallets`: freezing a beneficiary, and the check of every wallet against the ledger
- `withdrawals`: the withdrawal state machine and its payouts
- `rules`: HQ's rule and policy changes, with the audit log
"""
