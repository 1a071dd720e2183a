"""The nightly maturity run: pending entries become confirmed (available in the wallet) once their
order is complete and HQ's return window has passed since it completed.

An order refunded in full matures at once: its earnings and reversals net to zero, nothing is
left to wait for. An order paid but never completed (not collected...) stays pending.

Set-based and batched: each batch locks a slice of matured orders with SKIP LOCKED (an order in
the middle of a refund is simply taken next time), then their wallets in id order, then moves
all their pending entries and the wallets' figures in two statements. The lock order — orders,
wallets, entries — is the ledger's, so it runs beside payments, refunds and withdrawals without
deadlocks. Selecting by state makes a repeated or concurrent run harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from commissions.models import CommissionEntry, CommissionPolicy, Wallet
from o2o.outbox import EventType, outbox_events_record
from orders.models import Order

MATURED_ORDERS_SQL = """
SELECT o.id FROM {order} o
WHERE o.id > %(after)s
  AND ((o.status = 'completed' AND o.completed_at <= %(cutoff)s) OR o.status = 'refunded')
  AND EXISTS (SELECT 1 FROM {entry} e WHERE e.order_id = o.id AND e.status = 'pending')
ORDER BY o.id
LIMIT %(limit)s
FOR UPDATE OF o SKIP LOCKED
"""

WALLETS_SQL = """
SELECT w.id FROM {wallet} w
WHERE w.id IN (SELECT DISTINCT e.wallet_id FROM {entry} e
               WHERE e.order_id = ANY(%(orders)s) AND e.status = 'pending')
ORDER BY w.id
FOR UPDATE OF w
"""

CONFIRM_SQL = """
WITH matured AS (
    UPDATE {entry} e SET status = 'confirmed', confirmed_at = %(now)s
    WHERE e.order_id = ANY(%(orders)s) AND e.status = 'pending'
    RETURNING e.wallet_id, e.amount
),
per_wallet AS (
    SELECT wallet_id, SUM(amount) AS total, COUNT(*) AS entries FROM matured GROUP BY wallet_id
),
moved AS (
    UPDATE {wallet} w SET pending = w.pending - p.total, available = w.available + p.total
    FROM per_wallet p WHERE w.id = p.wallet_id
    RETURNING p.entries
)
SELECT COALESCE(SUM(entries), 0) FROM moved
"""


@dataclass
class MaturityResult:
    orders: int = 0
    entries: int = 0

    @property
    def message(self) -> str:
        return f"{self.entries} entries of {self.orders} orders confirmed"


def _confirmed_outbound_record(*, orders: list[int], now) -> None:
    """One `commission.confirmed` event per matured order, in the batch's transaction; its
    aggregate is the order's, whose row the batch holds locked."""
    by_order: dict[int, list[dict]] = {}
    entries = CommissionEntry.objects.filter(
        order_id__in=orders, status=CommissionEntry.Status.CONFIRMED, confirmed_at=now
    ).order_by("order_id", "id")
    for entry in entries.values("order_id", "id", "wallet_id", "level", "kind", "amount"):
        by_order.setdefault(entry.pop("order_id"), []).append(entry)
    numbers = dict(Order.objects.filter(pk__in=list(by_order)).values_list("pk", "number"))
    outbox_events_record(
        [
            (
                EventType.COMMISSION_CONFIRMED,
                f"order:{numbers[order_id]}",
                {
                    "order": numbers[order_id],
                    "total": sum(entry["amount"] for entry in confirmed),
                    "entries": confirmed,
                },
            )
            for order_id, confirmed in sorted(by_order.items())
        ]
    )


def commissions_mature(*, now=None, batch_size: int = 2000) -> MaturityResult:
    """Confirm the pending entries of every matured order; returns what moved."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=CommissionPolicy.current().return_window_days)
    tables = {
        "order": Order._meta.db_table,
        "entry": CommissionEntry._meta.db_table,
        "wallet": Wallet._meta.db_table,
    }
    result = MaturityResult()
    after = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                MATURED_ORDERS_SQL.format(**tables),
                {"after": after, "cutoff": cutoff, "limit": batch_size},
            )
            orders = [row[0] for row in cursor.fetchall()]
            if not orders:
                return result
            cursor.execute(WALLETS_SQL.format(**tables), {"orders": orders})
            cursor.execute(CONFIRM_SQL.format(**tables), {"orders": orders, "now": now})
            result.entries += int(cursor.fetchone()[0])
            result.orders += len(orders)
            _confirmed_outbound_record(orders=orders, now=now)
            after = orders[-1]
