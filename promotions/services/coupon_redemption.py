"""E-coupons in use: checked, quoted and applied to an order at checkout, redeemed at the till,
given back when the order is cancelled or refunded.

Exactly once under concurrency: a coupon is taken by one guarded UPDATE (`status = available`
→ `used`, through `coupon_transition`) and its live redemption is unique in the database, so the
checkout and the POS racing for the same code produce one redemption and one clear refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog import store_prices
from inventory.selectors import sku_available_at
from members.models import Member
from members.services.arrivals import category_ancestor_ids
from o2o.money import allocate_pro_rata
from orders.models import Order, OrderLine
from orders.services.discounts import order_discount_add, order_gift_line_add
from promotions.exceptions import (
    CouponNotFound,
    CouponNotValid,
    CouponUsed,
)
from promotions.models import Coupon, CouponEvent, CouponRedemption, CouponTemplate
from promotions.services.coupons import coupon_code_normalise, coupon_transition
from stores.models import Staff, Store

S = Coupon.Status
K = CouponEvent.Kind
T = CouponTemplate


def coupon_check(*, coupon: Coupon, store: Store, channel: str, now: datetime) -> None:
    """Refuse, with the precise reason, a coupon that cannot be used at `store` now."""
    if coupon.status == S.USED:
        raise CouponUsed()
    if coupon.status == S.VOID or not coupon.template.is_active:
        raise CouponNotValid(code=CouponNotValid.WITHDRAWN)
    if coupon.valid_until and coupon.valid_until <= now:
        raise CouponNotValid(code=CouponNotValid.EXPIRED)
    if coupon.valid_from > now:
        raise CouponNotValid(code=CouponNotValid.NOT_YET)
    if coupon.template.channel not in (T.Channel.BOTH, channel):
        raise CouponNotValid(code=CouponNotValid.WRONG_CHANNEL)
    stores = {store.pk for store in coupon.template.stores.all()}
    if stores and store.pk not in stores:
        raise CouponNotValid(code=CouponNotValid.WRONG_STORE)


def template_discount(template: CouponTemplate, eligible_amount: int) -> int:
    """The discount on `eligible_amount` fen of goods, before the order's own limits."""
    if eligible_amount <= 0 or eligible_amount < template.min_spend:
        return 0
    if template.kind == T.Kind.GIFT_ITEM:
        return 0  # it gives an item, not money off
    if template.kind == T.Kind.AMOUNT_OFF:
        return min(template.amount_off, eligible_amount)
    off = eligible_amount * template.percent_off // 100
    return min(off, template.max_discount) if template.max_discount else off


def line_is_eligible(template_category_ids: set[int], category_id: int) -> bool:
    """A template limited to categories covers their subcategories too."""
    if not template_category_ids:
        return True
    return bool(template_category_ids & set(category_ancestor_ids(category_id)))


@dataclass(frozen=True)
class CouponQuote:
    coupon: Coupon
    eligible_amount: int
    discount: int


def coupon_quote_lines(
    *, coupon: Coupon, lines: list[tuple[int, int, int]], room: int | None = None
) -> CouponQuote:
    """What `coupon` takes off goods `lines` [(category id, line amount, line room), ...].

    `room` caps the total (what is left to pay less one fen)."""
    category_ids = {category.pk for category in coupon.template.categories.all()}
    eligible = [
        (amount, line_room)
        for category_id, amount, line_room in lines
        if line_is_eligible(category_ids, category_id)
    ]
    eligible_amount = sum(amount for amount, _room in eligible)
    discount = template_discount(coupon.template, eligible_amount)
    discount = min(discount, sum(line_room for _amount, line_room in eligible))
    if room is not None:
        discount = min(discount, max(0, room))
    return CouponQuote(coupon=coupon, eligible_amount=eligible_amount, discount=discount)


def _refuse_unpriced(coupon: Coupon, quote: CouponQuote) -> None:
    if quote.eligible_amount == 0:
        raise CouponNotValid(code=CouponNotValid.NO_ELIGIBLE_ITEMS)
    if quote.eligible_amount < coupon.template.min_spend:
        raise CouponNotValid(code=CouponNotValid.BELOW_MIN_SPEND)
    if quote.discount <= 0:
        raise CouponNotValid(code=CouponNotValid.NOTHING_TO_DISCOUNT)


def costs_split(template: CouponTemplate, discount: int) -> tuple[int, int]:
    """(HQ's part, the store's part) of a discount: the store takes the odd fen of a split."""
    if template.bearer == T.Bearer.HQ:
        return discount, 0
    if template.bearer == T.Bearer.STORE:
        return 0, discount
    hq = discount * template.hq_share_bp // 10000
    return hq, discount - hq


def gift_check(*, template: CouponTemplate, store: Store, already: int = 0) -> int:
    """A gift item coupon at `store`: its item must be sold there and in stock beyond the
    `already` units of it the sale takes. Returns the gift's value (the store's price), or
    raises CouponNotValid GIFT_UNAVAILABLE."""
    sku = template.gift_sku
    if not (
        sku.is_active
        and sku.product.is_active
        and store_prices.product_offered_at(sku.product, store)
        and sku_available_at(sku=sku, store=store) >= already + 1
    ):
        raise CouponNotValid(code=CouponNotValid.GIFT_UNAVAILABLE)
    return store_prices.sku_prices_at([sku], store).get(sku.pk, sku.price)


def _coupon_locked_for_use(code: str, *, member: Member | None) -> Coupon:
    """The coupon of `code` (hers when `member` is given), or CouponNotFound: a coupon of
    someone else answers exactly as an unknown code does, so codes cannot be probed."""
    code = coupon_code_normalise(code)
    if not code:
        raise CouponNotFound()
    coupons = Coupon.objects.select_related("template__gift_sku__product", "member").filter(
        code=code
    )
    if member is not None:
        coupons = coupons.filter(member=member)
    coupon = coupons.first()
    if coupon is None:
        raise CouponNotFound()
    return coupon


def _redeem(
    *, coupon: Coupon, store: Store, channel: str, discount: int, sale_amount: int, **fields
) -> CouponRedemption:
    """Take the coupon (the guarded UPDATE decides a race) and record who bears the discount."""
    now = timezone.now()
    if not coupon_transition(
        coupon=coupon, to=S.USED, kind=K.REDEEMED, note=f"{channel} @ {store.code}", used_at=now
    ):
        raise CouponUsed()
    hq_cost, store_cost = costs_split(coupon.template, discount + fields.get("gift_value", 0))
    return CouponRedemption.objects.create(
        coupon=coupon,
        store=store,
        channel=channel,
        discount=discount,
        sale_amount=sale_amount,
        hq_cost=hq_cost,
        store_cost=store_cost,
        **fields,
    )


# ---- online, through the orders hooks ------------------------------------------------------------


@transaction.atomic
def coupon_apply_to_order(*, order: Order, code: str) -> CouponRedemption:
    """The `COUPON_APPLY` hook: use the shopper's coupon on the order being placed.

    Applies after any points discount and leaves at least one fen to pay; the discount is
    spread over the lines the coupon covers (their categories), in proportion to what is left
    of each. Raises (and so refuses the checkout) when the code is not hers, used, expired, not
    for this store or online, or the covered goods are below the minimum spend.
    """
    now = timezone.now()
    coupon = _coupon_locked_for_use(code, member=order.member)
    store = order.fulfilling_store
    coupon_check(coupon=coupon, store=store, channel=T.Channel.ONLINE, now=now)
    lines = list(OrderLine.objects.filter(order=order).select_related("sku__product"))
    if coupon.template.kind == T.Kind.GIFT_ITEM:
        return _gift_apply_to_order(coupon=coupon, order=order, store=store, lines=lines)
    quote = coupon_quote_lines(
        coupon=coupon,
        lines=[
            (line.sku.product.category_id, line.line_total, line.line_total - line.discount_share)
            for line in lines
        ],
        room=order.total_amount - 1,
    )
    _refuse_unpriced(coupon, quote)
    category_ids = {category.pk for category in coupon.template.categories.all()}
    covered = [
        line for line in lines if line_is_eligible(category_ids, line.sku.product.category_id)
    ]
    shares = allocate_pro_rata(
        quote.discount, [line.line_total - line.discount_share for line in covered]
    )
    redemption = _redeem(
        coupon=coupon,
        store=store,
        channel=CouponRedemption.Channel.ONLINE,
        discount=quote.discount,
        sale_amount=order.goods_amount,
        order=order,
        reference=order.number,
    )
    order_discount_add(
        order=order, shares={line.pk: share for line, share in zip(covered, shares, strict=True)}
    )
    return redemption


def _gift_apply_to_order(
    *, coupon: Coupon, order: Order, store: Store, lines: list[OrderLine]
) -> CouponRedemption:
    """赠品券 at checkout: the covered goods reach the minimum spend, the store has the gift;
    then the gift is one more line at price 0 (held with the others) and the redemption records
    its value for settlement. The order's amounts do not move."""
    template = coupon.template
    category_ids = {category.pk for category in template.categories.all()}
    covered = sum(
        line.line_total
        for line in lines
        if line_is_eligible(category_ids, line.sku.product.category_id)
    )
    if covered == 0:
        raise CouponNotValid(code=CouponNotValid.NO_ELIGIBLE_ITEMS)
    if covered < template.min_spend:
        raise CouponNotValid(code=CouponNotValid.BELOW_MIN_SPEND)
    already = sum(line.quantity for line in lines if line.sku_id == template.gift_sku_id)
    value = gift_check(template=template, store=store, already=already)
    redemption = _redeem(
        coupon=coupon,
        store=store,
        channel=CouponRedemption.Channel.ONLINE,
        discount=0,
        sale_amount=order.goods_amount,
        order=order,
        reference=order.number,
        gift_sku=template.gift_sku,
        gift_value=value,
    )
    order_gift_line_add(order=order, sku=template.gift_sku)
    return redemption


def _give_back(*, order: Order, kind: str, note: str) -> Coupon | None:
    redemption = (
        CouponRedemption.objects.select_for_update()
        .select_related("coupon")
        .filter(order=order, reversed_at__isnull=True)
        .first()
    )
    if redemption is None:
        return None
    CouponRedemption.objects.filter(pk=redemption.pk).update(reversed_at=timezone.now())
    coupon = redemption.coupon
    coupon_transition(coupon=coupon, to=S.AVAILABLE, kind=kind, note=note, used_at=None)
    return coupon


def coupon_return_for_order(*, order: Order) -> Coupon | None:
    """The `ORDER_LAPSED` hook: an order that ends unpaid gives its coupon back (it keeps its
    own validity: an expired one stays unusable). Repeats change nothing."""
    return _give_back(order=order, kind=K.RETURNED, note=f"{order.number} not paid")


def coupon_restore_for_refund(*, order: Order, refund) -> Coupon | None:
    """The `REFUND_SUCCEEDED` hook: a fully refunded order gives its coupon back when the
    template says so; a partial refund keeps it used (its discount stays spread over the lines
    the shopper kept)."""
    redemption = (
        CouponRedemption.objects.filter(order=order, reversed_at__isnull=True)
        .select_related("coupon__template")
        .first()
    )
    if redemption is None or not redemption.coupon.template.restore_on_refund:
        return None
    if order.lines.filter(refunded_quantity__lt=F("quantity")).exists():
        return None
    return _give_back(order=order, kind=K.RESTORED, note=f"{order.number} refunded")


# ---- at the till (back office and POS) -------------------------------------------------


@transaction.atomic
def coupon_redeem_at_store(
    *,
    code: str,
    store: Store,
    sale_amount: int,
    channel: str = CouponRedemption.Channel.TILL,
    reference: str = "",
    staff: Staff | None = None,
    now: datetime | None = None,
) -> tuple[CouponRedemption, bool]:
    """核销: use a coupon on a sale of `sale_amount` fen at `store`'s till.

    Returns (redemption, created). The same coupon sent again with the same `reference` (a POS
    retry) returns the first redemption unchanged; any other second use is CouponUsed. The whole
    sale counts toward the minimum spend (the till does not itemise categories). A gift item
    coupon takes nothing off: its redemption names the gift (`gift_sku`) to hand over, refused
    when the store does not have it.
    """
    now = now or timezone.now()
    reference = (reference or "")[:64]
    coupon = _coupon_locked_for_use(code, member=None)
    if reference:
        earlier = CouponRedemption.objects.filter(
            coupon=coupon, reference=reference, store=store, reversed_at__isnull=True
        ).first()
        if earlier is not None:
            return earlier, False
    coupon_check(coupon=coupon, store=store, channel=T.Channel.IN_STORE, now=now)
    if sale_amount < coupon.template.min_spend:
        raise CouponNotValid(code=CouponNotValid.BELOW_MIN_SPEND)
    if coupon.template.kind == T.Kind.GIFT_ITEM:
        # The till hands the gift over; the POS's sale (a line at price 0) moves its stock.
        value = gift_check(template=coupon.template, store=store)
        redemption = _redeem(
            coupon=coupon,
            store=store,
            channel=channel,
            discount=0,
            sale_amount=sale_amount,
            reference=reference,
            staff=staff,
            gift_sku=coupon.template.gift_sku,
            gift_value=value,
        )
        return redemption, True
    discount = template_discount(coupon.template, sale_amount)
    if discount <= 0:
        raise CouponNotValid(code=CouponNotValid.NOTHING_TO_DISCOUNT)
    redemption = _redeem(
        coupon=coupon,
        store=store,
        channel=channel,
        discount=discount,
        sale_amount=sale_amount,
        reference=reference,
        staff=staff,
    )
    return redemption, True
