"""Binding links outside WeChat: `/b/clerk/<staff code>` and `/b/store/<store code>`.

These are what a clerk's or a store's H5 QR code encodes (DESIGN §4 "Attribution"). A logged-in
member is touched at once; an anonymous visitor's touch waits in her session until she logs in
(by phone here, or by WeChat OAuth — both call `pending_binding_apply` right after
`member_login`), so the clerk who brought her keeps her either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.utils.translation import gettext as _

from members.models import LoyaltyPolicy, Member
from members.services.binding import member_touch
from members.services.points import scan_points_award
from members.services.referrals import SESSION_KEY as REFERRAL_SESSION_KEY
from members.services.referrals import referral_capture_from_session
from stores.models import Staff, Store

CLERK = "clerk"
STORE = "store"
PENDING_SESSION_KEY = "members_pending_binding"
# A visitor who scanned and then wandered off for longer than this no longer counts as brought in
# by that scan.
PENDING_TTL = 24 * 60 * 60


@dataclass(frozen=True)
class BindingTarget:
    kind: str  # CLERK or STORE
    code: str
    store: Store
    clerk: Staff | None = None

    @property
    def source(self) -> str:
        return f"h5:{self.kind}:{self.code}"

    @property
    def joined_via(self) -> str:
        return Member.JoinedVia.CLERK_QR if self.kind == CLERK else Member.JoinedVia.STORE_QR


def binding_target_get(*, kind: str, code: str) -> BindingTarget | None:
    """The active clerk (with an active store) or active store behind a link, else None."""
    if kind == CLERK:
        clerk = (
            Staff.objects.select_related("store")
            .filter(staff_code=code, is_active=True, store__is_active=True)
            .first()
        )
        return (
            BindingTarget(kind=CLERK, code=code, store=clerk.store, clerk=clerk) if clerk else None
        )
    if kind == STORE:
        store = Store.objects.filter(code=code, is_active=True).first()
        return BindingTarget(kind=STORE, code=code, store=store) if store else None
    return None


@transaction.atomic
def binding_link_apply(*, member: Member, target: BindingTarget) -> str:
    """Touch `member` through the link (home store, clerk binding, first-scan points).

    Returns the message to show her. Safe to repeat: binding follows HQ's policy and scan points
    are awarded once per member.
    """
    outcome = member_touch(
        member=member, clerk=target.clerk, store=target.store, source=target.source
    )
    member = outcome.member
    if target.clerk is None:
        text = _("Welcome to %(store)s!") % {"store": target.store.name}
        if outcome.home_store_set:
            text += " " + _("It is now your home store.")
        return text
    if member.bound_clerk_id == target.clerk.pk:
        text = _("You are now served by %(clerk)s at %(store)s.") % {
            "clerk": target.clerk.display_name,
            "store": target.store.name,
        }
    else:
        text = _("Welcome to %(store)s!") % {"store": target.store.name}
    if scan_points_award(member=member, clerk=target.clerk):
        text += " " + _("+%(points)d points for your first scan.") % {
            "points": LoyaltyPolicy.current().scan_points_member
        }
    return text


def pending_binding_remember(session, target: BindingTarget) -> None:
    session[PENDING_SESSION_KEY] = {"kind": target.kind, "code": target.code, "at": time.time()}


def pending_binding_peek(session) -> BindingTarget | None:
    """The still-valid binding waiting in this session (the target re-checked), or None."""
    pending = session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at") or 0) > PENDING_TTL:
        return None
    return binding_target_get(kind=str(pending.get("kind")), code=str(pending.get("code")))


def pending_binding_joined_via(session) -> str:
    """How a member created now joined: through the pending QR link, a share or invitation
    link, else organically."""
    target = pending_binding_peek(session)
    if target:
        return target.joined_via
    if isinstance(session.get(REFERRAL_SESSION_KEY), int):
        return Member.JoinedVia.SHARE_LINK
    return Member.JoinedVia.ORGANIC


def pending_binding_apply(request, member: Member) -> str | None:
    """Apply and forget the binding waiting in the session; call right after `member_login`.

    Adds the outcome as a message and returns its text (None when nothing was pending). The
    share or invitation link that brought the session also makes its sharer her referrer, if
    she has none yet.
    """
    referral_capture_from_session(session=request.session, member=member)
    target = pending_binding_peek(request.session)
    request.session.pop(PENDING_SESSION_KEY, None)
    if target is None:
        return None
    text = binding_link_apply(member=member, target=target)
    messages.success(request, text)
    return text
