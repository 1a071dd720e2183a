"""Short-lived values that must survive losing Redis, kept in PostgreSQL.

The cache (Redis) may be lost at any moment (o2o.cache_backend answers misses then). A few values
are short-lived like cache entries but are not caches: losing them changes an answer.
- A one-time login code's hash: lost, the shopper cannot log in.
- A replay nonce (WeChat callbacks, member card codes): lost, a captured request works again.
- WeChat's access token and JS-SDK ticket: WeChat allows 2,000 fetches a day, and a fresh token
  invalidates the previous one within minutes, so every process must share one.
- The payment sandbox's record of paid trades (the reconciliation sweep asks it) and the payout
  sandbox's transfers (asked again, a forgotten one would be made twice).
They live here: one row per key, with an expiry; expired rows read as absent and are purged by a
periodic task. Each operation is one statement, atomic under concurrency:

    expiring_set("k", value, ttl=300)      # upsert
    expiring_get("k")                       # value or None
    expiring_add("k", value, ttl=300)       # True only for the one caller that created it
    expiring_pop("k")                       # the value, to exactly one caller; then gone
    expiring_delete("k")

Values are JSON. The cost is a small write per use; every use here is a human action or a call
to WeChat, not a page view.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from o2o.models import ExpiringValue

KEY_MAX_LENGTH = 250

# ExpiringValue's table, written out: constant statements, parameters only.
_SET = """
    INSERT INTO o2o_expiringvalue AS held (key, value, expires_at)
    VALUES (%(key)s, %(value)s, %(expires_at)s)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
"""
# Taken when absent or expired: the conflicting row is locked, so of two concurrent callers
# exactly one sees its row returned.
_ADD = """
    INSERT INTO o2o_expiringvalue AS held (key, value, expires_at)
    VALUES (%(key)s, %(value)s, %(expires_at)s)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
        WHERE held.expires_at <= %(now)s
    RETURNING 1
"""
_POP = """
    DELETE FROM o2o_expiringvalue WHERE key = %(key)s AND expires_at > %(now)s RETURNING value
"""


def _key(key: str) -> str:
    key = str(key)
    if len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"expiring value key longer than {KEY_MAX_LENGTH}: {key[:40]}...")
    return key


def _params(key, value, ttl: float, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "key": _key(key),
        "value": json.dumps(value),
        "expires_at": now + timedelta(seconds=ttl),
        "now": now,
    }


def expiring_set(key: str, value, *, ttl: float) -> None:
    """Store `value` under `key` for `ttl` seconds, replacing what was there."""
    with connection.cursor() as cursor:
        cursor.execute(_SET, _params(key, value, ttl))


def expiring_get(key: str, default=None):
    row = (
        ExpiringValue.objects.filter(key=_key(key), expires_at__gt=timezone.now())
        .values_list("value", flat=True)
        .first()
    )
    return default if row is None else row


def expiring_add(key: str, value, *, ttl: float) -> bool:
    """Store `value` only if `key` holds nothing live; True for the caller that stored it."""
    with connection.cursor() as cursor:
        cursor.execute(_ADD, _params(key, value, ttl))
        return cursor.fetchone() is not None


def expiring_pop(key: str, default=None):
    """Remove `key` and return its live value; of concurrent callers only one gets it."""
    with connection.cursor() as cursor:
        cursor.execute(_POP, {"key": _key(key), "now": timezone.now()})
        row = cursor.fetchone()
    if row is None:
        return default
    value = row[0]
    # psycopg2 decodes jsonb itself; a driver that does not hands back the text.
    return json.loads(value) if isinstance(value, str) else value


def expiring_delete(key: str) -> bool:
    deleted, _ = ExpiringValue.objects.filter(key=_key(key)).delete()
    return bool(deleted)


def expiring_delete_prefix(prefix: str) -> int:
    deleted, _ = ExpiringValue.objects.filter(key__startswith=prefix).delete()
    return deleted


def expiring_values_purge(*, now: datetime | None = None) -> int:
    """Delete expired rows (they already read as absent)."""
    deleted, _ = ExpiringValue.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
