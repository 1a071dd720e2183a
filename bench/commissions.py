"""Benchmark: the commission ledger, set-based, against a per-row ORM loop in the same run.

1. Computing the entries of 100,000 paid orders (about 250,000 lines) whose buyers have 3-level
   referral chains and a bound clerk, with HQ's policy at 3 levels: `commission_entries_record`
   in batches of 10,000 orders (one transaction each, as the catch-up task would), about
   1,000,000 entries.
2. The nightly maturity over those 1,000,000 entries once the orders are complete and past the
   return window: `commissions_mature`.
Each is compared with a straightforward per-row ORM loop over a sample (rolled back), measured in
this run and extrapolated; the loop's entries are checked against the set-based ones (same
count, same fen). The run ends with `commissions_check` over every wallet.

Run by `make bench` (bench/run_all.sh), or alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2o SECRET_KEY=x \
        DJANGO_SETTINGS_MODULE=o2o.settings .venv/bin/python bench/commissions.py

It never touches the configured database's data: everything happens in a scratch database
`<name>_bench_commissions` on the same server, dropped at the end, also when something fails.
Exit status 1 when a check fails; the times are reported, not enforced.
"""

from __future__ import annotations

import contextlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.commissions_data import build  # noqa: E402
from bench.scratch import migrate, scratch_database  # noqa: E402

BATCH = 10_000
BASELINE_ORDERS = 500
BASELINE_MATURITY_ORDERS = 2_000


def main() -> int:
    with scratch_database("commissions"):
        return _bench()


def _bench() -> int:
    import django

    django.setup()
    started = time.perf_counter()
    migrate()
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    order_ids = build()
    print(f"data build: {len(order_ids):,} paid orders in {time.perf_counter() - started:.1f} s")

    from django.db import connection, transaction

    from commissions.models import CommissionEntry
    from commissions.services.ledger import commission_entries_record
    from commissions.services.maturity import commissions_mature
    from commissions.services.wallets import commissions_check

    problems = []

    # 1. Computing: set-based, in batches of 10,000 orders.
    started = time.perf_counter()
    written = 0
    for first in range(0, len(order_ids), BATCH):
        written += commission_entries_record(order_ids=order_ids[first : first + BATCH])
    compute_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"compute (set-based): {written:,} entries for {len(order_ids):,} orders in "
        f"{compute_seconds:.1f} s ({written / compute_seconds:,.0f} entries/s, "
        f"{len(order_ids) / compute_seconds:,.0f} orders/s)"
    )
    again = commission_entries_record(order_ids=order_ids[:BATCH])
    if again:
        problems.append(f"a second computation wrote {again} entries")

    sample = random.Random(7).sample(order_ids, BASELINE_ORDERS)
    loop_seconds, loop_entries, same = _naive_compute_baseline(sample)
    loop_rate = loop_entries / loop_seconds
    extrapolated = written / loop_rate
    print(
        f"compute baseline (per-row ORM loop, rolled back): {loop_entries:,} entries of "
        f"{BASELINE_ORDERS} orders in {loop_seconds:.1f} s ({loop_rate:,.0f} entries/s) -> "
        f"{extrapolated / 60:.1f} min for {written:,}; set-based is "
        f"{extrapolated / compute_seconds:.0f}x faster; same entries and fen: {same}"
    )
    if not same:
        problems.append("the ORM loop and the set-based computation disagree")

    # 2. Maturity: the orders are completed 10 days ago, past the 7-day window.
    with connection.cursor() as cursor:
        with transaction.atomic():
            cursor.execute(
                "UPDATE orders_order SET status = 'completed', "
                "completed_at = now() - interval '10 days' WHERE status = 'paid'"
            )
        cursor.execute("VACUUM ANALYZE")
    pending = CommissionEntry.objects.filter(status="pending").count()
    mature_sample = random.Random(8).sample(order_ids, BASELINE_MATURITY_ORDERS)
    naive_seconds, naive_entries = _naive_maturity_baseline(mature_sample)

    started = time.perf_counter()
    result = commissions_mature()
    mature_seconds = time.perf_counter() - started
    print(
        f"maturity (set-based): {result.entries:,} of {pending:,} pending entries "
        f"({result.orders:,} orders) confirmed in {mature_seconds:.1f} s "
        f"({result.entries / mature_seconds:,.0f} entries/s)"
    )
    naive_rate = naive_entries / naive_seconds
    extrapolated = pending / naive_rate
    print(
        f"maturity baseline (per-row ORM loop, rolled back): {naive_entries:,} entries of "
        f"{BASELINE_MATURITY_ORDERS:,} orders in {naive_seconds:.1f} s "
        f"({naive_rate:,.0f} entries/s) -> {extrapolated / 60:.1f} min for {pending:,}; "
        f"set-based is {extrapolated / mature_seconds:.0f}x faster"
    )
    if result.entries != pending:
        problems.append(f"maturity confirmed {result.entries} of {pending}")
    started = time.perf_counter()
    again = commissions_mature()
    print(f"second maturity run: {again.entries} entries in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    mismatches = commissions_check()
    print(
        f"commissions_check: {len(mismatches)} mismatches in {time.perf_counter() - started:.1f} s"
    )
    problems += [str(m) for m in mismatches[:5]]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


# ---- baselines ---------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _naive_rule(line, paid_at):
    """The most specific rule for a line, one query per candidate, as a loop would do it."""
    from django.db.models import Q

    from commissions.models import CommissionRule

    valid = Q(valid_from__lte=paid_at) & (Q(valid_until__isnull=True) | Q(valid_until__gt=paid_at))
    product = line.sku.product
    rule = (
        CommissionRule.objects.filter(valid, scope="product", product=product)
        .order_by("-valid_from", "-id")
        .first()
    )
    category = product.category
    while rule is None and category is not None:
        rule = (
            CommissionRule.objects.filter(valid, scope="category", category=category)
            .order_by("-valid_from", "-id")
            .first()
        )
        category = category.parent
    if rule is None:
        rule = (
            CommissionRule.objects.filter(valid, scope="default")
            .order_by("-valid_from", "-id")
            .first()
        )
    return rule


def _naive_compute(order, levels: int) -> list[tuple]:
    """One order, row by row: lines, rules, the chain, wallets, entries, wallet figures."""
    from django.db.models import F

    from commissions.models import CommissionEntry, Wallet

    beneficiaries = []
    if order.credited_clerk_id and order.credited_clerk.is_active:
        beneficiaries.append((0, {"staff": order.credited_clerk}))
    buyer = order.member
    member, level = buyer.referrer, 1
    while member is not None and level <= levels:
        if member.is_active and member.pk != buyer.pk:
            beneficiaries.append((level, {"member": member}))
        member, level = member.referrer, level + 1
    written = []
    for line in order.lines.select_related("sku__product__category"):
        rule = _naive_rule(line, order.paid_at)
        if rule is None:
            continue
        base = line.unit_price * line.quantity - line.discount_share
        for level, owner in beneficiaries:
            rate = rule.rate_for(level)
            amount = base * rate // 10_000
            if amount <= 0:
                continue
            wallet, _created = Wallet.objects.get_or_create(**owner)
            CommissionEntry.objects.create(
                wallet=wallet,
                order=order,
                order_line=line,
                buyer=buyer,
                store_id=order.credited_store_id,
                level=level,
                kind="earning",
                status="pending",
                amount=amount,
                base=base,
                rate_bp=rate,
                rule=rule,
            )
            Wallet.objects.filter(pk=wallet.pk).update(pending=F("pending") + amount)
            written.append((line.pk, wallet.pk, level, amount))
    return written


def _naive_compute_baseline(order_ids: list[int]) -> tuple[float, int, bool]:
    """Recompute a sample of orders with the loop (their set-based entries removed first, all
    rolled back); returns (seconds, entries, whether both wrote the same entries and fen)."""
    from django.db import transaction

    from commissions.models import CommissionEntry, CommissionPolicy
    from orders.models import Order

    levels = CommissionPolicy.current().referral_levels
    outcome = {}
    with contextlib.suppress(_Rollback), transaction.atomic():
        existing = CommissionEntry.objects.filter(order_id__in=order_ids)
        expected = sorted(existing.values_list("order_line_id", "wallet_id", "level", "amount"))
        existing.delete()
        orders = list(
            Order.objects.filter(pk__in=order_ids)
            .select_related("member__referrer", "credited_clerk")
            .order_by("pk")
        )
        started = time.perf_counter()
        written = []
        for order in orders:
            written += _naive_compute(order, levels)
        outcome["seconds"] = time.perf_counter() - started
        outcome["entries"] = len(written)
        outcome["same"] = sorted(written) == expected
        raise _Rollback
    return outcome["seconds"], outcome["entries"], outcome["same"]


def _naive_maturity_baseline(order_ids: list[int]) -> tuple[float, int]:
    """The nightly job as a loop over a sample of orders: each order checked, each pending
    entry saved, each wallet updated (rolled back)."""
    from datetime import timedelta

    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from commissions.models import CommissionEntry, CommissionPolicy, Wallet
    from orders.models import Order

    cutoff = timezone.now() - timedelta(days=CommissionPolicy.current().return_window_days)
    outcome = {}
    with contextlib.suppress(_Rollback), transaction.atomic():
        started = time.perf_counter()
        moved = 0
        for order in Order.objects.filter(pk__in=order_ids).order_by("pk"):
            if order.status != "completed" or order.completed_at > cutoff:
                continue
            for entry in CommissionEntry.objects.filter(order=order, status="pending"):
                entry.status = "confirmed"
                entry.confirmed_at = timezone.now()
                entry.save(update_fields=["status", "confirmed_at"])
                Wallet.objects.filter(pk=entry.wallet_id).update(
                    pending=F("pending") - entry.amount, available=F("available") + entry.amount
                )
                moved += 1
        outcome["seconds"] = time.perf_counter() - started
        outcome["entries"] = moved
        raise _Rollback
    return outcome["seconds"], outcome["entries"]


if __name__ == "__main__":
    sys.exit(main())
