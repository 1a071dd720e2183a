"""Who referred a member (DESIGN §4 "Commission": the referral chain).

Her referrer is set once, by the first share link (a product link's `?r=`) or invitation link
that brought her, when she becomes a member or, already a member, while she has none. Never
herself, never a cycle, never an account sharing her phone or WeChat unionid (the same person
under two accounts would earn on her own purchases); only HQ changes it afterwards. Every
setting and change leaves a `ReferralChange` row with who and when.

Referring earns nothing by itself: only purchases earn commission (commissions app), up a chain
of at most 3 levels.
"""

from __future__ import annotations

from django.db import transaction

from members.exceptions import MemberError, ReferralCycle, SharedIdentity
from members.models import Member, ReferralChange

# How far up a chain the cycle and identity checks look; chains are short (commission stops at
# level 3), the guard only has to be longer than any real chain.
MAX_REFERRAL_DEPTH = 50
SESSION_KEY = "shared_by"  # the sharer whose link brought this session (members.services.sharing)


def _same_person(a: Member, b: Member) -> bool:
    return bool((a.phone and a.phone == b.phone) or (a.unionid and a.unionid == b.unionid))


def _check_chain(member: Member, referrer: Member) -> None:
    """ReferralCycle when `member` is `referrer` or up her chain; SharedIdentity when anyone up
    that chain is the same person under another account."""
    if referrer.pk == member.pk:
        raise ReferralCycle("a member cannot refer herself")
    ancestor, depth = referrer, 0
    while ancestor is not None and depth < MAX_REFERRAL_DEPTH:
        if ancestor.pk == member.pk:
            raise ReferralCycle("that referrer would make a referral cycle")
        if _same_person(ancestor, member):
            raise SharedIdentity()
        ancestor = (
            Member.objects.filter(pk=ancestor.referrer_id).first() if ancestor.referrer_id else None
        )
        depth += 1


def _locked_pair(member: Member, referrer: Member | None) -> Member:
    # Both rows in id order, so two opposite settings at once cannot both pass the cycle check.
    ids = [member.pk] + ([referrer.pk] if referrer is not None else [])
    locked = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return locked[member.pk]


@transaction.atomic
def member_referrer_set(
    *,
    member: Member,
    referrer: Member,
    reason: str = ReferralChange.Reason.SHARE_LINK,
    source: str = "",
) -> bool:
    """Set who referred her, once. Returns whether it was set (False: she has one already).

    Raises ReferralCycle (herself, or a cycle) or SharedIdentity; nothing is written then.
    """
    if referrer.pk == member.pk:
        raise ReferralCycle("a member cannot refer herself")
    member = _locked_pair(member, referrer)
    if member.referrer_id is not None:
        return False
    _check_chain(member, Member.objects.get(pk=referrer.pk))
    if not Member.objects.filter(pk=member.pk, referrer__isnull=True).update(referrer=referrer):
        return False
    ReferralChange.objects.create(
        member=member, to_referrer=referrer, reason=reason, source=source[:64]
    )
    return True


@transaction.atomic
def member_referrer_change(
    *, member: Member, referrer: Member | None, actor, source: str = "hq"
) -> Member:
    """HQ sets, moves or clears (referrer=None) a member's referrer; the history says who.

    The same guards as a link: never herself, a cycle or a shared identity. Entries already
    computed keep their beneficiaries; only later purchases follow the new chain.
    """
    member = _locked_pair(member, referrer)
    if member.referrer_id == (referrer.pk if referrer else None):
        return member
    if referrer is not None:
        _check_chain(member, Member.objects.get(pk=referrer.pk))
    previous_id = member.referrer_id
    Member.objects.filter(pk=member.pk).update(referrer=referrer)
    ReferralChange.objects.create(
        member=member,
        from_referrer_id=previous_id,
        to_referrer=referrer,
        reason=ReferralChange.Reason.HQ,
        source=source[:64],
        actor=actor,
    )
    member.referrer = referrer
    return member


def referral_capture(
    *, member: Member, referrer: Member, reason: str = ReferralChange.Reason.SHARE_LINK
) -> bool:
    """A link of `referrer` brought `member`: her referrer, if she has none and the guards
    allow it. Never raises for a refused referrer (a link is not a request); returns whether
    it was set."""
    if member.referrer_id is not None or not referrer.is_active:
        return False
    try:
        return member_referrer_set(
            member=member, referrer=referrer, reason=reason, source=f"link:{referrer.referral_code}"
        )
    except MemberError:
        return False


def referral_capture_from_session(*, session, member: Member) -> bool:
    """After she logs in (or signs up): the sharer whose link brought this session becomes her
    referrer, if she has none."""
    sharer_id = session.get(SESSION_KEY)
    if not isinstance(sharer_id, int) or member.referrer_id is not None:
        return False
    sharer = Member.objects.filter(pk=sharer_id, is_active=True).first()
    if sharer is None:
        return False
    reason = session.get(SESSION_KEY + "_reason") or ReferralChange.Reason.SHARE_LINK
    if reason not in ReferralChange.Reason.values:
        reason = ReferralChange.Reason.SHARE_LINK
    return referral_capture(member=member, referrer=sharer, reason=reason)
