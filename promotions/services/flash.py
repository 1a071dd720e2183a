"""Flash sales (秒杀): set up a sale's quotas, claim under heavy concurrency, order, release.

A claim is two short steps. `flash_quota_claim` takes the units in one transaction: the
member's row is locked (her limit is counted under that lock, so two tabs of hers cannot both
pass) and one unit is taken from one of her store's quota buckets, picked with SKIP LOCKED, so
hundreds of concurrent claims spread over the buckets instead of queueing on one row; only when
every free bucket is busy does it wait for one. The CHECK `remaining >= 0` backs the guarded
UPDATE. `flash_order_place` then places her order at the flash price through orders' one door.
The whole chain can never sell more than its total: the stores' quotas add up to at most the
total, checked when they are set.

An unpaid order lapses through `hooks.ORDER_LAPSED` and its claim's units go back to the bucket;
a claim whose order was never placed (the request died between the two steps) is released by
`flash_claims_release_stale`, a periodic sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from members.models import Member
from o2o.parsing import is_whole_number
from orders.models import Order
from orders.services.checkout import Line, order_place, payment_window
from promotions.exceptions import (
    FlashLimitReached,
    FlashSaleClosed,
    FlashSoldOut,
    PromotionError,
)
from promotions.models import (
    FlashClaim,
    FlashClaimEvent,
    FlashQuotaBucket,
    FlashSale,
    FlashStoreQuota,
)

log = logging.getLogger(__name__)
S = FlashClaim.State
CLAIM_TRANSITIONS: dict[str, set[str]] = {
    S.HELD: {S.PAID, S.RELEASED},
    S.PAID: set(),
    # A payment arriving after the order lapsed takes units again, if the store has any left.
    S.RELEASED: {S.PAID},
}
# A claim without an order is given this long to get one before the sweep releases it.
ORDER_GRACE = timedelta(minutes=2)
LIVE = [S.HELD, S.PAID]
_BUCKET_TAKE = """
    UPDATE promotions_flashquotabucket SET remaining = remaining - %s
    WHERE id = (
        SELECT id FROM promotions_flashquotabucket
        WHERE sale_id = %s AND store_id = %s AND remaining >= %s
        ORDER BY {order} LIMIT 1 {lock}
    ) AND remaining >= %s
    RETURNING id
"""
BUCKET_TAKE_FREE = _BUCKET_TAKE.format(order="random()", lock="FOR UPDATE SKIP LOCKED")
# Waiting claims lock in id order: a row that fails the recheck after its holder committed stays
# locked by the waiter, so waiters in random orders could deadlock each other.
BUCKET_TAKE_WAITING = _BUCKET_TAKE.format(order="id", lock="FOR UPDATE")


@transaction.atomic
def flash_quotas_set(*, sale: FlashSale, quotas: dict) -> None:
    """Share the sale's quota out among stores: {store: units}, before the sale opens.

    Each store's share is written as `sale.buckets_per_store` bucket rows (as even as can be).
    The shares may add up to less than the total (the rest stays unsold) but never more.
    """
    sale = FlashSale.objects.select_for_update().get(pk=sale.pk)
    if FlashClaim.objects.filter(sale=sale).exists():
        raise PromotionError("quotas cannot change once shoppers have claimed")
    if any(not is_whole_number(units, minimum=0) for units in quotas.values()):
        raise PromotionError("a store's quota is a whole number, zero or more")
    if sum(quotas.values()) > sale.total_quota:
        raise PromotionError("the stores' quotas add up to more than the sale's total")
    FlashQuotaBucket.objects.filter(sale=sale).delete()
    FlashStoreQuota.objects.filter(sale=sale).delete()
    buckets = []
    for store, units in quotas.items():
        FlashStoreQuota.objects.create(sale=sale, store=store, quota=units)
        count = sale.buckets_per_store
        for index in range(count):
            share = units // count + (1 if index < units % count else 0)
            buckets.append(FlashQuotaBucket(sale=sale, store=store, index=index, remaining=share))
    FlashQuotaBucket.objects.bulk_create(buckets)


def _transition(claim: FlashClaim, to: str, note: str = "") -> bool:
    """Guarded move of a claim's state; False when someone else moved it first."""
    if to not in CLAIM_TRANSITIONS[claim.state]:
        return False
    moved = FlashClaim.objects.filter(pk=claim.pk, state=claim.state).update(
        state=to, updated_at=timezone.now()
    )
    if moved:
        FlashClaimEvent.objects.create(
            claim=claim, from_state=claim.state, to_state=to, note=note[:200]
        )
        claim.state = to
    return bool(moved)


def _bucket_take(*, sale_id: int, store_id: int, quantity: int) -> int | None:
    """Take `quantity` units from one of the store's buckets; its id, or None when sold out.

    First any bucket nobody holds (SKIP LOCKED, a random one so claims spread); when all free
    ones are busy, wait for the first that still has units: a busy bucket may be the last one
    with stock, and skipping it would say "sold out" while units remain.
    """
    with connection.cursor() as cursor:
        for statement in (BUCKET_TAKE_FREE, BUCKET_TAKE_WAITING):
            cursor.execute(statement, [quantity, sale_id, store_id, quantity, quantity])
            row = cursor.fetchone()
            if row:
                return row[0]
    return None


@transaction.atomic
def flash_quota_claim(*, sale: FlashSale, store, member: Member, quantity: int = 1, now=None):
    """Claim `quantity` units of `sale` at `store` for `member`; the FlashClaim, held.

    Layered checks in one transaction: the sale is open, the member stays within her limit
    (counted under a lock on her row), the store's quota has the units (a bucket row). Raises
    FlashSaleClosed, FlashLimitReached or FlashSoldOut, and then nothing changed.
    """
    now = now or timezone.now()
    if not is_whole_number(quantity, minimum=1):
        raise PromotionError("claim at least one unit")
    sale = FlashSale.objects.get(pk=sale.pk)
    if not sale.is_open(now):
        raise FlashSaleClosed()
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()
    claimed = (
        FlashClaim.objects.filter(sale=sale, member=member, state__in=LIVE).aggregate(
            units=Sum("quantity")
        )["units"]
        or 0
    )
    if claimed + quantity > sale.per_member_limit:
        raise FlashLimitReached()
    bucket_id = _bucket_take(sale_id=sale.pk, store_id=store.pk, quantity=quantity)
    if bucket_id is None:
        raise FlashSoldOut()
    claim = FlashClaim.objects.create(
        sale=sale,
        store=store,
        member=member,
        bucket_id=bucket_id,
        quantity=quantity,
        unit_price=sale.price,
        held_until=now + ORDER_GRACE,
    )
    FlashClaimEvent.objects.create(claim=claim, to_state=S.HELD, note=f"store {store.code}")
    return claim


@transaction.atomic
def flash_claim_release(*, claim: FlashClaim, note: str) -> bool:
    """Give a held claim's units back to its bucket (once: a guarded move, then the units)."""
    claim = FlashClaim.objects.select_for_update().get(pk=claim.pk)
    if not _transition(claim, S.RELEASED, note):
        return False
    FlashQuotaBucket.objects.filter(pk=claim.bucket_id).update(
        remaining=F("remaining") + claim.quantity
    )
    return True


def _fulfillment_check(sale: FlashSale, fulfillment: str) -> None:
    """Pickup, or a parcel where HQ set a shipping fee (a fee of 0 means pickup only)."""
    if fulfillment not in {Order.Fulfillment.PICKUP, Order.Fulfillment.SHIP}:
        raise PromotionError("a flash sale is collected in store or shipped")
    if fulfillment == Order.Fulfillment.SHIP and not sale.shipping_fee:
        raise PromotionError("this flash sale is collected in store only")


def flash_order_place(*, claim: FlashClaim, fulfillment: str, address: dict | None = None):
    """Place the claim's order: the SKU at the price the claim holds, at the claim's store.

    Pickup costs nothing more; a parcel adds the sale's shipping fee ("1 yuan + 15 yuan
    shipping"). The order waits for payment for the payment window like any other. If the
    order cannot be placed (the store lacks the stock after all), the claim is released and the
    error raised.
    """
    claim = FlashClaim.objects.select_related("sale__sku__product", "store", "member").get(
        pk=claim.pk
    )
    if claim.state != S.HELD or claim.order_id:
        raise PromotionError("this claim has already been used")
    sale = claim.sale
    _fulfillment_check(sale, fulfillment)

    def claim_link(order) -> None:  # before the stock is held: see order_place
        held_until = timezone.now() + payment_window() + ORDER_GRACE
        linked = FlashClaim.objects.filter(pk=claim.pk, state=S.HELD, order__isnull=True).update(
            order=order, held_until=held_until
        )
        if not linked:
            raise PromotionError("this claim has already been used")

    try:
        with transaction.atomic():
            order = order_place(
                member=claim.member,
                lines=[Line(sale.sku, claim.quantity)],
                fulfillment=fulfillment,
                store=claim.store,
                address=address,
                unit_prices={sale.sku_id: claim.unit_price},
                shipping_amount=sale.shipping_fee if fulfillment == Order.Fulfillment.SHIP else 0,
                note=f"flash sale: {sale.title}",
                before_hold=claim_link,
            )
    except Exception:
        flash_claim_release(claim=claim, note="order not placed")
        raise
    return order


def flash_buy(*, sale: FlashSale, store, member: Member, fulfillment: str, address=None):
    """The shopper's "grab" (抢): claim one unit at her store, then place its order."""
    _fulfillment_check(sale, fulfillment)  # before a unit of the quota is claimed
    claim = flash_quota_claim(sale=sale, store=store, member=member)
    return flash_order_place(claim=claim, fulfillment=fulfillment, address=address)


def on_order_lapsed(*, order: Order) -> None:
    """orders hook: an unpaid flash order expired or was cancelled, so its units go back."""
    claim = FlashClaim.objects.filter(order=order, state=S.HELD).first()
    if claim is not None:
        flash_claim_release(claim=claim, note=f"order {order.number} {order.status}")


def on_order_paid(*, order: Order) -> None:
    """orders hook: the flash order is paid, so the claim is final.

    A payment arriving after the order lapsed finds the claim released: it takes the units
    again from the store's buckets when some are left. When none are, the shopper still has
    her order (orders settles its stock: taken again or refunded) and the sale is over its
    quota by that claim, which is logged for HQ: a hook cannot refuse a payment.
    """
    claim = FlashClaim.objects.select_for_update().filter(order=order).first()
    if claim is None:
        return
    if claim.state == S.HELD:
        _transition(claim, S.PAID, f"order {order.number} paid")
        return
    if claim.state != S.RELEASED:
        return
    bucket_id = _bucket_take(
        sale_id=claim.sale_id, store_id=claim.store_id, quantity=claim.quantity
    )
    if bucket_id is None:
        log.warning("flash order %s paid late, its sale's quota is gone", order.number)
        return
    FlashClaim.objects.filter(pk=claim.pk).update(bucket_id=bucket_id)
    _transition(claim, S.PAID, f"order {order.number} paid late; units taken again")


def flash_claims_release_stale(*, now=None, batch_size: int = 200) -> int:
    """Sweep: release held claims that never got an order in time (or whose order is gone)."""
    now = now or timezone.now()
    released = 0
    while True:
        with transaction.atomic():
            batch = list(
                FlashClaim.objects.select_for_update(skip_locked=True)
                .filter(state=S.HELD, held_until__lte=now, order__isnull=True)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return released
            for claim in batch:
                released += flash_claim_release(claim=claim, note="no order placed in time")


def flash_remaining_by_store(*, sale: FlashSale) -> dict[int, int]:
    """{store_id: units left} for the live counters (one aggregate query)."""
    rows = (
        FlashQuotaBucket.objects.filter(sale=sale)
        .values("store_id")
        .annotate(left=Sum("remaining"))
        .values_list("store_id", "left")
    )
    return dict(rows)
