"""The points ledger: one balance online and offline, never negative (DESIGN §4 "Points").

Each entry is unique per (member, reason, reference), so a replayed event or a retried task
cannot award or spend twice; the balance column moves in the same transaction through a
conditional UPDATE, so two redemptions at the same moment cannot overspend.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from members.exceptions import InsufficientPoints, InvalidPoints
from members.models import ClerkPointsEntry, LoyaltyPolicy, Member, PointsEntry
from o2o.parsing import is_whole_number

R = PointsEntry.Reason


def points_add(
    *, member: Member, delta: int, reason: str, reference: str, note: str = ""
) -> PointsEntry | None:
    """Add (or, negative, spend) points. Returns None when this reference was already applied."""
    if not is_whole_number(delta) or delta == 0:
        raise InvalidPoints(f"points must be a whole number other than zero, got {delta!r}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    member=member,
                    delta=delta,
                    reason=reason,
                    reference=reference[:64],
                    note=note[:200],
                )
        except IntegrityError:
            return None
        updated = Member.objects.filter(pk=member.pk, points_balance__gte=-delta).update(
            points_balance=F("points_balance") + delta
        )
        if not updated:
            raise InsufficientPoints(f"{-delta} points needed")
    member.refresh_from_db(fields=["points_balance"])
    return entry


def points_for_amount(amount_fen: int, policy: LoyaltyPolicy | None = None) -> int:
    """Points earned for an amount paid: whole yuan × points per yuan."""
    policy = policy or LoyaltyPolicy.current()
    return max(0, int(amount_fen) // 100) * policy.points_per_yuan


def points_earn_for_purchase(
    *, member: Member, amount_fen: int, reference: str
) -> PointsEntry | None:
    points = points_for_amount(amount_fen)
    if points <= 0:
        return None
    return points_add(member=member, delta=points, reason=R.PURCHASE, reference=reference)


def points_reverse_for_refund(
    *,
    member: Member,
    purchase_reference: str,
    refund_reference: str,
    refunded_fen: int,
    paid_fen: int,
) -> PointsEntry | None:
    """Take back the refunded share of the points a purchase earned.

    Never more than the purchase earned nor than her balance: the balance stays ≥ 0 even when
    she has already spent the points.
    """
    if paid_fen <= 0:
        return None
    with transaction.atomic():
        # Lock the member first, then read what was earned and already taken back: two refunds
        # of the same purchase at the same moment must not both count the same points.
        balance = (
            Member.objects.select_for_update()
            .values_list("points_balance", flat=True)
            .get(pk=member.pk)
        )
        earned = (
            PointsEntry.objects.filter(
                member=member, reason=R.PURCHASE, reference=purchase_reference
            )
            .values_list("delta", flat=True)
            .first()
        )
        if not earned:
            return None
        already = -sum(
            PointsEntry.objects.filter(
                member=member, reason=R.REVERSAL, note=purchase_reference
            ).values_list("delta", flat=True)
        )
        share = min(earned - already, earned * min(refunded_fen, paid_fen) // paid_fen)
        take = min(share, balance)
        if take <= 0:
            return None
        return points_add(
            member=member,
            delta=-take,
            reason=R.REVERSAL,
            reference=refund_reference,
            note=purchase_reference,
        )


def clerk_points_add(*, staff, delta: int, reason: str, reference: str) -> ClerkPointsEntry | None:
    """Points for a clerk; once per (clerk, reason, reference)."""
    try:
        with transaction.atomic():
            return ClerkPointsEntry.objects.create(
                staff=staff, delta=delta, reason=reason, reference=reference[:64]
            )
    except IntegrityError:
        return None


@transaction.atomic
def scan_points_award(*, member: Member, clerk) -> bool:
    """A shopper's first scan of a clerk's QR code earns both of them scan points, once."""
    policy = LoyaltyPolicy.current()
    awarded = False
    if policy.scan_points_member:
        awarded = bool(
            points_add(
                member=member,
                delta=policy.scan_points_member,
                reason=R.SCAN,
                reference="first-clerk-scan",
            )
        )
    if awarded and policy.scan_points_clerk:
        clerk_points_add(
            staff=clerk,
            delta=policy.scan_points_clerk,
            reason=R.SCAN,
            reference=f"member:{member.pk}",
        )
    return awarded
