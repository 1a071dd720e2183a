"""Wallets: their figures moved with every entry change, freezing a beneficiary, and the check
that every wallet equals the sums of its ledger entries (`manage.py commissions_check`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F

from commissions.models import CommissionAudit, CommissionEntry, Wallet, Withdrawal
from commissions.withdrawal_status import OPEN

FIGURES = ("pending", "available", "requested", "withdrawn", "reversed")


def wallet_figures_add(wallet_id: int, **deltas: int) -> None:
    """Move a wallet's figures by `deltas` (fen) in one UPDATE; callers hold the wallet's lock
    and write the entries that explain the move in the same transaction."""
    changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
    if changes:
        Wallet.objects.filter(pk=wallet_id).update(**changes)


def wallet_for(*, member=None, staff=None) -> Wallet:
    """The member's or clerk's wallet, created empty on first sight."""
    if (member is None) == (staff is None):
        raise ValueError("a wallet belongs to exactly one member or one clerk")
    lookup = {"member": member} if member is not None else {"staff": staff}
    wallet, _created = Wallet.objects.get_or_create(**lookup)
    return wallet


@transaction.atomic
def wallet_freeze(*, wallet: Wallet, reason: str, actor) -> Wallet:
    """HQ stops a beneficiary's payouts (suspected abuse); her entries still accrue."""
    reason = (reason or "").strip()[:200]
    updated = Wallet.objects.filter(pk=wallet.pk, frozen=False).update(
        frozen=True, frozen_reason=reason
    )
    if updated:
        CommissionAudit.objects.create(
            action=CommissionAudit.Action.WALLET_FROZEN,
            target=f"wallet {wallet.pk} {wallet.owner_name}"[:100],
            detail=reason,
            actor=actor,
        )
    wallet.refresh_from_db()
    return wallet


@transaction.atomic
def wallet_unfreeze(*, wallet: Wallet, actor, note: str = "") -> Wallet:
    updated = Wallet.objects.filter(pk=wallet.pk, frozen=True).update(
        frozen=False, frozen_reason=""
    )
    if updated:
        CommissionAudit.objects.create(
            action=CommissionAudit.Action.WALLET_UNFROZEN,
            target=f"wallet {wallet.pk} {wallet.owner_name}"[:100],
            detail=note[:200],
            actor=actor,
        )
    wallet.refresh_from_db()
    return wallet


@dataclass(frozen=True)
class Mismatch:
    wallet_id: int
    figure: str
    stored: int
    ledger: int

    def __str__(self):
        return (
            f"wallet {self.wallet_id}: {self.figure} is {self.stored} fen, "
            f"its entries say {self.ledger}"
        )


# Every figure of every wallet recomputed from the ledger (and the withdrawals that hold or paid
# its entries), next to the stored one.
CHECK_SQL = """
WITH ledger AS (
    SELECT wallet_id,
           SUM(amount) FILTER (WHERE status = 'pending') AS pending,
           SUM(amount) FILTER (WHERE status = 'confirmed' AND withdrawal_id IS NULL) AS available,
           SUM(amount) FILTER (WHERE status = 'confirmed' AND withdrawal_id IS NOT NULL)
               AS requested,
           SUM(amount) FILTER (WHERE status = 'withdrawn') AS withdrawn,
           -SUM(amount) FILTER (WHERE kind = 'reversal') AS reversed
    FROM {entry} GROUP BY wallet_id
),
held AS (
    SELECT wallet_id,
           SUM(amount) FILTER (WHERE status = ANY(%(open)s)) AS requested,
           SUM(amount) FILTER (WHERE status = 'paid') AS withdrawn
    FROM {withdrawal} GROUP BY wallet_id
)
SELECT w.id,
       w.pending, COALESCE(l.pending, 0),
       w.available, COALESCE(l.available, 0),
       w.requested, COALESCE(l.requested, 0),
       w.withdrawn, COALESCE(l.withdrawn, 0),
       w.reversed, COALESCE(l.reversed, 0),
       COALESCE(h.requested, 0), COALESCE(h.withdrawn, 0)
FROM {wallet} w
LEFT JOIN ledger l ON l.wallet_id = w.id
LEFT JOIN held h ON h.wallet_id = w.id
ORDER BY w.id
"""


def commissions_check() -> list[Mismatch]:
    """Recompute every wallet from the ledger; returns the figures that disagree (none: all
    well). Also checks that what withdrawals hold and paid equals the entries they name."""
    tables = {
        "entry": CommissionEntry._meta.db_table,
        "withdrawal": Withdrawal._meta.db_table,
        "wallet": Wallet._meta.db_table,
    }
    mismatches = []
    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL.format(**tables), {"open": sorted(OPEN)})
        for row in cursor.fetchall():
            wallet_id, values = row[0], row[1:11]
            for index, figure in enumerate(FIGURES):
                stored, ledger = values[2 * index], values[2 * index + 1]
                if stored != ledger:
                    mismatches.append(Mismatch(wallet_id, figure, stored, ledger))
            held_requested, held_withdrawn = row[11], row[12]
            if held_requested != row[6]:
                mismatches.append(
                    Mismatch(wallet_id, "requested by open withdrawals", held_requested, row[6])
                )
            if held_withdrawn != row[8]:
                mismatches.append(
                    Mismatch(wallet_id, "withdrawn by paid withdrawals", held_withdrawn, row[8])
                )
    return mismatches
