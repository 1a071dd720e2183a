"""Shopper sessions. Members are not Django users: the session holds the member id.

`MemberMiddleware` puts `request.member` (a Member or None) on every request; `member_login`
rotates the session key first (no session fixation) and keeps the rest of the session (the
scanned store, where her visitor cart is) so nothing a visitor did before logging in is lost:
orders carries the visitor cart over on her first cart access as a member.
"""

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from members.models import Member

SESSION_KEY = "member_id"


def member_login(request, member: Member) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = member.pk
    request.member = member


def member_logout(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    request.member = None


def _member_from_session(request):
    member_id = request.session.get(SESSION_KEY)
    if not member_id:
        return None
    return (
        Member.objects.filter(pk=member_id, is_active=True)
        .select_related("home_store", "bound_clerk")
        .first()
    )


class MemberMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.member = SimpleLazyObject(lambda: _member_from_session(request))
        return self.get_response(request)


def current_member(request) -> Member | None:
    """The logged-in member or None (unwraps the lazy object)."""
    member = getattr(request, "member", None)
    return member if member else None


def member_required(view):
    """Send visitors to the login page, coming back here afterwards."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not current_member(request):
            return redirect(f"/m/login/?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped
