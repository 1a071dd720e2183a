"""Contention on one hot SKU: the reservation service against a bare conditional UPDATE.

Run by `make bench` (bench/run_all.sh sets DJANGO_SETTINGS_MODULE, SECRET_KEY, DATABASE_URL).
Never touches real data: it creates a scratch database `<name>_bench_contention` on the same
server, migrates it, and drops it at the end, also when something fails.

Phase 1, throughput: N threads hammer one store × one SKU with plenty of stock for a fixed time,
(A) through `stock_reserve` (one statement per call, the server-side `inventory_stock_hold`:
reservation row first, then the level's first-come advisory queue, then the conditional UPDATE),
(B) through the bare `UPDATE ... WHERE on_hand - reserved >= 1` in autocommit. Prints both rates
and their ratio (aim: the service at least 0.8 of the bare statement).
Phase 2, oversell: only 10 units available, N threads × many attempts, through each path:
exactly 10 must succeed. Both phases end by checking reserved == sum of active reservations
(service path), reserved <= on hand and on hand == sum of movements.

    python bench/stock_contention.py [--threads 16] [--processes] [--seconds 12] [--rounds 6]
                                     [--attempts 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import migrate, scratch_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/o2o"
RATIO_AIM = 0.8
OVERSELL_STOCK = 10
PLENTY = 1_000_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=12.0, help="per throughput mode")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="throughput workers as processes rather than threads (no shared GIL)",
    )
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds per mode")
    parser.add_argument("--attempts", type=int, default=50, help="per thread, oversell phase")
    return parser.parse_args()


def run_threads(count: int, work) -> list:
    """Run work(index) in `count` threads released together; each closes its own connection."""
    from django.db import connection

    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index):
        try:
            connection.ensure_connection()  # connect before the start line, not on the clock
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed, first: {errors[0]!r}")
    return results


def run_processes(count: int, work) -> list:
    """Like run_threads, in forked processes: no shared GIL, as with separate web workers."""
    from django.db import connection, connections

    context = multiprocessing.get_context("fork")
    connections.close_all()  # a child must never reuse the parent's connection
    barrier = context.Barrier(count)
    queue = context.Queue()

    def run(index):
        try:
            connection.ensure_connection()
            barrier.wait()
            queue.put((index, work(index), None))
        except BaseException as error:
            barrier.abort()
            queue.put((index, None, repr(error)))
        finally:
            connection.close()

    processes = [context.Process(target=run, args=(index,)) for index in range(count)]
    for process in processes:
        process.start()
    answers = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    errors = [error for _, _, error in answers if error]
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed, first: {errors[0]}")
    return [result for _, result, _ in sorted(answers, key=lambda answer: answer[0])]


class Bench:
    def __init__(self, args):
        from catalog.models import SKU, Category, Product
        from inventory.models import StockLevel, StockMovement
        from inventory.services import stock_adjust
        from stores.models import Region, Store

        self.args = args
        region = Region.objects.create(code="bench", name="Bench")
        self.store = Store.objects.create(
            code="bench",
            name="Bench store",
            region=region,
            city="上海",
            address="Bench road 1",
            latitude=31.23,
            longitude=121.47,
        )
        category = Category.objects.create(slug="bench", name="Bench")
        product = Product.objects.create(
            code="bench", name="Hot item", category=category, base_price=9900
        )
        self.sku = SKU.objects.create(product=product, code="hot", color="黑色", size="M")
        stock_adjust(
            store=self.store, sku=self.sku, delta=PLENTY, reason=StockMovement.Reason.RECEIPT
        )
        self.level_id = StockLevel.objects.get(store=self.store, sku=self.sku).pk

    # --- the two ways to take one unit ------------------------------------------------------

    def reserve_through_service(self, owner: str) -> bool:
        from inventory.exceptions import InsufficientStock
        from inventory.services import stock_reserve

        try:
            stock_reserve(
                store=self.store,
                lines=[(self.sku.pk, 1)],
                expires_at=self.expires_at,
                owner=owner,
            )
        except InsufficientStock:
            return False
        return True

    def reserve_raw(self, cursor) -> bool:
        cursor.execute(
            "UPDATE inventory_stocklevel SET reserved = reserved + 1"
            " WHERE id = %s AND on_hand - reserved >= 1",
            [self.level_id],
        )
        return cursor.rowcount == 1

    # --- phases -----------------------------------------------------------------------------

    def reset(self, *, on_hand: int) -> None:
        """No reservations, nothing reserved, `on_hand` units (set through a stocktake).

        Each round starts from vacuumed tables: deleting a round's tens of thousands of holds
        (something checkout never does) would leave dead rows for autovacuum to clean during a
        later round, and only the service's rounds write that table.
        """
        from django.db import connection
        from django.utils import timezone

        from inventory.services import stock_count_set

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE inventory_reservation")
            cursor.execute("UPDATE inventory_stocklevel SET reserved = 0")
        stock_count_set(store=self.store, sku=self.sku, count=on_hand, reference="bench reset")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) inventory_reservation, inventory_stocklevel")
        self.expires_at = timezone.now() + timedelta(hours=1)

    def timed(self, mode: str, seconds: float) -> tuple[int, float]:
        """Successful reservations by `threads` threads in about `seconds`, and the time taken."""
        from django.db import connection

        def work(index):
            done = 0
            cursor = connection.cursor() if mode == "raw" else None
            started = time.perf_counter()
            deadline = started + seconds
            while time.perf_counter() < deadline:
                if mode == "raw":
                    done += self.reserve_raw(cursor)
                else:
                    done += self.reserve_through_service(f"bench:{index}:{done}")
            return done, started, time.perf_counter()

        # Timed from the barrier's release to the last thread's end, connecting excluded.
        runner = run_processes if self.args.processes else run_threads
        results = runner(self.args.threads, work)
        elapsed = max(end for _, _, end in results) - min(start for _, start, _ in results)
        return sum(done for done, _, _ in results), elapsed

    def race(self, mode: str) -> int:
        """Threads × attempts at OVERSELL_STOCK available units; returns the successes."""
        from django.db import connection

        def work(index):
            done = 0
            cursor = connection.cursor() if mode == "raw" else None
            for attempt in range(self.args.attempts):
                if mode == "raw":
                    done += self.reserve_raw(cursor)
                else:
                    done += self.reserve_through_service(f"race:{index}:{attempt}")
            return done

        return sum(run_threads(self.args.threads, work))

    def check(self, mode: str, expected_reserved: int) -> list[str]:
        """The level's invariants after a phase; returns the problems found."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT l.on_hand, l.reserved,
                       (SELECT COALESCE(SUM(delta), 0) FROM inventory_stockmovement m
                         WHERE m.store_id = l.store_id AND m.sku_id = l.sku_id),
                       (SELECT COALESCE(SUM(quantity), 0) FROM inventory_reservation r
                         WHERE r.store_id = l.store_id AND r.sku_id = l.sku_id
                           AND r.state = 'active')
                FROM inventory_stocklevel l WHERE l.id = %s
                """,
                [self.level_id],
            )
            on_hand, reserved, ledger, active = cursor.fetchone()
        problems = []
        if reserved != expected_reserved:
            problems.append(f"{mode}: reserved {reserved}, expected {expected_reserved}")
        if mode == "service" and reserved != active:
            problems.append(f"{mode}: reserved {reserved} but active reservations sum to {active}")
        if not 0 <= reserved <= on_hand:
            problems.append(f"{mode}: reserved {reserved} outside 0..on hand {on_hand}")
        if on_hand != ledger:
            problems.append(f"{mode}: on hand {on_hand} but movements sum to {ledger}")
        return problems


def main() -> int:
    args = parse_args()
    with scratch_database("contention") as name:
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
    print(
        f"stock contention: 1 store × 1 hot SKU, {args.threads}"
        f" {'processes' if args.processes else 'threads'}, PostgreSQL {version},"
        f" scratch database {name}"
    )
    problems: list[str] = []

    # Phase 1: throughput with plenty of stock. The modes alternate in short rounds so that a
    # change in the machine's load during the run weighs on both alike.
    # Each round's rates are printed too: on a 2-core machine the service's rounds have been
    # seen to wander between about 2,250 and 3,300 ops/s within one run, the raw ones less.
    totals = {"service": [0, 0.0], "raw": [0, 0.0]}  # reservations, seconds
    print("\nrounds, service vs raw ops/s:", end="")
    for round_number in range(args.rounds):
        rates = []
        for mode in ("service", "raw"):
            bench.reset(on_hand=PLENTY)
            done, elapsed = bench.timed(mode, args.seconds / args.rounds)
            problems += bench.check(mode, done)
            totals[mode][0] += done
            totals[mode][1] += elapsed
            rates.append(f"{done / elapsed:,.0f}")
        print(f" {round_number + 1}: {' vs '.join(rates)};", end="")
    print()
    (service_total, service_seconds), (raw_total, raw_seconds) = totals.values()
    service_rate, raw_rate = service_total / service_seconds, raw_total / raw_seconds
    ratio = service_rate / raw_rate if raw_rate else 0.0
    print(
        f"\nthroughput, {args.seconds:g} s per mode in {args.rounds} alternating rounds,"
        f" {PLENTY:,} units available"
    )
    print(
        f"  (A) service stock_reserve      {service_rate:9.0f} ops/s  ({service_total:,} reserved)"
    )
    print(f"  (B) raw conditional UPDATE     {raw_rate:9.0f} ops/s  ({raw_total:,} reserved)")
    verdict = "ok" if ratio >= RATIO_AIM else "BELOW AIM"
    print(f"  ratio service/raw              {ratio:9.2f}        (aim >= {RATIO_AIM}: {verdict})")

    # Phase 2: oversell with only a few units.
    attempts = args.threads * args.attempts
    print(
        f"\noversell, {OVERSELL_STOCK} units available, {args.threads} threads ×"
        f" {args.attempts} attempts = {attempts:,}"
    )
    for mode in ("service", "raw"):
        bench.reset(on_hand=OVERSELL_STOCK)
        succeeded = bench.race(mode)
        problems += bench.check(mode, succeeded)
        oversell = succeeded - OVERSELL_STOCK
        if oversell:
            problems.append(f"{mode}: {succeeded} reservations of {OVERSELL_STOCK} units")
        print(
            f"  {mode:<8} {succeeded:4d} succeeded, {attempts - succeeded:,} refused,"
            f" oversell {oversell}"
        )

    print(
        "\ninvariants (reserved == active reservations, reserved <= on hand, ledger):",
        "ok" if not problems else "FAILED",
    )
    for problem in problems:
        print(f"  ! {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
