"""The withdrawal pipeline: which moves are allowed, and what each does to the money.

    requested ─HQ approves→ approved ─transfer accepted→ paid
        │                       ├─ WeChat waits for the payee → awaiting_confirmation ─→ paid
        │                       │                                        └─ not accepted → failed
        │                       └─ transfer refused (no real name, limits...) → failed
        ├─HQ rejects (with a reason)→ rejected
        └─payee cancels→ cancelled

A request holds its entries (they leave `available` for `requested`); `rejected`, `cancelled` and
`failed` give them back to `available`; `paid` makes them `withdrawn`. Nothing leaves `approved`
except the transfer's own outcome: once a transfer may have been sent, only WeChat's answer
(or its query) may say the money did not go.
"""

from commissions.models import Withdrawal, WithdrawalEvent

S = Withdrawal.Status

TRANSITIONS: dict[str, set[str]] = {
    S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.AWAITING_CONFIRMATION, S.PAID, S.FAILED},
    S.AWAITING_CONFIRMATION: {S.PAID, S.FAILED},
    S.PAID: set(),
    S.REJECTED: set(),
    S.CANCELLED: set(),
    S.FAILED: set(),
}

# The event kind each arrival writes.
EVENT_KIND = {
    S.APPROVED: WithdrawalEvent.Kind.APPROVED,
    S.REJECTED: WithdrawalEvent.Kind.REJECTED,
    S.CANCELLED: WithdrawalEvent.Kind.CANCELLED,
    S.AWAITING_CONFIRMATION: WithdrawalEvent.Kind.AWAITING_CONFIRMATION,
    S.PAID: WithdrawalEvent.Kind.PAID,
    S.FAILED: WithdrawalEvent.Kind.FAILED,
}

# Arrivals that give the held entries back to the wallet's available money.
RELEASES = {S.REJECTED, S.CANCELLED, S.FAILED}
OPEN = {S.REQUESTED, S.APPROVED, S.AWAITING_CONFIRMATION}


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())
