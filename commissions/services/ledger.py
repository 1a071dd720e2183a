"""Writing the commission ledger (DESIGN §4 "Commission").

On payment — in the transaction of the paid transition, through the `ORDER_PAID` point of
`orders.hooks` — every line of the order earns, for each beneficiary:

    level 0   the order's credited clerk (if still active)            clerk rate
    level 1   the buyer's referrer                                    level-1 rate
    level 2   her referrer, ... up to HQ's number of levels (≤ 3)     level-2 rate ...

with the rates of the most specific rule valid at the moment of payment (product, then the
nearest category up the tree, then default). Nobody earns on her own purchase: the buyer, and any
referrer sharing her phone or WeChat unionid, are skipped, as are deactivated members and clerks
whose phone is the buyer's; a skipped level is not filled by the next one.

Base: the line's goods amount actually paid, after discounts and points spread over the lines
(`OrderLine.discount_share`), never shipping. Rounding, the one rule: each entry is
floor(base × rate / 10,000) fen; the fractions are not paid (they stay with the company). An
entry that floors to zero is not written.

One entry per (order line, beneficiary, level): a unique constraint, and the insert does nothing
on conflict, so computing an order twice (a retried task, a replay) writes nothing the second
time. The computation is set-based SQL for any number of orders at once (the bench computes
100,000 in one call); the payment path calls it with one.

Lock order, the same in every commission write so they cannot deadlock: the order row (the
caller holds it), then wallets by id, then entries.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import SKU, Category, Product
from commissions.models import (
    FULL_RATE_BP,
    CommissionAudit,
    CommissionEntry,
    CommissionExclusion,
    CommissionPolicy,
    CommissionRule,
    Wallet,
)
from commissions.services.wallets import wallet_figures_add
from members.models import Member
from orders.models import Order, OrderLine, Refund, RefundLine
from stores.models import Staff

E = CommissionEntry


def _tables() -> dict[str, str]:
    return {
        "order": Order._meta.db_table,
        "line": OrderLine._meta.db_table,
        "sku": SKU._meta.db_table,
        "product": Product._meta.db_table,
        "category": Category._meta.db_table,
        "member": Member._meta.db_table,
        "staff": Staff._meta.db_table,
        "rule": CommissionRule._meta.db_table,
        "exclusion": CommissionExclusion._meta.db_table,
        "wallet": Wallet._meta.db_table,
        "entry": CommissionEntry._meta.db_table,
    }


# Who earns on each order: (order_id, level, member_id | staff_id). Parameters: ids (the orders),
# levels (HQ's number of referral levels), exclude_promotions.
BENEFICIARIES_CTE = """
WITH RECURSIVE ord AS (
    SELECT o.id, o.member_id AS buyer_id, o.credited_clerk_id, o.credited_store_id, o.paid_at
    FROM {order} o
    WHERE o.id = ANY(%(ids)s) AND o.paid_at IS NOT NULL
      AND NOT (%(exclude_promotions)s
               AND EXISTS (SELECT 1 FROM {exclusion} x WHERE x.order_id = o.id))
),
chain AS (
    SELECT ord.id AS order_id, ord.buyer_id, b.referrer_id AS member_id, 1 AS level
    FROM ord JOIN {member} b ON b.id = ord.buyer_id
    WHERE b.referrer_id IS NOT NULL AND %(levels)s >= 1
    UNION ALL
    SELECT c.order_id, c.buyer_id, m.referrer_id, c.level + 1
    FROM chain c JOIN {member} m ON m.id = c.member_id
    WHERE m.referrer_id IS NOT NULL AND c.level < %(levels)s
),
beneficiary AS (
    SELECT ord.id AS order_id, 0 AS level, NULL::bigint AS member_id, s.id AS staff_id
    FROM ord
    JOIN {staff} s ON s.id = ord.credited_clerk_id AND s.is_active
    LEFT JOIN {member} buyer ON buyer.id = ord.buyer_id
    WHERE NOT (s.phone <> '' AND s.phone IS NOT DISTINCT FROM buyer.phone)
    UNION ALL
    SELECT c.order_id, c.level, m.id, NULL::bigint
    FROM chain c
    JOIN {member} m ON m.id = c.member_id
    JOIN {member} buyer ON buyer.id = c.buyer_id
    WHERE m.is_active AND m.id <> buyer.id
      AND NOT (m.unionid IS NOT NULL AND m.unionid <> '' AND m.unionid = buyer.unionid)
      AND NOT (m.phone IS NOT NULL AND m.phone = buyer.phone)
)
"""

# Each line of the orders with its base and the rule that applies to it.
LINE_RULES_CTE = """,
line AS (
    SELECT l.id AS line_id, l.order_id, l.unit_price * l.quantity - l.discount_share AS base,
           p.id AS product_id, p.category_id, ord.paid_at
    FROM {line} l
    JOIN ord ON ord.id = l.order_id
    JOIN {sku} k ON k.id = l.sku_id
    JOIN {product} p ON p.id = k.product_id
),
ancestry AS (
    SELECT c.id AS category_id, c.id AS ancestor_id, 0 AS depth
    FROM {category} c WHERE c.id IN (SELECT category_id FROM line)
    UNION ALL
    SELECT a.category_id, c.parent_id, a.depth + 1
    FROM ancestry a JOIN {category} c ON c.id = a.ancestor_id
    WHERE c.parent_id IS NOT NULL AND a.depth < 32
),
line_rule AS (
    SELECT DISTINCT ON (line.line_id)
           line.line_id, line.order_id, line.base, r.id AS rule_id,
           ARRAY[r.clerk_rate_bp, r.level1_rate_bp, r.level2_rate_bp, r.level3_rate_bp] AS rates
    FROM line
    JOIN {rule} r
      ON r.valid_from <= line.paid_at AND (r.valid_until IS NULL OR r.valid_until > line.paid_at)
    LEFT JOIN ancestry a
      ON r.scope = 'category' AND a.category_id = line.category_id AND a.ancestor_id = r.category_id
    WHERE (r.scope = 'product' AND r.product_id = line.product_id)
       OR (r.scope = 'category' AND a.ancestor_id IS NOT NULL)
       OR r.scope = 'default'
    ORDER BY line.line_id,
             CASE r.scope WHEN 'product' THEN 0 WHEN 'category' THEN 1 + a.depth ELSE 1000 END,
             r.valid_from DESC, r.id DESC
)
"""

INSERT_ENTRIES_SQL = """,
earned AS (
    SELECT lr.order_id, lr.line_id, lr.base, lr.rule_id, b.level,
           lr.rates[b.level + 1] AS rate_bp,
           COALESCE(wm.id, ws.id) AS wallet_id
    FROM line_rule lr
    JOIN beneficiary b ON b.order_id = lr.order_id
    LEFT JOIN {wallet} wm ON wm.member_id = b.member_id
    LEFT JOIN {wallet} ws ON ws.staff_id = b.staff_id
),
inserted AS (
    INSERT INTO {entry} (wallet_id, order_id, order_line_id, buyer_id, store_id, level, kind,
                         status, amount, base, rate_bp, rule_id, created_at)
    SELECT e.wallet_id, e.order_id, e.line_id, ord.buyer_id, ord.credited_store_id, e.level,
           'earning', 'pending', e.base * e.rate_bp / %(full_rate)s, e.base, e.rate_bp,
           e.rule_id, %(now)s
    FROM earned e JOIN ord ON ord.id = e.order_id
    WHERE e.base * e.rate_bp / %(full_rate)s > 0
    ORDER BY e.wallet_id, e.line_id, e.level
    ON CONFLICT DO NOTHING
    RETURNING wallet_id, amount
),
per_wallet AS (
    SELECT wallet_id, SUM(amount) AS total, COUNT(*) AS entries
    FROM inserted GROUP BY wallet_id
),
credited AS (
    UPDATE {wallet} w SET pending = w.pending + p.total
    FROM per_wallet p WHERE w.id = p.wallet_id
    RETURNING p.entries
)
SELECT COALESCE(SUM(entries), 0) FROM credited
"""


def _wallets_lock(cursor, *, member_ids: list[int], staff_ids: list[int]) -> list[int]:
    """Create the wallets that do not exist yet, then lock them all in id order."""
    tables = _tables()
    if member_ids:
        cursor.execute(
            f"""
            INSERT INTO {tables["wallet"]} (member_id, pending, available, requested, withdrawn,
                                            reversed, frozen, frozen_reason, created_at)
            SELECT m, 0, 0, 0, 0, 0, false, '', now() FROM unnest(%s::bigint[]) AS m ORDER BY m
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - table names from the models, values are parameters
            [sorted(member_ids)],
        )
    if staff_ids:
        cursor.execute(
            f"""
            INSERT INTO {tables["wallet"]} (staff_id, pending, available, requested, withdrawn,
                                            reversed, frozen, frozen_reason, created_at)
            SELECT s, 0, 0, 0, 0, 0, false, '', now() FROM unnest(%s::bigint[]) AS s ORDER BY s
            ON CONFLICT DO NOTHING
            """,  # noqa: S608
            [sorted(staff_ids)],
        )
    cursor.execute(
        f"""
        SELECT id FROM {tables["wallet"]}
        WHERE member_id = ANY(%s::bigint[]) OR staff_id = ANY(%s::bigint[])
        ORDER BY id FOR UPDATE
        """,  # noqa: S608
        [member_ids, staff_ids],
    )
    return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def commission_entries_record(*, order_ids: list[int], now=None) -> int:
    """Write the earnings of these paid orders (any number, set-based); returns entries written.

    Orders not paid, excluded as promotions (when HQ's policy says so) or without any rule write
    nothing. Safe to repeat: what exists already is left as it is.
    """
    if not order_ids:
        return 0
    policy = CommissionPolicy.current()
    params = {
        "ids": list(order_ids),
        "levels": policy.referral_levels,
        "exclude_promotions": policy.exclude_promotion_orders,
        "full_rate": FULL_RATE_BP,
        "now": now or timezone.now(),
    }
    tables = _tables()
    with connection.cursor() as cursor:
        # Table names come from the models; every value is a parameter.
        who = BENEFICIARIES_CTE + "SELECT DISTINCT member_id, staff_id FROM beneficiary"  # noqa: S608
        cursor.execute(who.format(**tables), params)
        rows = cursor.fetchall()
        if not rows:
            return 0
        _wallets_lock(
            cursor,
            member_ids=[member for member, _staff in rows if member is not None],
            staff_ids=[staff for _member, staff in rows if staff is not None],
        )
        cursor.execute(
            (BENEFICIARIES_CTE + LINE_RULES_CTE + INSERT_ENTRIES_SQL).format(**tables), params
        )
        return int(cursor.fetchone()[0])


def commission_record_for_order(*, order: Order) -> int:
    """The `ORDER_PAID` hook: the order's earnings, in the paid transition's transaction."""
    return commission_entries_record(order_ids=[order.pk])


@transaction.atomic
def commission_reverse_for_refund(*, order: Order, refund: Refund) -> int:
    """Reverse the refunded share of the order's commission; returns reversal entries written.

    The `REFUND_SUCCEEDED` hook, in the refund's transaction (the order row is locked). After
    every refund an earning is worth what it would have earned on what is still paid for its
    line — floor(remaining base × rate) — so refunds by line, unit by unit or in full add up to
    exactly the original entry: a fully refunded line nets to zero. The difference is written as
    a negative entry: pending while the earning is pending (it matures with it), otherwise
    confirmed, taken from the available money (below zero after a payout, until new earnings
    cover it). Safe to repeat for one refund (unique per refund and earning).
    """
    line_ids = list(refund.lines.values_list("order_line_id", flat=True))
    earnings_of_lines = E.objects.filter(order_line_id__in=line_ids, kind=E.Kind.EARNING)
    wallet_ids = sorted(set(earnings_of_lines.values_list("wallet_id", flat=True)))
    if not wallet_ids:
        return 0
    list(Wallet.objects.select_for_update().filter(pk__in=wallet_ids).order_by("pk"))
    earnings = list(
        earnings_of_lines.select_for_update().select_related("order_line").order_by("pk")
    )
    refunded = dict(
        RefundLine.objects.filter(
            order_line_id__in=line_ids, refund__status=Refund.Status.SUCCEEDED
        )
        .values("order_line_id")
        .annotate(total=Sum("amount"))
        .values_list("order_line_id", "total")
    )
    this_refund = dict(refund.lines.values_list("order_line_id", "amount"))
    already = dict(
        E.objects.filter(reverses__in=earnings)
        .values("reverses_id")
        .annotate(total=Sum("amount"))
        .values_list("reverses_id", "total")
    )
    done = set(
        E.objects.filter(refund=refund, kind=E.Kind.REVERSAL).values_list("reverses_id", flat=True)
    )
    written = 0
    now = timezone.now()
    for earning in earnings:
        if earning.pk in done:
            continue
        line = earning.order_line
        remaining_base = max(line.paid_total - refunded.get(line.pk, 0), 0)
        worth = remaining_base * earning.rate_bp // FULL_RATE_BP
        delta = worth - (earning.amount + already.get(earning.pk, 0))
        if delta >= 0:
            continue
        pending = earning.status == E.Status.PENDING
        E.objects.create(
            wallet_id=earning.wallet_id,
            order_id=earning.order_id,
            order_line_id=line.pk,
            buyer_id=earning.buyer_id,
            store_id=earning.store_id,
            level=earning.level,
            kind=E.Kind.REVERSAL,
            status=E.Status.PENDING if pending else E.Status.CONFIRMED,
            amount=delta,
            base=this_refund.get(line.pk, 0),
            rate_bp=earning.rate_bp,
            rule_id=earning.rule_id,
            reverses=earning,
            refund=refund,
            created_at=now,
            confirmed_at=None if pending else now,
        )
        if pending:
            wallet_figures_add(earning.wallet_id, pending=delta, reversed=-delta)
        else:
            wallet_figures_add(earning.wallet_id, available=delta, reversed=-delta)
        written += 1
    return written


@transaction.atomic
def commission_exclusion_mark(*, order: Order, reason: str, actor=None) -> bool:
    """Mark an order as earning no commission (a flash sale) while HQ's policy excludes
    promotion orders; call before it is paid. Returns whether it was newly marked."""
    _exclusion, created = CommissionExclusion.objects.get_or_create(
        order=order, defaults={"reason": reason[:100]}
    )
    if created:
        CommissionAudit.objects.create(
            action=CommissionAudit.Action.EXCLUSION_MARKED,
            target=f"order {order.number}",
            detail=reason[:100],
            actor=actor,
        )
    return created
