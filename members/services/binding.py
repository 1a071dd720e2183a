"""Who keeps the customer: home store and bound clerk (DESIGN §4 "Attribution").

Every change leaves a BindingChange row. The member row is locked while deciding, so two scans
arriving at the same moment cannot both bind her.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import BindingChange, LoyaltyPolicy, Member
from stores.models import Staff
from stores.services import staff_wechat_unlink


@dataclass
class TouchOutcome:
    member: Member
    bound: bool = False
    home_store_set: bool = False


def _binding_expired(member: Member, policy: LoyaltyPolicy, now) -> bool:
    since = max(filter(None, [member.bound_at, member.last_purchase_at]), default=None)
    return since is None or since < now - timedelta(days=policy.binding_expiry_days)


def _record(
    member,
    *,
    reason,
    from_clerk=None,
    to_clerk=None,
    from_store=None,
    to_store=None,
    source="",
    actor=None,
):
    BindingChange.objects.create(
        member=member,
        reason=reason,
        from_clerk=from_clerk,
        to_clerk=to_clerk,
        from_store=from_store,
        to_store=to_store,
        source=source[:64],
        actor=actor,
    )


def home_store_set_if_missing(*, member: Member, store, source: str) -> bool:
    """Set the home store once: the first purchase, scan or fulfilled order decides it."""
    if store is None or member.home_store_id is not None:
        return False
    updated = Member.objects.filter(pk=member.pk, home_store__isnull=True).update(home_store=store)
    if updated:
        member.home_store = store
        _record(member, reason=BindingChange.Reason.HOME_STORE, to_store=store, source=source)
    return bool(updated)


@transaction.atomic
def member_touch(
    *, member: Member, clerk: Staff | None = None, store=None, source: str
) -> TouchOutcome:
    """A member arrived through a clerk's or a store's QR code or link.

    Sets her home store when she has none (the clerk's store, or the scanned store) and binds her
    to the clerk as HQ's policy says: first touch (default, permanent), expiring after N days
    without purchase, or last touch.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    outcome = TouchOutcome(member=member)
    if clerk is not None and not (clerk.is_active and clerk.store.is_active):
        clerk = None
    home = clerk.store if clerk else store
    outcome.home_store_set = home_store_set_if_missing(member=member, store=home, source=source)
    if clerk is None or member.bound_clerk_id == clerk.pk:
        return outcome

    policy = LoyaltyPolicy.current()
    now = timezone.now()
    if member.bound_clerk_id is None:
        reason = BindingChange.Reason.FIRST_TOUCH
    elif policy.binding_policy == LoyaltyPolicy.BindingPolicy.LAST_TOUCH:
        reason = BindingChange.Reason.LAST_TOUCH
    elif policy.binding_policy == LoyaltyPolicy.BindingPolicy.EXPIRES and _binding_expired(
        member, policy, now
    ):
        reason = BindingChange.Reason.EXPIRED
    else:
        return outcome  # first touch is permanent

    previous = member.bound_clerk
    member.bound_clerk = clerk
    member.bound_at = now
    member.save(update_fields=["bound_clerk", "bound_at"])
    _record(member, reason=reason, from_clerk=previous, to_clerk=clerk, source=source)
    outcome.bound = True
    return outcome


@transaction.atomic
def member_rebind(*, member: Member, clerk: Staff | None, actor=None, source: str = "hq") -> Member:
    """HQ moves a member to another clerk (or unbinds her with clerk=None)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.bound_clerk_id == (clerk.pk if clerk else None):
        return member
    previous = member.bound_clerk
    member.bound_clerk = clerk
    member.bound_at = timezone.now() if clerk else None
    member.save(update_fields=["bound_clerk", "bound_at"])
    _record(
        member,
        reason=BindingChange.Reason.HQ,
        from_clerk=previous,
        to_clerk=clerk,
        source=source,
        actor=actor,
    )
    return member


@transaction.atomic
def member_home_store_change(
    *, member: Member, store, actor=None, reason=BindingChange.Reason.HQ, source: str = "hq"
) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.home_store_id == store.pk:
        return member
    previous = member.home_store
    member.home_store = store
    member.save(update_fields=["home_store"])
    _record(member, reason=reason, from_store=previous, to_store=store, source=source, actor=actor)
    return member


@transaction.atomic
def staff_deactivate(*, staff: Staff, actor=None) -> int:
    """A clerk leaves: she is deactivated, her WeChat is unlinked (no more store alerts reach
    her phone) and her members go to her store's manager.

    Returns how many members were handed over. With no active manager at the store the members
    stay unbound (and HQ redistributes them); the history says so either way.
    """
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if staff.is_active:
        staff.is_active = False
        staff.save(update_fields=["is_active"])
        staff.user.is_active = False
        staff.user.save(update_fields=["is_active"])
    staff_wechat_unlink(staff=staff)
    manager = (
        Staff.objects.filter(store=staff.store_id, role=Staff.Role.MANAGER, is_active=True)
        .exclude(pk=staff.pk)
        .order_by("pk")
        .first()
    )
    members = list(Member.objects.select_for_update().filter(bound_clerk=staff).order_by("pk"))
    now = timezone.now()
    Member.objects.filter(pk__in=[m.pk for m in members]).update(
        bound_clerk=manager, bound_at=now if manager else None
    )
    BindingChange.objects.bulk_create(
        [
            BindingChange(
                member=m,
                reason=BindingChange.Reason.CLERK_LEFT,
                from_clerk=staff,
                to_clerk=manager,
                source=f"staff:{staff.staff_code}",
                actor=actor,
            )
            for m in members
        ]
    )
    return len(members)
