"""The store a shopper scanned a shelf QR code in, remembered for a while.

Orders and clerk attribution read it later ("scanned in store X"), so it expires after
``settings.SCANNED_STORE_TTL`` seconds and is ignored once the store is deactivated.

It lives in a signed cookie rather than the session: the scan is a shopper's first request, and
writing a session row for it made the QR landing wait on a database commit. The signature (with
its timestamp) keeps it from being forged or kept past the TTL. A value older sessions still
carry is honoured until it expires.
"""

import time

from django.conf import settings
from django.core import signing

from catalog.page_cache import CatalogRead, catalog_values
from stores.models import Store

COOKIE_NAME = "scanned_store"
COOKIE_SALT = "catalog.scanning"
SESSION_KEY = "scanned_store"


def scanned_store_remember(response, store: Store) -> None:
    """Remember `store` with the response (the landing page being answered)."""
    response.set_signed_cookie(
        COOKIE_NAME,
        store.code,
        salt=COOKIE_SALT,
        max_age=settings.SCANNED_STORE_TTL,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def scanned_store_forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def _code_from_cookie(request) -> str | None:
    try:
        code = request.get_signed_cookie(
            COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=settings.SCANNED_STORE_TTL
        )
    except signing.BadSignature:
        return None
    return code or None


def _code_from_session(request) -> str | None:
    remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if remembered is None:
        return None
    if not isinstance(remembered, dict):
        scanned_store_forget(request)
        return None
    code, at = remembered.get("code"), remembered.get("at")
    if not isinstance(code, str) or not isinstance(at, int | float):
        scanned_store_forget(request)
        return None
    if time.time() - at > settings.SCANNED_STORE_TTL:
        scanned_store_forget(request)
        return None
    return code


def scanned_store_get(request) -> Store | None:
    """The remembered store while still fresh and active, else None."""
    code = _code_from_cookie(request) or _code_from_session(request)
    if code is None:
        return None
    return store_active_get(code=code)


def store_active_read(code: str) -> CatalogRead:
    """The read of the active store with this code, for catalog_values: every shopper page of a
    scanned store needs it, so it is read once per catalog version."""
    return CatalogRead(
        "store", [code], lambda: Store.objects.filter(code=code, is_active=True).first()
    )


def store_active_get(*, code: str) -> Store | None:
    """The active store with this code (cached, see store_active_read)."""
    return catalog_values(store_active_read(code))[0]
