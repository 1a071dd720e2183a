"""Benchmark: the dispatch deadline sweep moving 10,000 expired offers to the next store.

    DATABASE_URL=... REDIS_URL=... SECRET_KEY=x DJANGO_SETTINGS_MODULE=o2o.settings \\
        .venv/bin/python bench/sweep.py [--offers 10000] [--baseline-offers 500]

Builds, in a scratch database dropped at the end, paid delivery orders (one to three lines
each) whose offer to their first store has passed its deadline, each with a second store in its
routing plan and the order's stock reserved at the first store: --offers of them for the
batched sweep, and --baseline-offers more, expired a minute earlier, for the baseline. Each is
swept the way a duplicated beat task would: two sweeps at once (threads, each its own
connection), timed wall clock. The baseline runs first and sends every offer down the
one-by-one path (`bulk=False`: each offer closed and offered on in its own savepoint, as a
decline is); then the batched sweep takes the --offers (aim: 10,000 within 30 s). Prints time,
offers/s, the CPU this process used, SQL statements per offer, and the batched/baseline ratio.

Checks that every offer was moved on exactly once (a "double reassignment" is an order offered
to more than one new store, or expired twice), that none was forgotten, and that every stock
level's `reserved` still equals its active reservations. Exit status 1 on any double, forgotten
or inconsistent row.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")

from bench.scratch import migrate, scratch_database  # noqa: E402

ORDERS = 10_000  # --offers
BASELINE_ORDERS = 500  # --baseline-offers
STORES = 40  # 20 first choices, 20 next candidates
SKUS = 200
SWEEPS = 2
TARGET_SECONDS = 30
SEED = 7


def build(now, *, count: int, baseline: int) -> None:
    """`count` + `baseline` expired offers; the first `baseline` expired a minute earlier."""
    from django.db import transaction

    from catalog.models import SKU, Category, Product
    from dispatch.models import Dispatch, DispatchOffer, RouteDecision
    from inventory.models import Reservation, StockLevel
    from orders.models import Order, OrderLine
    from stores.models import WEEKDAYS, Region, Store

    rng = random.Random(SEED)
    all_day = {day: ["00:00", "23:59"] for day in WEEKDAYS}
    with transaction.atomic():
        region = Region.objects.create(code="bench", name="Bench")
        stores = Store.objects.bulk_create(
            Store(
                code=f"s{n:02d}",
                name=f"Store {n}",
                region=region,
                city="上海",
                address="-",
                latitude=round(31.23 + rng.uniform(-0.05, 0.05), 6),
                longitude=round(121.47 + rng.uniform(-0.05, 0.05), 6),
                opening_hours=all_day,
                delivers=True,
                delivery_radius_km=5,
            )
            for n in range(STORES)
        )
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            Product(code=f"p{n}", name=f"Product {n}", category=category, base_price=9900)
            for n in range(SKUS)
        )
        skus = SKU.objects.bulk_create(
            SKU(product=p, code=f"{p.code}-m", color="black", size="M") for p in products
        )
        orders = Order.objects.bulk_create(
            Order(
                number=f"B{n:09d}",
                channel=Order.Channel.H5,
                fulfillment=Order.Fulfillment.DELIVERY,
                status=Order.Status.PAID,
                goods_amount=9900,
                total_amount=9900,
            )
            for n in range(count + baseline)
        )
        first = {o.pk: stores[n % (STORES // 2)] for n, o in enumerate(orders)}
        second = {o.pk: stores[STORES // 2 + n % (STORES // 2)] for n, o in enumerate(orders)}
        baskets = {o.pk: rng.sample(skus, rng.randint(1, 3)) for o in orders}
        OrderLine.objects.bulk_create(
            OrderLine(order=o, sku=sku, product_name="-", unit_price=3300, quantity=1)
            for o in orders
            for sku in baskets[o.pk]
        )
        held: dict[tuple[int, int], int] = {}
        for o in orders:
            for sku in baskets[o.pk]:
                key = (first[o.pk].pk, sku.pk)
                held[key] = held.get(key, 0) + 1
        StockLevel.objects.bulk_create(
            StockLevel(
                store=store, sku=sku, on_hand=1_000, reserved=held.get((store.pk, sku.pk), 0)
            )
            for store in stores
            for sku in skus
        )
        Reservation.objects.bulk_create(
            Reservation(
                store=first[o.pk],
                sku=sku,
                quantity=1,
                expires_at=now + timedelta(hours=1),
                owner=o.reservation_owner,
            )
            for o in orders
            for sku in baskets[o.pk]
        )

        def plan(store, covers):
            return {
                "store": store.pk,
                "code": store.code,
                "kind": "full",
                "covers": covers,
                "distance_km": 1.0,
            }

        decisions = RouteDecision.objects.bulk_create(
            RouteDecision(
                order=o,
                latitude=31.23,
                longitude=121.47,
                lines=[[s.pk, 1] for s in baskets[o.pk]],
                outcome=RouteDecision.Outcome.NEAREST,
                store=first[o.pk],
                credited_store=first[o.pk],
                plans=[
                    plan(first[o.pk], sorted(s.pk for s in baskets[o.pk])),
                    plan(second[o.pk], sorted(s.pk for s in baskets[o.pk])),
                ],
                reason="bench",
            )
            for o in orders
        )
        dispatches = Dispatch.objects.bulk_create(
            Dispatch(order=o, decision=d, state=Dispatch.State.OFFERED)
            for o, d in zip(orders, decisions, strict=True)
        )
        DispatchOffer.objects.bulk_create(
            DispatchOffer(
                order=o,
                dispatch=d,
                store=first[o.pk],
                basis=DispatchOffer.Basis.ROUTED,
                covers=sorted(s.pk for s in baskets[o.pk]),
                deadline=now - timedelta(minutes=2 if n < baseline else 1),
                created_at=now - timedelta(minutes=61),
            )
            for n, (o, d) in enumerate(zip(orders, dispatches, strict=True))
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def check() -> dict[str, int]:
    from django.db import connection
    from django.db.models import Count, Q, Sum

    from dispatch.models import DispatchEvent, DispatchOffer
    from inventory.models import Reservation, StockLevel

    S = DispatchOffer.Status
    per_order = DispatchOffer.objects.values("order").annotate(
        live=Count("pk", filter=Q(status=S.OFFERED)),
        expired=Count("pk", filter=Q(status=S.EXPIRED)),
        total=Count("pk"),
    )
    doubles = per_order.exclude(live=1, expired=1, total=2).count()
    doubles += (
        DispatchEvent.objects.filter(kind=DispatchEvent.Kind.EXPIRED)
        .values("offer")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    forgotten = DispatchOffer.objects.filter(
        status=S.OFFERED, created_at__lt=F_first_created()
    ).count()
    held = {
        (row["store_id"], row["sku_id"]): row["total"]
        for row in Reservation.objects.filter(state=Reservation.State.ACTIVE)
        .values("store_id", "sku_id")
        .annotate(total=Sum("quantity"))
    }
    inconsistent = sum(
        1
        for level in StockLevel.objects.all()
        if level.reserved != held.get((level.store_id, level.sku_id), 0)
    )
    connection.close()
    return {"doubles": doubles, "forgotten": forgotten, "inconsistent": inconsistent}


def F_first_created():  # noqa: N802 - reads as a constant in the query above
    """Offers created by the build (an hour before the sweep) are the ones that expired."""
    from django.utils import timezone

    return timezone.now() - timedelta(minutes=30)


def sweeps_at_once(**options) -> dict:
    """SWEEPS sweeps released together, each in its own thread and connection: offers moved on,
    wall and CPU seconds, SQL statements, errors."""
    from django.db import connection

    from dispatch.services import dispatch_offers_expire

    barrier = threading.Barrier(SWEEPS)
    moved, statements, errors = [], [], []

    def count(execute, sql, params, many, context):
        statements.append(1)
        return execute(sql, params, many, context)

    def sweep():
        try:
            barrier.wait()
            with connection.execute_wrapper(count):
                moved.append(dispatch_offers_expire(**options))
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(SWEEPS)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    total = sum(moved)
    return {
        "moved": total,
        "per_sweep": moved,
        "seconds": seconds,
        "cpu": cpu_seconds,
        "rate": total / seconds if seconds else 0.0,
        "statements": len(statements) / total if total else 0.0,
        "cpu_per_offer": cpu_seconds / total if total else 0.0,
        "errors": errors,
    }


def report(name: str, run: dict) -> None:
    print(
        f"{name}: {SWEEPS} sweeps at once moved on {run['moved']:,} expired offers in "
        f"{run['seconds']:.1f} s ({run['rate']:,.0f} offers/s; per sweep: "
        f"{', '.join(f'{n:,}' for n in run['per_sweep'])}); {run['statements']:.2f} SQL "
        f"statements per offer; this process used {run['cpu']:.1f} s of CPU (the rest is waiting "
        f"for the database or for a core); errors: {len(run['errors'])} {run['errors'][:3]}",
        flush=True,
    )


def main(*, orders: int, baseline: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from dispatch.models import DispatchPolicy

    now = timezone.now()
    started = time.perf_counter()
    build(now, count=orders, baseline=baseline)
    DispatchPolicy.current()
    print(
        f"built {orders:,} + {baseline:,} (baseline) expired offers in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    connection.close()

    runs = {}
    if baseline:
        # Only the baseline's offers are due a minute and a half ago.
        runs["baseline"] = sweeps_at_once(now=now - timedelta(seconds=90), bulk=False)
        report("baseline, one by one", runs["baseline"])
    runs["batched"] = sweeps_at_once()
    report("batched", runs["batched"])

    result = check()
    seconds = runs["batched"]["seconds"]
    verdict = "within" if seconds <= TARGET_SECONDS * orders / ORDERS else "OVER"
    print(
        f"batched: {seconds:.1f} s for {orders:,} offers, {verdict} the aim of {TARGET_SECONDS} s "
        f"per {ORDERS:,}"
    )
    if baseline and runs["baseline"]["rate"]:
        batched, one_by_one = runs["batched"], runs["baseline"]
        print(
            f"batched / one by one, measured in this run: "
            f"{batched['rate'] / one_by_one['rate']:.1f}x the offers/s, "
            f"{one_by_one['statements'] / max(batched['statements'], 1e-9):.0f}x fewer SQL "
            f"statements per offer, "
            f"{one_by_one['cpu_per_offer'] / max(batched['cpu_per_offer'], 1e-9):.1f}x less CPU "
            f"per offer"
        )
    print(
        f"double reassignments: {result['doubles']}; forgotten: {result['forgotten']}; "
        f"levels not matching their reservations: {result['inconsistent']}"
    )
    errors = [error for run in runs.values() for error in run["errors"]]
    moved = sum(run["moved"] for run in runs.values())
    bad = result["doubles"] or result["forgotten"] or result["inconsistent"] or errors
    return 1 if bad or moved != orders + baseline else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=ORDERS, help="for the batched sweep")
    parser.add_argument(
        "--baseline-offers", type=int, default=BASELINE_ORDERS, help="for the one-by-one baseline"
    )
    arguments = parser.parse_args()
    with scratch_database("sweep"):
        import django

        django.setup()
        migrate()
        status = main(orders=arguments.offers, baseline=arguments.baseline_offers)
    sys.exit(status)
