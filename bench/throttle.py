"""The throttle of guessable secrets: one PostgreSQL upsert per attempt, against a Redis INCR.

Run by `make bench` (bench/run_all.sh sets DJANGO_SETTINGS_MODULE, SECRET_KEY, DATABASE_URL).
Never touches real data: it works in a scratch database `<name>_bench_throttle`, dropped at the
end, and in cache keys of its own.

Phase 1, latency: `throttle_hit` one call at a time (p50/p95), next to the Redis counter it
replaced (the cache's `add` + `incr`), with the ratio.
Phase 2, contention: N threads hit ONE key for a few seconds (the worst case: an attack on one
account); prints hits/s, and checks the row's count equals the hits made and that exactly
`limit` of them were allowed.

    python bench/throttle.py [--threads 8] [--seconds 3] [--calls 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import migrate, scratch_database  # noqa: E402

LIMIT = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--calls", type=int, default=2000, help="phase 1, per counter kind")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latencies(call, count: int) -> list[float]:
    result = []
    for index in range(count):
        started = time.perf_counter()
        call(index)
        result.append((time.perf_counter() - started) * 1000)
    return result


def contention(threads: int, seconds: float) -> tuple[int, list[bool], float]:
    from django.db import connection

    from o2o.throttle import throttle_hit

    barrier = threading.Barrier(threads)
    outcomes: list[list[bool]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def run(index):
        try:
            connection.ensure_connection()
            barrier.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                decision = throttle_hit(scope="bench:hot", key="hq", limit=LIMIT, window=3600)
                outcomes[index].append(decision.allowed)
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed, first: {errors[0]!r}")
    flat = [allowed for per_thread in outcomes for allowed in per_thread]
    return len(flat), flat, elapsed


def run(args, name: str) -> int:
    from django.core.cache import cache
    from django.db import connection

    from o2o.models import ThrottleCounter
    from o2o.throttle import throttle_hit

    migrate()
    print(f"throttle: scratch database {name}, {args.threads} threads in phase 2")

    def database_hit(index):
        throttle_hit(scope="bench:latency", key=f"k{index % 100}", limit=LIMIT, window=3600)

    prefix = f"bench-throttle-{os.getpid()}"

    def cache_hit(index):
        key = f"{prefix}:{index % 100}"
        cache.add(key, 0, 3600)
        cache.incr(key)

    database_ms = latencies(database_hit, args.calls)
    cache_ms = latencies(cache_hit, args.calls)
    cache.delete_many([f"{prefix}:{n}" for n in range(100)])
    ratio = percentile(database_ms, 0.5) / percentile(cache_ms, 0.5)
    print(f"{'':26}{'p50 ms':>10}{'p95 ms':>10}{'calls':>8}")
    for label, values in (
        ("throttle_hit (PostgreSQL)", database_ms),
        ("cache add+incr (Redis)", cache_ms),
    ):
        print(
            f"{label:26}{percentile(values, 0.5):10.3f}{percentile(values, 0.95):10.3f}"
            f"{len(values):8d}"
        )
    print(f"ratio at p50: the database counter costs {ratio:.1f}× the Redis counter")

    hits, outcomes, elapsed = contention(args.threads, args.seconds)
    stored = ThrottleCounter.objects.get(scope="bench:hot", key="hq").count
    connection.close()
    allowed = outcomes.count(True)
    print(
        f"one hot key, {args.threads} threads: {hits:,} hits in {elapsed:.1f} s"
        f" = {hits / elapsed:,.0f} hits/s; stored count {stored:,}; allowed {allowed}"
    )
    problems = []
    if stored != hits:
        problems.append(f"stored count {stored} != hits {hits}")
    if allowed != LIMIT:
        problems.append(f"{allowed} hits allowed, limit {LIMIT}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def main() -> int:
    args = parse_args()
    with scratch_database("throttle") as name:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
        import django

        django.setup()
        return run(args, name)


if __name__ == "__main__":
    sys.exit(main())
