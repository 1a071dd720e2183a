"""A bounded load test: shoppers and store staff at once against the run command's server.

Run by `make bench`. Uses bench/pages.py's demo server (scratch database with the demo data,
gunicorn 2 workers × 4 threads, DEBUG=false). Virtual shoppers (no login, each with its own
cookies) scan a shelf label in sh01 (the QR landing), load the product page's order actions and
stock fragments, go home and open the store finder; clerks of sh01 log in and poll their today
screen every 2 s. Plain threads and the standard library: nothing to install, and nothing here
is imported by the application.

Prints requests/s, p50/p95/p99 per page, the error count (the aim is 0) and the web workers'
resident memory before and after.

    python bench/load.py [--seconds 20] [--shoppers 16] [--clerks 2]

Left out for now: add to cart, checkout and the sandbox payment (they need a logged-in member
and the CSRF dance of each form).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import demo_server  # noqa: E402

CLERK = ("clerk_sh01_1", "demo1234")
POLL_SECONDS = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--clerks", type=int, default=2)
    return parser.parse_args()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)

    def get(self, opener, name: str, url: str, data: bytes | None = None, headers=None) -> str:
        request = urllib.request.Request(url, data=data, headers=headers or {})
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                ok = response.status < 400
        except OSError:
            body, ok = "", False
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[name].append(elapsed)
            if not ok:
                self.errors[name] += 1
        return body


def opener_new():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def shopper(base, targets, recorder, stop_at):
    while time.monotonic() < stop_at:
        opener, _jar = opener_new()  # a new shopper each round: no cookies yet
        sku = targets["QR landing"].split("/q/")[1].split("?")[0]
        product = targets["product"].split("/p/")[1].strip("/")
        recorder.get(opener, "QR landing", base + targets["QR landing"])
        recorder.get(opener, "order actions", f"{base}/p/{product}/order-actions/?sku={sku}")
        recorder.get(opener, "stock", f"{base}/stock/availability/?sku={sku}")
        recorder.get(opener, "home", base + "/")
        recorder.get(opener, "store finder", base + "/stores/")


def clerk(base, recorder, stop_at):
    opener, jar = opener_new()
    login = f"{base}/staff/login/"
    recorder.get(opener, "staff login", login)
    token = next((cookie.value for cookie in jar if cookie.name == "csrftoken"), "")
    form = urllib.parse.urlencode(
        {"username": CLERK[0], "password": CLERK[1], "csrfmiddlewaretoken": token}
    ).encode()
    recorder.get(opener, "staff login", login, data=form, headers={"Referer": login})
    while time.monotonic() < stop_at:
        body = recorder.get(opener, "today (poll)", f"{base}/staff/today/")
        if "csrfmiddlewaretoken" in body and "password" in body:
            with recorder.lock:
                recorder.errors["today (poll)"] += 1  # sent back to the login page
        time.sleep(POLL_SECONDS)


def workers_memory_mb(master_pid: int) -> float:
    """Resident memory of the gunicorn workers (the master's children), in MB."""
    total = 0
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) if match else 0
    return total / 1024


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    args = parse_args()
    recorder = Recorder()
    with demo_server("load") as (base, server, targets):
        memory_before = workers_memory_mb(server.pid)
        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=shopper, args=(base, targets, recorder, stop_at))
            for _ in range(args.shoppers)
        ] + [
            threading.Thread(target=clerk, args=(base, recorder, stop_at))
            for _ in range(args.clerks)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        memory_after = workers_memory_mb(server.pid)
    total = sum(len(values) for values in recorder.latencies.values())
    errors = sum(recorder.errors.values())
    print(
        f"{args.shoppers} shoppers, {args.clerks} clerks, {elapsed:.0f} s: "
        f"{total / elapsed:.0f} req/s, errors {errors}"
    )
    print(f"{'page':<15} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, values in recorder.latencies.items():
        print(
            f"{name:<15} {len(values) / elapsed:7.1f} {statistics.median(values) * 1000:8.1f}"
            f" {percentile(values, 0.95) * 1000:8.1f} {percentile(values, 0.99) * 1000:8.1f}"
            f" {recorder.errors[name]:7d}"
        )
    print(f"web workers' memory: {memory_before:.0f} MB before, {memory_after:.0f} MB after")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
