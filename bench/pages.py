"""Shopper pages under load: /healthz, the QR landing, the product page and the home page.

Run by `make bench` (bench/run_all.sh sets DJANGO_SETTINGS_MODULE, SECRET_KEY, DATABASE_URL).
Never touches real data: a scratch database `<name>_bench_pages` on the same server gets the
migrations and the demo data, and is dropped at the end; the cache keys carry a prefix of their
own. The server is the run command's: gunicorn with 2 workers × 4 threads, each worker on a
socket of its own (o2o/web_worker.py), and DEBUG=false, with collected (hashed) static files. The
load comes from wrk (the `wrk` Debian package) at 32 connections, asking for gzip like a phone's
browser; each page is warmed up first.

Prints requests/s, p50/p95/p99 and errors per page, and each page's rate as a share of /healthz
measured in the same run (aim: ≥ 0.5 for the product page, the QR landing and the home page, and
p95 ≤ 100 ms).

    python bench/pages.py [--seconds 10] [--connections 32] [--cache-off]
                          [--source CHECKOUT]   # serve another checkout's code (a "before")
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import migrate, scratch_database  # noqa: E402

RATIO_AIM = 0.5
P95_AIM_MS = 100
# wrk's own percentiles (microseconds) and counters, written by its done() hook.
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    errors, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--cache-off", action="store_true", help="CATALOG_PAGE_CACHE_SECONDS=0 (no page cache)"
    )
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="the checkout whose code the server runs"
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz in time")


def fetch_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.status


def wrk(url: str, *, seconds: int, connections: int, script: str) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            "Accept-Encoding: gzip",
            "-s",
            script,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, duration_us, errors, p50, p95, p99 = (int(value) for value in line.split()[1:])
    return {
        "rate": requests / (duration_us / 1e6),
        "errors": errors,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
    }


def server_stop(server: subprocess.Popen | None) -> None:
    if server is None:
        return
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def demo_targets() -> dict[str, str]:
    """Paths of the pages to measure, taken from the demo data."""
    from catalog.models import SKU
    from stores.models import Store

    store = Store.objects.filter(code="sh01").first() or Store.objects.order_by("code").first()
    sku = (
        SKU.objects.filter(is_active=True, product__is_active=True)
        .select_related("product")
        .order_by("code")
        .first()
    )
    return {
        "/healthz": "/healthz",
        "QR landing": f"/q/{sku.code}?s={store.code}",
        "product": f"/p/{sku.product.code}/",
        "home": "/",
    }


def worker_options(source: Path) -> tuple[str, ...]:
    """The run command's gunicorn options, where the checkout served has them (a "before" may
    predate o2o/web_worker.py and then runs gunicorn's own threaded worker)."""
    if not (source / "o2o" / "web_worker.py").exists():
        return ()
    from o2o.web_worker import GUNICORN_OPTIONS

    return GUNICORN_OPTIONS


@contextlib.contextmanager
def demo_server(
    name: str, *, source: Path = ROOT, workers: int = 2, threads: int = 4, extra_env=None
):
    """A scratch database with the demo data and gunicorn serving it (DEBUG=false, collected
    static files) on a free port; yields (base URL, server process, the pages to measure).
    Everything is stopped and dropped at the end, the server before its database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    server = None
    try:
        with scratch_database(name), contextlib.ExitStack() as stop:
            stop.callback(lambda: server_stop(server))
            env = {
                **os.environ,
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "STATIC_ROOT": str(work / "static"),
                "MEDIA_ROOT": str(work / "media"),
                "CACHE_KEY_PREFIX": f"bench-{name}-{os.getpid()}",
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(source),
                **(extra_env or {}),
            }
            os.environ.update({key: env[key] for key in ("MEDIA_ROOT", "CACHE_KEY_PREFIX")})
            import django

            django.setup()
            migrate()
            from django.core.management import call_command

            started = time.monotonic()
            call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
            print(f"demo data seeded in {time.monotonic() - started:.0f} s")
            targets = demo_targets()
            from django.db import connection, connections

            # Done here rather than by autovacuum, woken by the seeding, during a measurement.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

            connections.close_all()
            python = str(ROOT / ".venv" / "bin" / "python")
            subprocess.run(
                [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                cwd=source,
                env=env,
                check=True,
            )
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "gunicorn"),
                    "o2o.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    str(threads),
                    *worker_options(source),
                ],
                cwd=source,
                env=env,
            )
            wait_until_up(base, server)
            yield base, server, targets
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 1
    script_dir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    script = script_dir / "report.lua"
    script.write_text(WRK_REPORT)
    extra_env = {"CATALOG_PAGE_CACHE_SECONDS": "0"} if args.cache_off else {}
    try:
        with demo_server(
            "pages",
            source=args.source,
            workers=args.workers,
            threads=args.threads,
            extra_env=extra_env,
        ) as (base, _server, targets):
            with open("/proc/loadavg") as loadavg:
                load = loadavg.read().split()[:3]
            print(
                f"gunicorn {args.workers} workers × {args.threads} threads, wrk "
                f"-c{args.connections} {args.seconds} s per page, page cache "
                f"{'off' if args.cache_off else 'on'}, load average before {' '.join(load)}"
            )
            results = {}
            for name, path in targets.items():
                status = fetch_status(base + path)
                if status != 200:
                    print(f"{name}: {path} answers {status}")
                    return 1
                # Warm up: connections, the page cache, Python's lazy imports.
                wrk(base + path, seconds=2, connections=args.connections, script=str(script))
                results[name] = wrk(
                    base + path,
                    seconds=args.seconds,
                    connections=args.connections,
                    script=str(script),
                )
            health = results["/healthz"]["rate"]
            print(
                f"{'page':<12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
                f"{'errors':>7} {'/healthz':>9}"
            )
            failed = False
            for name, result in results.items():
                ratio = result["rate"] / health
                print(
                    f"{name:<12} {result['rate']:8.0f} {result['p50']:8.1f} {result['p95']:8.1f}"
                    f" {result['p99']:8.1f} {result['errors']:7d} {ratio:9.2f}"
                )
                failed |= result["errors"] > 0
                if name != "/healthz":
                    failed |= ratio < RATIO_AIM or result["p95"] > P95_AIM_MS
            with open("/proc/loadavg") as loadavg:
                print(f"load average after {' '.join(loadavg.read().split()[:3])}")
            print(
                f"aim: ≥ {RATIO_AIM} of /healthz, p95 ≤ {P95_AIM_MS} ms, no errors: "
                f"{'missed' if failed else 'met'}"
            )
            return 1 if failed else 0
    finally:
        shutil.rmtree(script_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
