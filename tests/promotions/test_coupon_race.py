"""A coupon redeemed at the same moment online (checkout) and at the till (POS), in threads on a
real database: exactly one use, one redemption, one order discounted; the others refused."""

import threading

import pytest
from django.db import connection

from orders.models import Order
from orders.services.checkout import Line
from promotions.exceptions import CouponUsed
from promotions.models import Coupon, CouponRedemption
from promotions.services.coupon_redemption import coupon_redeem_at_store
from promotions.services.coupons import coupon_claim
from tests.orders.placing import F, place
from tests.promotions.coupon_fixtures import template_make

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work: list) -> list[str]:
    barrier = threading.Barrier(len(work), timeout=30)
    results = [""] * len(work)

    def target(index):
        try:
            barrier.wait()
            work[index]()
            results[index] = "ok"
        except CouponUsed:
            results[index] = "used"
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_web_and_pos_racing_for_one_coupon_use_it_once(shop):
    coupon = coupon_claim(claim_token=template_make().claim_token, member=shop.member)

    def web():
        place(shop, F.PICKUP, lines=[Line(shop.sku_m, 1)], coupon_code=coupon.code)

    def pos(index):
        return lambda: coupon_redeem_at_store(
            code=coupon.code, store=shop.store, sale_amount=40000, reference=f"POS-{index}"
        )

    results = run_together([web, pos(1), web, pos(2), web, pos(3), web, pos(4)])

    assert sorted(results) == ["ok"] + ["used"] * 7, results
    assert CouponRedemption.objects.count() == 1
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED
    assert coupon.events.filter(kind="redeemed").count() == 1
    # A web winner placed one discounted order; a POS winner left no order at all.
    orders = list(Order.objects.all())
    assert len(orders) <= 1 and all(order.discount_amount == 5000 for order in orders)
