"""Flash sale (秒杀) claims: the bucketed quota against a single hot row, and a naive baseline.

Run by `make bench` (bench/run_all.sh sets DJANGO_SETTINGS_MODULE, SECRET_KEY, DATABASE_URL).
Never touches real data: it works in a scratch database `<name>_bench_flash` on the same server,
migrated here and dropped at the end, also when something fails.

Phase 1, throughput: N workers claim one unit each, over and over, for a fixed time, all at ONE
store (the worst case: every shopper picks the same pickup store), through the real service
`flash_quota_claim` (member row lock + per-member limit + a quota row + the claim row and its
event, one transaction), with the store's quota
(A) split into --buckets rows claimed with SKIP LOCKED, and
(B) kept in a single hot row (buckets_per_store = 1),
alternating in short rounds. Prints claims/s of each and their ratio (aim: A ≥ 2× B).
Phase 2, oversell: 50 units split 10 per store over 5 stores, limit 1 per member, N workers make
--attempts claims between them; the bucketed service, the single row, and a naive
read-then-write (no lock: SELECT remaining, then UPDATE remaining = what was read - 1) each
count what they sold. Oversell must be 0 for both service modes; the naive one shows why.

    python bench/flash_sale.py [--threads 32] [--processes] [--seconds 6] [--rounds 3]
                               [--buckets 16] [--attempts 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import migrate, scratch_database  # noqa: E402
from bench.stock_contention import run_processes, run_threads  # noqa: E402

RATIO_AIM = 2.0
PLENTY = 10_000_000
MEMBERS_PER_WORKER = 50
OVERSELL_STORES = 5
OVERSELL_PER_STORE = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=6.0, help="per throughput mode")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per mode")
    parser.add_argument("--buckets", type=int, default=16, help="quota rows per store (A)")
    parser.add_argument("--attempts", type=int, default=500, help="claims in the oversell phase")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="workers as processes rather than threads (no shared GIL)",
    )
    return parser.parse_args()


class Bench:
    def __init__(self, args):
        from catalog.models import SKU, Category, Product
        from members.models import Member
        from stores.models import Region, Store

        self.args = args
        self.run_workers = run_processes if args.processes else run_threads
        region = Region.objects.create(code="bench", name="Bench")
        self.stores = [
            Store.objects.create(
                code=f"bench{index}",
                name=f"Bench store {index}",
                region=region,
                city="上海",
                address="Bench road 1",
                latitude=31.23,
                longitude=121.47,
            )
            for index in range(OVERSELL_STORES)
        ]
        category = Category.objects.create(slug="bench", name="Bench")
        product = Product.objects.create(
            code="bench", name="Hot item", category=category, base_price=9900
        )
        self.sku = SKU.objects.create(product=product, code="hot", color="黑色", size="M")
        Member.objects.bulk_create(
            [
                Member(
                    member_code=f"B{index:08d}",
                    referral_code=f"R{index:08d}",
                    phone=f"136{index:08d}",
                )
                for index in range(args.threads * MEMBERS_PER_WORKER + args.attempts)
            ]
        )
        self.member_ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))

    def sale(self, *, buckets: int, quotas: dict, limit: int):
        from django.utils import timezone

        from promotions.models import FlashSale
        from promotions.services.flash import flash_quotas_set

        now = timezone.now()
        sale = FlashSale.objects.create(
            title=f"bench {buckets}",
            sku=self.sku,
            price=100,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
            total_quota=sum(quotas.values()),
            per_member_limit=limit,
            buckets_per_store=buckets,
        )
        flash_quotas_set(sale=sale, quotas=quotas)
        return sale

    # --- the ways to claim one unit ---------------------------------------------------------

    def claim_service(self, sale, store, member_id) -> bool:
        from members.models import Member
        from promotions.exceptions import FlashLimitReached, FlashSoldOut
        from promotions.services.flash import flash_quota_claim

        try:
            flash_quota_claim(sale=sale, store=store, member=Member(pk=member_id))
        except (FlashSoldOut, FlashLimitReached):
            return False
        return True

    def claim_naive(self, sale, store, member_id) -> bool:
        """Read, check, write back what was read minus one: no lock, no guard."""
        from django.db import transaction
        from django.utils import timezone

        from promotions.models import FlashClaim, FlashQuotaBucket

        with transaction.atomic():
            if FlashClaim.objects.filter(sale=sale, member_id=member_id).exists():
                return False
            bucket = FlashQuotaBucket.objects.filter(
                sale=sale, store=store, remaining__gte=1
            ).first()
            if bucket is None:
                return False
            FlashQuotaBucket.objects.filter(pk=bucket.pk).update(remaining=bucket.remaining - 1)
            FlashClaim.objects.create(
                sale=sale,
                store=store,
                member_id=member_id,
                bucket=bucket,
                unit_price=sale.price,
                held_until=timezone.now() + timedelta(minutes=2),
            )
        return True

    # --- phases -----------------------------------------------------------------------------

    def timed(self, sale, seconds: float) -> tuple[int, float]:
        """Claims made by all workers at one store in `seconds`, and the time taken."""
        store = self.stores[0]
        deadline_box = {}

        def work(index):
            members = self.member_ids[index * MEMBERS_PER_WORKER : (index + 1) * MEMBERS_PER_WORKER]
            deadline = deadline_box.setdefault("at", time.monotonic() + seconds)
            done = 0
            while time.monotonic() < deadline:
                done += self.claim_service(sale, store, members[done % len(members)])
            return done

        started = time.monotonic()
        done = sum(self.run_workers(self.args.threads, work))
        return done, time.monotonic() - started

    def race(self, sale, claim) -> int:
        """--attempts claims of distinct members at the five stores, spread over the workers."""
        attempts, workers = self.args.attempts, self.args.threads
        members = self.member_ids[-attempts:]

        def work(index):
            return sum(
                claim(sale, self.stores[attempt % OVERSELL_STORES], members[attempt])
                for attempt in range(index, attempts, workers)
            )

        return sum(self.run_workers(workers, work))

    def check(self, sale, label: str, sold: int, quota: int) -> list[str]:
        from django.db.models import Sum

        from promotions.models import FlashClaim, FlashQuotaBucket

        claims = FlashClaim.objects.filter(sale=sale).count()
        left = FlashQuotaBucket.objects.filter(sale=sale).aggregate(s=Sum("remaining"))["s"]
        problems = []
        if claims != sold:
            problems.append(f"{label}: {sold} claims reported, {claims} rows")
        if label != "naive" and claims + left != quota:
            problems.append(f"{label}: {claims} claimed + {left} left != quota {quota}")
        return problems


def main() -> int:
    args = parse_args()
    with scratch_database("flash") as name:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
        import django

        django.setup()
        return run(args, name)


def run(args, name: str) -> int:
    from django.db import connection

    migrate()
    bench = Bench(args)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    workers = f"{args.threads} {'processes' if args.processes else 'threads'}"
    print(f"flash sale claims: {workers}, PostgreSQL {version}, scratch database {name}")
    problems: list[str] = []

    # Phase 1: throughput at one store. Modes alternate in short rounds so a change in the
    # machine's load weighs on both alike.
    modes = {"bucketed": args.buckets, "single row": 1}
    totals = {mode: [0, 0.0] for mode in modes}
    for _round in range(args.rounds):
        for mode, buckets in modes.items():
            sale = bench.sale(
                buckets=buckets, quotas={bench.stores[0]: PLENTY}, limit=PLENTY // 1000
            )
            done, elapsed = bench.timed(sale, args.seconds / args.rounds)
            problems += bench.check(sale, mode, done, PLENTY)
            totals[mode][0] += done
            totals[mode][1] += elapsed
    rates = {mode: claims / seconds for mode, (claims, seconds) in totals.items()}
    ratio = rates["bucketed"] / rates["single row"] if rates["single row"] else 0.0
    print(f"\nthroughput at one store, {args.seconds:g} s per mode in {args.rounds} rounds")
    print(
        f"  (A) {args.buckets} quota rows, SKIP LOCKED  {rates['bucketed']:8.0f} claims/s"
        f"  ({totals['bucketed'][0]:,} claims)"
    )
    print(
        f"  (B) single hot quota row       {rates['single row']:8.0f} claims/s"
        f"  ({totals['single row'][0]:,} claims)"
    )
    verdict = "ok" if ratio >= RATIO_AIM else "BELOW AIM"
    print(
        f"  ratio A/B                      {ratio:8.2f}           (aim >= {RATIO_AIM}: {verdict})"
    )

    # Phase 2: oversell with a real quota.
    quota = OVERSELL_STORES * OVERSELL_PER_STORE
    print(
        f"\noversell: {quota} units ({OVERSELL_PER_STORE} at each of {OVERSELL_STORES} stores),"
        f" {args.attempts} claims of distinct members over {workers}"
    )
    for label, buckets, claim in (
        ("bucketed", args.buckets, bench.claim_service),
        ("single row", 1, bench.claim_service),
        ("naive", 1, bench.claim_naive),
    ):
        quotas = {store: OVERSELL_PER_STORE for store in bench.stores}
        sale = bench.sale(buckets=min(buckets, OVERSELL_PER_STORE), quotas=quotas, limit=1)
        sold = bench.race(sale, claim)
        problems += bench.check(sale, label, sold, quota)
        oversell = sold - quota
        print(f"  {label:<12} sold {sold:4d}   oversell {oversell:4d}")
        if label != "naive" and sold != quota:
            problems.append(f"{label}: sold {sold} of a {quota}-unit quota")

    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
