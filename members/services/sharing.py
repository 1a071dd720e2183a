"""Share links (every customer can sell, DESIGN §1): a product link carries the sharer's referral
code in ?r=; the visit is recorded and the sharer remembered in the visitor's session, so an
order placed afterwards names her in `Order.shared_by`."""

from __future__ import annotations

from django.db.models import Q

from members.models import Member, ShareVisit

SESSION_KEY = "shared_by"


def share_visit_record(*, session, referral_code: str, product=None, visitor=None) -> Member | None:
    """Record a visit through a share link and remember the sharer in `session`.

    Unknown codes and a member's visit through her own link are ignored. At most one visit is
    recorded per session and product, however often the link is reopened. `session` must have
    a key (the caller saves it first). Returns the sharer, or None when ignored.
    """
    code = (referral_code or "").strip()[:16]
    if not code:
        return None
    sharer = Member.objects.filter(referral_code=code, is_active=True).first()
    if sharer is None or (visitor is not None and visitor.pk == sharer.pk):
        return None
    session[SESSION_KEY] = sharer.pk
    session_key = session.session_key or ""
    # A member's session key changes when she logs in: match her as well as the session.
    same_visitor = Q(visitor_session=session_key)
    if visitor is not None:
        same_visitor |= Q(visitor=visitor)
    already = ShareVisit.objects.filter(same_visitor, sharer=sharer, product=product).exists()
    if not already:
        ShareVisit.objects.create(
            sharer=sharer, product=product, visitor_session=session_key, visitor=visitor
        )
    return sharer


def share_sharer_get(*, session, member=None) -> Member | None:
    """The member whose link brought this session, unless it is the buyer herself."""
    sharer_id = session.get(SESSION_KEY)
    if not isinstance(sharer_id, int):
        return None
    if member is not None and member.pk == sharer_id:
        return None
    return Member.objects.filter(pk=sharer_id, is_active=True).first()
