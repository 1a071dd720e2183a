"""Staff sessions end after a working day without activity; shoppers keep the long session.

Clerks, managers and HQ are Django users (shoppers are members, not users). A phone left logged
in to the back office must not stay a key to the store's orders for a month
(SESSION_COOKIE_AGE), so a session holding a Django login expires STAFF_SESSION_IDLE_SECONDS
after its last request: the expiry is set at login and renewed while she works, at most once
every STAFF_SESSION_RENEW_SECONDS so that the queue page's polling does not write the session
row on every request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY

RENEWED_KEY = "_staff_session_renewed_at"
STAFF_SESSION_RENEW_SECONDS = 60


def staff_session_renew(session) -> None:
    session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
    session[RENEWED_KEY] = int(time.time())


def on_user_logged_in(sender, request, user, **kwargs):
    """`user_logged_in` receiver: a fresh login starts with the short expiry."""
    if request is not None and hasattr(request, "session"):
        staff_session_renew(request.session)


class StaffSessionMiddleware:
    """Renew a staff session's expiry while she is active (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request used and that holds a Django login: a request that never
        # looked at the session costs no query here, and an API call authenticated by its token
        # has a user but no session worth keeping.
        if session is None or not session.accessed or USER_SESSION_KEY not in session:
            return response
        renewed_at = session.get(RENEWED_KEY)
        stale = not isinstance(renewed_at, int) or (
            time.time() - renewed_at >= STAFF_SESSION_RENEW_SECONDS
        )
        if stale:
            staff_session_renew(session)
        return response
