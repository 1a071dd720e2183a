"""The store a shopper scanned a shelf QR code in, remembered in the session for a while.

Orders and clerk attribution read it later ("scanned in store X"), so it expires after
``settings.SCANNED_STORE_TTL`` seconds and is ignored once the store is deactivated.
"""

import time

from django.conf import settings

from stores.models import Store

SESSION_KEY = "scanned_store"


def scanned_store_remember(request, store: Store) -> None:
    request.session[SESSION_KEY] = {"code": store.code, "at": int(time.time())}


def scanned_store_forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def scanned_store_get(request) -> Store | None:
    """The remembered store while still fresh and active, else None (and forgotten)."""
    remembered = request.session.get(SESSION_KEY)
    if not isinstance(remembered, dict):
        return None
    code, at = remembered.get("code"), remembered.get("at")
    if not isinstance(code, str) or not isinstance(at, int | float):
        scanned_store_forget(request)
        return None
    if time.time() - at > settings.SCANNED_STORE_TTL:
        scanned_store_forget(request)
        return None
    store = Store.objects.filter(code=code, is_active=True).first()
    if store is None:
        scanned_store_forget(request)
    return store
