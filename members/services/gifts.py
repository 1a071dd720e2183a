"""The points catalog: a gift is redeemed for points and held at a store for pickup.

A redemption spends the points and reserves one unit of the gift's SKU at the chosen store in one
transaction, so a shopper never loses points for a gift that is not there, nor holds a gift she
could not pay for. Pickup is verified by a 6-digit code, once, by staff of that store.

Locks are taken member row first, stock levels second, on every path (redeem, cancel), so a
cancel racing a redemption of the same member cannot deadlock.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.models import Reservation, StockMovement
from inventory.services import reservations_commit, reservations_release, stock_reserve
from members.exceptions import MemberError
from members.models import Gift, GiftRedemption, Member, PointsEntry
from members.services.points import points_add
from o2o.errors import TooManyAttempts
from o2o.models import SecurityEvent
from o2o.throttle import lockout_record, security_event_record, throttle_give_back, throttle_hit
from stores.models import Staff

PICKUP_DAYS = 7
PICKUP_CODE_CONSTRAINT = "gift_pickup_code_open_unique"
PICKUP_CODE_TRIES = 20
# Wrong codes typed at the counter, per window (o2o.throttle): per staff member, and per store so
# that a second clerk cannot start over. Right codes give their attempt back.
VERIFY_WINDOW_SECONDS = 10 * 60
VERIFY_ATTEMPTS_PER_CLERK = 10
VERIFY_ATTEMPTS_PER_STORE = 15
CLERK_SCOPE = "gift:clerk"
STORE_SCOPE = "gift:store"
R = PointsEntry.Reason
State = GiftRedemption.State


class GiftUnavailable(MemberError):
    """This gift is not available."""

    code = "gift_unavailable"
    http_status = 409


class GiftNotFound(MemberError):
    """No gift pickup with this code at your store."""

    code = "gift_not_found"
    http_status = 404


class GiftNotAllowed(MemberError):
    """Only an active clerk or manager of the pickup store can hand over this gift."""

    code = "gift_not_allowed"
    http_status = 403


class GiftAlreadyClosed(MemberError):
    """This gift was already picked up or cancelled."""

    code = "gift_already_closed"
    http_status = 409


class GiftPickupExpired(MemberError):
    """The pickup period has passed; the gift is no longer held."""

    code = "gift_pickup_expired"
    http_status = 409


def _redemption_create(*, member: Member, gift: Gift, store) -> GiftRedemption:
    """A new open pickup with a code no other open pickup of the store has.

    The database decides (a partial unique constraint): each try inserts with a random code in a
    savepoint and draws again on a clash, so two redemptions at the same moment never share one.
    """
    for _attempt in range(PICKUP_CODE_TRIES):
        try:
            with transaction.atomic():
                return GiftRedemption.objects.create(
                    member=member,
                    gift=gift,
                    store=store,
                    points=gift.points_cost,
                    pickup_code=f"{secrets.randbelow(1_000_000):06d}",
                )
        except IntegrityError as error:
            constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
            if constraint != PICKUP_CODE_CONSTRAINT:
                raise
    raise RuntimeError("could not allocate a pickup code")


@transaction.atomic
def gift_redeem(
    *, member: Member, gift: Gift, store, now: datetime | None = None
) -> GiftRedemption:
    """Spend the gift's points and hold one unit at `store` for PICKUP_DAYS; all or nothing.

    Raises GiftUnavailable (inactive gift or SKU), InsufficientPoints or InsufficientStock; in
    every case nothing is written.
    """
    now = now or timezone.now()
    gift = Gift.objects.select_related("sku").get(pk=gift.pk)
    if not (gift.is_active and gift.sku.is_active):
        raise GiftUnavailable()
    redemption = _redemption_create(member=member, gift=gift, store=store)
    points_add(
        member=member,
        delta=-gift.points_cost,
        reason=R.GIFT,
        reference=redemption.reservation_owner,
        note=gift.name,
    )
    stock_reserve(
        store=store,
        lines=[(gift.sku_id, 1)],
        expires_at=now + timedelta(days=PICKUP_DAYS),
        owner=redemption.reservation_owner,
    )
    return redemption


def check_gift_verifier(staff: Staff | None, store) -> Staff:
    """An active clerk or manager of the pickup store (HQ staff hand nothing over at a counter)."""
    allowed = (
        staff is not None
        and staff.is_active
        and staff.user.is_active
        and staff.role in {Staff.Role.CLERK, Staff.Role.MANAGER}
        and staff.store_id == store.pk
    )
    if not allowed:
        raise GiftNotAllowed()
    return staff


def gift_redemption_find(*, code: str, staff: Staff) -> GiftRedemption:
    """The pickup with this code at the staff member's store (only that store's pickups)."""
    code = (code or "").strip()
    redemption = (
        GiftRedemption.objects.filter(store_id=staff.store_id, pickup_code=code)
        .select_related("gift", "member", "store")
        .order_by("-created_at", "-id")
        .first()
    )
    if redemption is None or not code:
        raise GiftNotFound()
    return redemption


def _active_reservation_ids(redemption: GiftRedemption) -> list[int]:
    return list(
        Reservation.objects.filter(
            owner=redemption.reservation_owner, state=Reservation.State.ACTIVE
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def gift_verify(
    *, staff: Staff, redemption: GiftRedemption | None = None, code: str | None = None
) -> GiftRedemption:
    """Hand the gift over: the held unit leaves stock as a sale and the pickup is closed, once.

    Give the redemption or the code typed at the counter. A second verification raises
    GiftAlreadyClosed and changes nothing.
    """
    if redemption is None:
        redemption = gift_redemption_find(code=code, staff=staff)
    check_gift_verifier(staff, redemption.store)
    redemption = GiftRedemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.state != State.RESERVED:
        raise GiftAlreadyClosed()
    reservation_ids = _active_reservation_ids(redemption)
    if not reservation_ids:
        raise GiftPickupExpired()
    reservations_commit(
        reservations=reservation_ids,
        reference=redemption.reservation_owner,
        reason=StockMovement.Reason.SALE,
        actor=staff.user,
    )
    now = timezone.now()
    # Guarded: the row is locked, but the state filter keeps "once" true by construction.
    GiftRedemption.objects.filter(pk=redemption.pk, state=State.RESERVED).update(
        state=State.PICKED_UP, verified_by=staff, closed_at=now
    )
    redemption.state, redemption.verified_by, redemption.closed_at = State.PICKED_UP, staff, now
    return redemption


def gift_verify_code(*, staff: Staff, code: str, client_ip: str = "") -> GiftRedemption:
    """The counter's door to `gift_verify`: a typed code, with guesses limited and recorded.

    Every try is counted before the code is looked up (atomically, per staff member and per
    store, outside the verification's transaction, so concurrent guesses cannot overshoot the
    limit); over the limit raises TooManyAttempts; a code that matches nothing is recorded for
    HQ (GiftNotFound); a code that matched gives its attempts back.
    """
    hits = []
    for scope, key, limit in (
        (CLERK_SCOPE, staff.pk, VERIFY_ATTEMPTS_PER_CLERK),
        (STORE_SCOPE, staff.store_id, VERIFY_ATTEMPTS_PER_STORE),
    ):
        decision = throttle_hit(scope=scope, key=key, limit=limit, window=VERIFY_WINDOW_SECONDS)
        if not decision.allowed:
            lockout_record(
                decision,
                secret=SecurityEvent.Secret.GIFT_CODE,
                target=f"{scope.split(':')[1]} {key}",
                client_ip=client_ip,
                user=staff.user,
            )
            raise TooManyAttempts(retry_after=decision.retry_after)
        hits.append(decision)
    try:
        redemption = gift_verify(staff=staff, code=code)
    except GiftNotFound:
        security_event_record(
            kind=SecurityEvent.Kind.FAILED,
            secret=SecurityEvent.Secret.GIFT_CODE,
            target=f"store {staff.store.code}" if staff.store_id else "",
            client_ip=client_ip,
            user=staff.user,
        )
        raise
    except MemberError:
        for hit in hits:  # the code matched a pickup: no guess, whatever else went wrong
            throttle_give_back(hit)
        raise
    for hit in hits:
        throttle_give_back(hit)
    return redemption


@transaction.atomic
def gift_cancel(*, redemption: GiftRedemption) -> GiftRedemption:
    """Cancel an open pickup: the unit goes back to available stock and the points come back.

    Cancelling an already cancelled redemption is a no-op; a picked-up one raises
    GiftAlreadyClosed.
    """
    Member.objects.select_for_update().filter(pk=redemption.member_id).first()
    redemption = GiftRedemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.state == State.CANCELLED:
        return redemption
    if redemption.state != State.RESERVED:
        raise GiftAlreadyClosed()
    reservations_release(reservations=_active_reservation_ids(redemption))
    points_add(
        member=redemption.member,
        delta=redemption.points,
        reason=R.RESTORE,
        reference=redemption.reservation_owner,
        note=redemption.gift.name,
    )
    now = timezone.now()
    GiftRedemption.objects.filter(pk=redemption.pk, state=State.RESERVED).update(
        state=State.CANCELLED, closed_at=now
    )
    redemption.state, redemption.closed_at = State.CANCELLED, now
    return redemption


def gift_redemptions_expire(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Cancel pickups not collected within PICKUP_DAYS (points restored); returns how many.

    Each one is its own transaction, so a failure leaves the others done and a re-run is
    harmless (cancelling a cancelled pickup is a no-op).
    """
    now = now or timezone.now()
    overdue = GiftRedemption.objects.filter(
        state=State.RESERVED, created_at__lte=now - timedelta(days=PICKUP_DAYS)
    ).select_related("gift", "member")
    cancelled = 0
    for redemption in overdue.order_by("pk")[:batch_size]:
        gift_cancel(redemption=redemption)
        cancelled += 1
    return cancelled
