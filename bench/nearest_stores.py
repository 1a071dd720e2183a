"""Benchmark: stores_nearest (GiST nearest-first + haversine) against loading every store.

    DATABASE_URL=... REDIS_URL=... SECRET_KEY=x .venv/bin/python bench/nearest_stores.py

Builds 10,000 stores in a scratch database on the configured PostgreSQL server (dropped at the
end; the configured database is not touched). Measures p50/p95 latency of
`stores_nearest(limit=10)` for 500 query points (aim: p95 within 2 ms) and of a naive baseline
(load all stores, geopy geodesic to each, sort) for 30 points, then checks both pick the same ten
stores. The geodesic figure shown to people is computed only when a page reads it, so it is not
part of the lookup's time.
"""

import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")

from geopy.distance import geodesic  # noqa: E402

from bench.scratch import migrate, scratch_database  # noqa: E402

STORES = 10_000
QUERIES = 500
BASELINE_QUERIES = 30
LIMIT = 10
SEED = 2026
# Near-ties: haversine (sphere) and geodesic (ellipsoid) may order two stores whose distances
# differ by less than this differently; such swaps at the cut are not mismatches.
TIE_TOLERANCE_KM = 0.05

# (latitude, longitude, share of stores): most stores cluster in big cities, as chains do.
CITIES = [
    (31.23, 121.47, 0.18),  # Shanghai
    (39.91, 116.40, 0.14),  # Beijing
    (23.13, 113.27, 0.10),  # Guangzhou
    (22.54, 114.06, 0.10),  # Shenzhen
    (30.57, 104.07, 0.07),  # Chengdu
    (30.27, 120.16, 0.07),  # Hangzhou
    (30.59, 114.31, 0.05),  # Wuhan
    (29.56, 106.55, 0.05),  # Chongqing
    (32.06, 118.80, 0.04),  # Nanjing
]
CHINA_BOX = (21.0, 45.0, 100.0, 123.0)  # lat min/max, lng min/max: mainland-China-ish


def random_point(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    for lat, lng, share in CITIES:
        if pick < share:
            return rng.gauss(lat, 0.12), rng.gauss(lng, 0.15)
        pick -= share
    return rng.uniform(*CHINA_BOX[:2]), rng.uniform(*CHINA_BOX[2:])


def build_stores(rng: random.Random) -> None:
    from django.db import connection

    from stores.models import Region, Store

    region = Region.objects.create(code="bench-region", name="Bench")
    stores = []
    for number in range(STORES):
        lat, lng = random_point(rng)
        stores.append(
            Store(
                code=f"bench-{number:05d}",
                name=f"Bench store {number}",
                kind=Store.Kind.WAREHOUSE if number % 500 == 0 else Store.Kind.DIRECT,
                region=region,
                city="bench",
                address="-",
                latitude=Decimal(f"{lat:.6f}"),
                longitude=Decimal(f"{lng:.6f}"),
                is_active=number % 50 != 0,
            )
        )
    Store.objects.bulk_create(stores, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stores_store")


def naive_nearest(latitude: float, longitude: float) -> list[tuple[float, object]]:
    """What one would write first: every visible store, exact geodesic, sort."""
    from stores.selectors import shopper_visible_stores

    here = (latitude, longitude)
    scored = [
        (geodesic(here, (float(s.latitude), float(s.longitude))).km, s)
        for s in shopper_visible_stores()
    ]
    scored.sort(key=lambda pair: (pair[0], pair[1].pk))
    return scored[:LIMIT]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def same_stores(fast, naive, latitude, longitude) -> bool:
    """Same ten stores, allowing a near-tie at the tenth place to fall either way."""
    fast_ids = {item.store.pk for item in fast}
    naive_ids = {store.pk for _, store in naive}
    if fast_ids == naive_ids:
        return True
    # Re-rank the fast result's stores by geodesic: a swap is a tie only if the swapped stores'
    # geodesic distances are within the tolerance of the tenth store's.
    tenth = naive[-1][0]
    here = (latitude, longitude)
    for item in fast:
        if item.store.pk not in naive_ids:
            km = geodesic(here, (float(item.store.latitude), float(item.store.longitude))).km
            if abs(km - tenth) > TIE_TOLERANCE_KM:
                return False
    return all(abs(km - tenth) <= TIE_TOLERANCE_KM for km, s in naive if s.pk not in fast_ids)


def main() -> int:
    from django.db import connection

    from stores.selectors import stores_nearest

    print(f"database {connection.settings_dict['NAME']!r}: {STORES:,} stores, limit={LIMIT}")
    rng = random.Random(SEED)
    started = time.perf_counter()
    build_stores(rng)
    print(f"built {STORES:,} stores in {time.perf_counter() - started:.1f} s")
    points = [random_point(rng) for _ in range(QUERIES)]

    stores_nearest(latitude=points[0][0], longitude=points[0][1], limit=LIMIT)  # warm-up
    fast_ms, fast_results = [], []
    for lat, lng in points:
        ms, result = timed(stores_nearest, latitude=lat, longitude=lng, limit=LIMIT)
        fast_ms.append(ms)
        fast_results.append(result)

    naive_ms, mismatches = [], 0
    for index in range(BASELINE_QUERIES):
        lat, lng = points[index]
        ms, naive = timed(naive_nearest, lat, lng)
        naive_ms.append(ms)
        mismatches += not same_stores(fast_results[index], naive, lat, lng)

    fast_p50, fast_p95 = percentile(fast_ms, 0.5), percentile(fast_ms, 0.95)
    naive_p50, naive_p95 = percentile(naive_ms, 0.5), percentile(naive_ms, 0.95)
    print()
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'runs':>7}")
    print(f"{'stores_nearest (knn)':28}{fast_p50:>10.2f}{fast_p95:>10.2f}{QUERIES:>7}")
    print(f"{'naive (all + geodesic)':28}{naive_p50:>10.2f}{naive_p95:>10.2f}{BASELINE_QUERIES:>7}")
    print(f"speed-up: p50 ×{naive_p50 / fast_p50:.0f}, p95 ×{naive_p95 / fast_p95:.0f}")
    print(f"mean {statistics.mean(fast_ms):.2f} ms vs {statistics.mean(naive_ms):.2f} ms")
    print(f"mismatches (same 10 stores?): {mismatches} of {BASELINE_QUERIES}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    with scratch_database("nearest"):
        import django

        django.setup()
        migrate()
        status = main()
    sys.exit(status)
