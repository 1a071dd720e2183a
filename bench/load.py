"""A bounded load test: shoppers and store staff at once against the run command's server.

Run by `make bench`. Uses bench/pages.py's demo server (scratch database with the demo data,
gunicorn 2 workers × 4 threads, DEBUG=false). Virtual shoppers (no login, each with its own
cookies) scan a shelf label in sh01 (the QR landing), load the product page's order actions and
stock fragments, go home and open the store finder. Buyers, each a demo member logged in with
the demo login, buy the scanned item in the store and pay (扫码购: "buy here now", the sandbox
pay page, the signed payment notification posted to /wechat/pay/notify as the page's script
does), then put it in the cart, check out for pickup at sh01 and pay the same way; all buy the
same SKU, so their holds meet on one stock level (topped up beforehand by a receipt). Clerks of
sh01 log in and poll their today screen every 2 s. Plain threads and the standard library:
nothing to install, and nothing here is imported by the application.

Prints requests/s, p50/p95/p99 per page, the error count (the aim is 0) and the web workers'
resident memory before and after.

    python bench/load.py [--seconds 20] [--shoppers 16] [--buyers 4] [--clerks 2]

A buyer's step that does not end where it should (the pay page, a notification answered
SUCCESS) counts as an error of that step, and at the end the buyers' paid orders in the
database must number the notifications answered SUCCESS ("paid orders").
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import demo_server  # noqa: E402

CLERK = ("clerk_sh01_1", "demo1234")
POLL_SECONDS = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--buyers", type=int, default=4, help="at most 8 (the demo members)")
    parser.add_argument("--clerks", type=int, default=2)
    return parser.parse_args()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)

    def fetch(self, opener, name: str, url: str, data: bytes | None = None, headers=None):
        """(body, final URL after redirects) of one request, timed and counted under `name`."""
        request = urllib.request.Request(url, data=data, headers=headers or {})
        started = time.perf_counter()
        final = url
        try:
            with opener.open(request, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                ok = response.status < 400
                final = response.geturl()
        except OSError:
            body, ok = "", False
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[name].append(elapsed)
            if not ok:
                self.errors[name] += 1
        return body, final

    def get(self, opener, name: str, url: str, data: bytes | None = None, headers=None) -> str:
        return self.fetch(opener, name, url, data, headers)[0]

    def fail(self, name: str) -> None:
        with self.lock:
            self.errors[name] += 1


def label_sku(targets) -> str:
    """The SKU code on the measured shelf label (the QR landing's path)."""
    return targets["QR landing"].split("/q/")[1].split("?")[0]


def opener_new():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def shopper(base, targets, recorder, stop_at):
    while time.monotonic() < stop_at:
        opener, _jar = opener_new()  # a new shopper each round: no cookies yet
        sku = label_sku(targets)
        product = targets["product"].split("/p/")[1].strip("/")
        recorder.get(opener, "QR landing", base + targets["QR landing"])
        recorder.get(opener, "order actions", f"{base}/p/{product}/order-actions/?sku={sku}")
        recorder.get(opener, "stock", f"{base}/stock/availability/?sku={sku}")
        recorder.get(opener, "home", base + "/")
        recorder.get(opener, "store finder", base + "/stores/")


def post(recorder, opener, jar, name: str, url: str, fields: dict):
    """A form post as the browser sends it: the CSRF cookie's token, and a same-site Referer."""
    token = next((cookie.value for cookie in jar if cookie.name == "csrftoken"), "")
    form = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    return recorder.fetch(opener, name, url, data=form, headers={"Referer": url})


NOTIFICATION = re.compile(
    r'<script id="sandbox-notification" type="application/json">(.*?)</script>'
)


def pay(base, recorder, opener, jar, step: str, pay_url: str) -> None:
    """From an order's pay step through the sandbox pay page to the notification's answer."""
    if "/pay/sandbox/" not in pay_url:
        recorder.fail(step)  # refused (sold out, a form error): no pay page
        return
    body, _ = post(recorder, opener, jar, "sandbox pay", pay_url, {})
    match = NOTIFICATION.search(body)
    if match is None:
        recorder.fail("sandbox pay")
        return
    # As the page's script posts it: the signed XML, without the shopper's cookies.
    answer = recorder.get(
        urllib.request.build_opener(),
        "pay notify",
        f"{base}/wechat/pay/notify",
        data=json.loads(match.group(1)).encode(),
        headers={"Content-Type": "text/xml"},
    )
    if "SUCCESS" not in answer:
        recorder.fail("pay notify")


def buyer(base, targets, recorder, stop_at, member_id: int, store_id: int):
    opener, jar = opener_new()
    login = f"{base}/m/login/demo/"
    recorder.get(opener, "member login", login)
    post(recorder, opener, jar, "member login", login, {"member": member_id})
    sku = label_sku(targets)
    while time.monotonic() < stop_at:
        recorder.get(opener, "QR landing", base + targets["QR landing"])
        _, pay_url = post(recorder, opener, jar, "buy now", f"{base}/buy-now/", {"sku": sku})
        pay(base, recorder, opener, jar, "buy now", pay_url)
        post(recorder, opener, jar, "add to cart", f"{base}/cart/add/", {"sku": sku, "quantity": 1})
        _, pay_url = post(
            recorder,
            opener,
            jar,
            "checkout",
            f"{base}/checkout/",
            {"fulfillment": "pickup", "store": store_id, "points": 0},
        )
        pay(base, recorder, opener, jar, "checkout", pay_url)


def buyers_ready(sku_code: str, count: int) -> tuple[list[int], int]:
    """The demo members who buy, and sh01's id; sh01 receives plenty of the SKU they buy."""
    from django.db import connections

    from catalog.models import SKU
    from inventory.models import StockMovement
    from inventory.services import stock_adjust
    from members.models import Member
    from stores.models import Store

    store = Store.objects.get(code="sh01")
    stock_adjust(
        store=store,
        sku=SKU.objects.get(code=sku_code),
        delta=100_000,
        reason=StockMovement.Reason.RECEIPT,
        reference="load test",
    )
    members = list(
        Member.objects.filter(is_active=True, phone__startswith="1380000000")
        .order_by("phone")
        .values_list("pk", flat=True)[:count]
    )
    connections.close_all()
    return members, store.pk


def paid_check(recorder, members: list[int], since) -> None:
    """Every notification answered SUCCESS paid one of the buyers' orders, and no more (the
    demo data's own paid orders are older than `since`)."""
    from django.db import connections

    from orders.models import Order

    answered = len(recorder.latencies["pay notify"]) - recorder.errors["pay notify"]
    paid = Order.objects.filter(member_id__in=members, paid_at__gte=since).count()
    connections.close_all()
    print(f"paid orders: {paid} in the database, {answered} notifications answered SUCCESS")
    if paid != answered:
        recorder.fail("paid orders")


def clerk(base, recorder, stop_at):
    opener, jar = opener_new()
    login = f"{base}/staff/login/"
    recorder.get(opener, "staff login", login)
    post(recorder, opener, jar, "staff login", login, {"username": CLERK[0], "password": CLERK[1]})
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
    # As the run command serves it: demo logins, and payments in the WeChat Pay sandbox.
    demo = {"DEMO_MODE": "true", "WECHAT_PAY_SANDBOX": "true"}
    with demo_server("load", extra_env=demo) as (base, server, targets):
        members, store_id = buyers_ready(label_sku(targets), args.buyers)
        memory_before = workers_memory_mb(server.pid)
        since = datetime.now(UTC)
        stop_at = time.monotonic() + args.seconds
        threads = (
            [
                threading.Thread(target=shopper, args=(base, targets, recorder, stop_at))
                for _ in range(args.shoppers)
            ]
            + [
                threading.Thread(
                    target=buyer, args=(base, targets, recorder, stop_at, member, store_id)
                )
                for member in members
            ]
            + [
                threading.Thread(target=clerk, args=(base, recorder, stop_at))
                for _ in range(args.clerks)
            ]
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        memory_after = workers_memory_mb(server.pid)
        paid_check(recorder, members, since)
    total = sum(len(values) for values in recorder.latencies.values())
    errors = sum(recorder.errors.values())
    print(
        f"{args.shoppers} shoppers, {len(members)} buyers, {args.clerks} clerks,"
        f" {elapsed:.0f} s: "
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
