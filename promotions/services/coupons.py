"""E-coupons: codes, the one guarded status transition, issuing, claiming, sharing and giving.

Issuing locks the member row (the per-member limit) and counts the template with a guarded
UPDATE (the total cap). Using a coupon (checkout, the till) and giving it back live in
`promotions.services.coupon_redemption`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from members.models import Member
from promotions.exceptions import (
    CouponNotValid,
    CouponShareInvalid,
    CouponUnavailable,
)
from promotions.models import Coupon, CouponEvent, CouponTemplate
from stores.models import Staff

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


def coupon_void(*, coupon: Coupon, note: str = "") -> bool:
    """HQ withdraws an unused coupon."""
    with transaction.atomic():
        return coupon_transition(coupon=coupon, to=S.VOID, kind=K.VOIDED, note=note)
