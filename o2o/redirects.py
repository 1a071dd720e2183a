"""The one check for redirects to a user-supplied target (`?next=`, a form's `next`).

DESIGN §6 Trust: redirects to user-supplied targets go through one check. A target is followed
only when it is a path on this site: it starts with a single "/" (not "//evil.example", not
"/\\evil.example"), passes Django's `url_has_allowed_host_and_scheme` for this host, holds no
control character and is of a sane length. Anything else falls back to the view's default, so
a forged link can neither send a shopper to another site nor crash the view ("next=foo" used to
reach `redirect()` as a view name and end in a 500).
"""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from o2o.request_guard import has_path_control_characters

MAX_TARGET_LENGTH = 2000


def safe_next_url(request, target: str | None, *, default: str) -> str:
    """`target` when it is a path on this site (see module doc), else `default` resolved
    (a URL name, a path, or a model with get_absolute_url, as `redirect()` takes)."""
    if (
        target
        and len(target) <= MAX_TARGET_LENGTH
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not has_path_control_characters(target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return resolve_url(default)


def redirect_to_next(request, target: str | None, *, default: str) -> HttpResponseRedirect:
    """Redirect to `target` when it is a path on this site, else to `default`."""
    return HttpResponseRedirect(safe_next_url(request, target, default=default))
