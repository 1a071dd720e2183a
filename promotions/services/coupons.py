"""E-coupons: issue, use once (online at checkout or at the till), give back.

Exactly once under concurrency: a coupon is taken by one guarded UPDATE (`status = available`
→ `used`) and its live redemption is unique in the database, so the checkout and the POS racing
for the same code produce one redemption and one clear refusal. Issuing locks the member row
(the per-member limit) and counts the template with a guarded UPDATE (the total cap).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
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
    CouponShareInvalid,
    CouponUnavailable,
    CouponUsed,
)
from promotions.models import Coupon, CouponEvent, CouponRedemption, CouponTemplate
from stores.models import Staff, Store

logger = logging.getLogger(__name__)

S = Coupon.Status
K = CouponEvent.Kind
T = CouponTemplate

# The only moves a coupon makes, and the event each writes.
COUPON_TRANSITIONS: dict[tuple[str, str], set[str]] = {
    (S.AVAILABLE, S.USED): {K.REDEEMED},
    (S.USED, S.AVAILABLE): {K.RETURNED, K.RESTORED},
    (S.AVAILABLE, S.VOID): {K.VOIDED},
}

# Serial codes: no 0/O, 1/I/L, so a code read aloud or typed at the till is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 31**12 ≈ 7.9e17: not guessable within any throttle
MAX_CODE_INPUT = 32


def coupon_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def coupon_code_normalise(text: str | None) -> str:
    """What a person typed or a scanner read ("abcd-efgh 2345") → the stored form, or ""."""
    text = (text or "")[:MAX_CODE_INPUT]
    code = "".join(ch for ch in text.upper() if ch not in " -")
    return code if code and all(ch in CODE_ALPHABET for ch in code) else ""


def coupon_transition(*, coupon: Coupon, to: str, kind: str, note: str = "", **fields) -> bool:
    """Move `coupon` to `to` if it is still in the status it was read in; False when another
    request moved it first (then nothing is written)."""
    source = coupon.status
    if kind not in COUPON_TRANSITIONS.get((source, to), set()):
        raise CouponNotValid(f"a coupon cannot go from {source} to {to}")
    moved = Coupon.objects.filter(pk=coupon.pk, status=source).update(status=to, **fields)
    if not moved:
        return False
    CouponEvent.objects.create(
        coupon=coupon, kind=kind, from_status=source, to_status=to, note=note[:200]
    )
    coupon.status = to
    for name, value in fields.items():
        setattr(coupon, name, value)
    return True


# ---- issuing ------------------------------------------------------------------------------------


def _validity(template: CouponTemplate, now: datetime) -> tuple[datetime, datetime | None]:
    valid_from = max(template.valid_from, now) if template.valid_from else now
    until = template.valid_until
    if template.valid_days:
        by_days = now + timedelta(days=template.valid_days)
        until = min(until, by_days) if until else by_days
    return valid_from, until


@transaction.atomic
def coupon_issue(
    *,
    template: CouponTemplate,
    member: Member,
    source: str,
    campaign=None,
    issued_by: Staff | None = None,
    shared_by: Member | None = None,
    reward_for: Member | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Give `member` one coupon of `template`, within its per-member and total limits.

    The member row is locked first (two claims of hers in parallel count one after the other),
    then the template's counter moves by a guarded UPDATE (the total cap holds across members).
    Raises CouponUnavailable (nothing written) when the template is off, ended, sold out or she
    has her share. A sharer's reward (`reward_for` the friend who claimed) is not counted in her
    per-member limit, nor counts toward it: it is bounded by the total and once per friend.
    """
    now = now or timezone.now()
    if not template.is_active:
        raise CouponUnavailable(code=CouponUnavailable.INACTIVE)
    if template.valid_until and template.valid_until <= now:
        raise CouponUnavailable(code=CouponUnavailable.ENDED)
    Member.objects.select_for_update().filter(pk=member.pk).first()
    if reward_for is None:
        held = (
            Coupon.objects.filter(template=template, member=member)
            .exclude(status=S.VOID)
            .exclude(source=Coupon.Source.SHARE_REWARD)
            .count()
        )
        if held >= template.per_member_limit:
            raise CouponUnavailable(code=CouponUnavailable.MEMBER_LIMIT)
    counted = CouponTemplate.objects.filter(pk=template.pk).filter(
        Q(total_limit__isnull=True) | Q(issued_count__lt=F("total_limit"))
    )
    if not counted.update(issued_count=F("issued_count") + 1):
        raise CouponUnavailable(code=CouponUnavailable.SOLD_OUT)
    valid_from, valid_until = _validity(template, now)
    coupon = Coupon.objects.create(
        template=template,
        member=member,
        code=coupon_code_new(),
        source=source,
        campaign=campaign,
        issued_by=issued_by,
        shared_by=shared_by,
        reward_for=reward_for,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    CouponEvent.objects.create(coupon=coupon, kind=K.ISSUED, to_status=S.AVAILABLE)
    return coupon


def coupon_template_claimable(claim_token: str) -> CouponTemplate | None:
    token = (claim_token or "")[:24]
    return CouponTemplate.objects.filter(claim_token=token, claimable=True, is_active=True).first()


def coupon_claim(*, claim_token: str, member: Member, now: datetime | None = None) -> Coupon:
    """领券: the shopper claims a coupon through its claim link (shared or on a poster)."""
    template = coupon_template_claimable(claim_token)
    if template is None:
        raise CouponUnavailable(code=CouponUnavailable.INACTIVE)
    return coupon_issue(template=template, member=member, source=Coupon.Source.CLAIM, now=now)


def new_member_gifts_issue(member: Member) -> list[Coupon]:
    """新人礼: give a member who just joined one coupon of each template flagged as the new-member
    gift. Registered with `members.services.accounts.member_created_register`, so it runs inside
    the transaction that creates her. A gift that cannot be issued (ended, sold out, switched
    off) is skipped without stopping her joining; each gift is a savepoint of its own, and the
    unique (template, member) of a new-member coupon makes a replay give nothing twice."""
    now = timezone.now()
    templates = CouponTemplate.objects.filter(new_member_gift=True, is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    given = []
    for template in templates.order_by("pk"):
        try:
            with transaction.atomic():
                given.append(
                    coupon_issue(
                        template=template, member=member, source=Coupon.Source.NEW_MEMBER, now=now
                    )
                )
        except (CouponUnavailable, IntegrityError) as refused:
            logger.info("new-member gift %s not given to %s: %s", template.pk, member.pk, refused)
    return given


def coupon_sharer_get(referral_code: str) -> Member | None:
    """The active member whose referral code a share link carries, or None."""
    code = (referral_code or "").strip()[:16]
    if not code:
        return None
    return Member.objects.filter(referral_code=code, is_active=True).first()


@transaction.atomic
def coupon_claim_shared(
    *, claim_token: str, member: Member, referral_code: str, now: datetime | None = None
) -> tuple[Coupon, Coupon | None]:
    """分享领券: a friend claims a coupon through the claim link a member shared (carrying her
    referral code); returns (the friend's coupon, the sharer's reward or None).

    The friend's coupon is issued as any claim (her per-member limit, the total). When the
    template says `reward_sharer`, the sharer gets one too, once per friend (a unique row): a
    reward that cannot be given (sold out, ended) leaves the friend's coupon alone. Her own link
    is a plain claim. An unknown or garbled referral code raises CouponShareInvalid and a bad
    claim token CouponUnavailable, before anything is written.
    """
    now = now or timezone.now()
    template = coupon_template_claimable(claim_token)
    if template is None:
        raise CouponUnavailable(code=CouponUnavailable.INACTIVE)
    sharer = coupon_sharer_get(referral_code)
    if sharer is None:
        raise CouponShareInvalid()
    if sharer.pk == member.pk:
        own = coupon_issue(template=template, member=member, source=Coupon.Source.CLAIM, now=now)
        return own, None
    # Both members locked in id order: two friends claiming through each other's links at once
    # wait for each other instead of deadlocking.
    list(Member.objects.select_for_update().filter(pk__in=[member.pk, sharer.pk]).order_by("pk"))
    coupon = coupon_issue(
        template=template, member=member, source=Coupon.Source.SHARE, shared_by=sharer, now=now
    )
    if not template.reward_sharer:
        return coupon, None
    try:
        with transaction.atomic():
            reward = coupon_issue(
                template=template,
                member=sharer,
                source=Coupon.Source.SHARE_REWARD,
                reward_for=member,
                now=now,
            )
    except (CouponUnavailable, IntegrityError) as refused:
        logger.info("share reward of %s for %s not given: %s", sharer.pk, member.pk, refused)
        return coupon, None
    return coupon, reward


def coupon_give(*, template: CouponTemplate, member: Member, staff: Staff) -> Coupon:
    """A clerk hands a coupon to a customer from her desk: her store's coupons or HQ's, and
    one valid at her store."""
    if template.issuer_store_id not in (None, staff.store_id):
        raise CouponUnavailable(code=CouponUnavailable.INACTIVE)
    return coupon_issue(
        template=template, member=member, source=Coupon.Source.CLERK, issued_by=staff
    )


@transaction.atomic
def store_coupon_template_create(
    *,
    staff: Staff,
    name: str,
    amount_off: int,
    min_spend: int,
    valid_days: int,
    total_limit: int | None,
    channel: str,
) -> CouponTemplate:
    """A store manager's own coupon (店铺券): amount off at her store only, the store bears it,
    one per member, claimable through its link and given from the desk."""
    if amount_off <= 0 or min_spend < 0 or valid_days <= 0:
        raise CouponNotValid("a store coupon needs an amount, a minimum spend and a validity")
    if min_spend and amount_off >= min_spend:
        raise CouponNotValid("the amount off must be below the minimum spend")
    template = CouponTemplate.objects.create(
        name=name.strip()[:60],
        kind=T.Kind.AMOUNT_OFF,
        amount_off=amount_off,
        min_spend=min_spend,
        valid_days=valid_days,
        total_limit=total_limit,
        channel=channel,
        bearer=T.Bearer.STORE,
        hq_share_bp=0,
        issuer_store=staff.store,
        claimable=True,
    )
    template.stores.set([staff.store])
    return template


# ---- checking and pricing -----------------------------------------------------------------------


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


def coupon_void(*, coupon: Coupon, note: str = "") -> bool:
    """HQ withdraws an unused coupon."""
    with transaction.atomic():
        return coupon_transition(coupon=coupon, to=S.VOID, kind=K.VOIDED, note=note)
