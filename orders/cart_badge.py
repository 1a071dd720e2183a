"""The cart icon's count on every shopper page, kept in the session so pages add no query.

The count is written here by the views that change or show the cart, and is trusted for a few
minutes and only for the shopper it was counted for (a login or the same member's cart changed on
another phone makes it stale). A page without a trusted count renders the icon without a number
and lets htmx fetch it from `orders:cart_badge`, which counts in one query and remembers it.
"""

from __future__ import annotations

import time

from django.db.models import Sum

from members.auth import SESSION_KEY as MEMBER_SESSION_KEY
from members.auth import current_member
from orders.models import CartLine

SESSION_KEY = "cart_badge"
TRUSTED_SECONDS = 300


def _owner(request) -> int:
    # Read from the session, not request.member: loading the member would cost a query.
    return request.session.get(MEMBER_SESSION_KEY) or 0


def cart_badge_count(request) -> int | None:
    """The remembered count for this shopper, or None when there is none to trust."""
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return 0  # no session: no cart either
    cached = session.get(SESSION_KEY)
    if not isinstance(cached, dict) or cached.get("owner") != _owner(request):
        return None
    if time.time() - cached.get("at", 0) > TRUSTED_SECONDS:
        return None
    return cached.get("count", 0)


def cart_badge_remember(request, count: int) -> None:
    """Remember the count the view just saw (no write when it is unchanged and fresh)."""
    if not request.session.session_key and not count:
        return  # a visitor with nothing in a cart gets no session just for this
    owner = _owner(request)
    cached = request.session.get(SESSION_KEY)
    now = time.time()
    if (
        isinstance(cached, dict)
        and cached.get("owner") == owner
        and cached.get("count") == count
        and now - cached.get("at", 0) < TRUSTED_SECONDS / 2
    ):
        return
    request.session[SESSION_KEY] = {"owner": owner, "count": count, "at": now}


def cart_badge_refresh(request) -> int:
    """Count the units in this shopper's cart (one query) and remember the number."""
    member = current_member(request)
    if member is not None:
        lines = CartLine.objects.filter(cart__member=member)
    elif request.session.session_key:
        lines = CartLine.objects.filter(cart__session_key=request.session.session_key)
    else:
        return 0
    count = lines.aggregate(total=Sum("quantity"))["total"] or 0
    cart_badge_remember(request, count)
    return count
