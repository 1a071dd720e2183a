"""Throttles for everything that can be guessed: passwords, one-time codes, pickup and gift codes.

One mechanism for every guessable secret (DESIGN §4 "Trust"): a counter per (scope, key), e.g.
("login:username", "hq") or ("pickup:store", "42"), that allows `limit` hits per window.

    decision = throttle_hit(scope="pickup:store", key=str(store.pk), limit=15, window=600)
    if not decision.allowed:
        ...refuse, telling the user throttled_message(decision.retry_after)...

Callers count *before* they compare the secret (so concurrent guesses each get their own number
and no more than `limit` are ever compared), and may give a hit back when it turned out right
(`throttle_give_back`), so only wrong guesses use up the allowance.

Why the counters live in PostgreSQL, not in Redis:
- Atomic by construction: one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING count`. The
  conflicting row is locked for the update, so N concurrent hits get the counts 1..N, whatever
  the interleaving; no check-then-count gap.
- It keeps working when the cache is unreachable. A cache counter with a database fallback would
  have two sources of truth, and every cache outage (or flush) would hand out a fresh allowance,
  which is exactly when an attacker would strike; the database is needed to serve the page anyway.
- HQ sees who is locked out, and unlocks them, in the admin: the counters are rows of a model.
- The cost is one small write per attempt. Attempts are human actions (log in, send a code, type
  a code), not page views; see bench/throttle.py for the measured rate.
One thing to respect: a hit made inside a transaction that later rolls back is rolled back too.
Count before the action's transaction, never inside it (every caller here does).

A window opens at the first hit of a key and lasts `window` seconds, then the next hit starts a
new one (like a cache key with a TTL); `retry_after` is exact. Expired rows are purged daily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from o2o.models import SecurityEvent, ThrottleCounter

KEY_MAX_LENGTH = 200

# ThrottleCounter's table, written out: the statement is a constant, parameters only.
# The window is still open when it started less than `window_seconds` before now.
_HIT = """
    INSERT INTO o2o_throttlecounter AS counter
        (scope, key, count, "limit", window_start, window_seconds)
    VALUES (%(scope)s, %(key)s, 1, %(limit)s, %(now)s, %(window)s)
    ON CONFLICT (scope, key) DO UPDATE SET
        count = CASE
            WHEN counter.window_start + make_interval(secs => EXCLUDED.window_seconds) > %(now)s
            THEN counter.count + 1 ELSE 1 END,
        window_start = CASE
            WHEN counter.window_start + make_interval(secs => EXCLUDED.window_seconds) > %(now)s
            THEN counter.window_start ELSE %(now)s END,
        "limit" = EXCLUDED."limit",
        window_seconds = EXCLUDED.window_seconds
    RETURNING count, window_start
"""
_PURGE = """
    DELETE FROM o2o_throttlecounter
    WHERE window_start + make_interval(secs => window_seconds) <= %s
"""


@dataclass(frozen=True)
class Decision:
    """The answer to one hit (or check): allowed or not, and when the window ends."""

    scope: str
    key: str
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends and the count starts again
    window_start: datetime | None = None

    @property
    def just_locked(self) -> bool:
        """This hit is the first one refused in its window (worth one audit row, not one each)."""
        return self.count == self.limit + 1


def _key(key) -> str:
    return str(key)[:KEY_MAX_LENGTH]


def _retry_after(window_start: datetime, window: int, now: datetime) -> int:
    return max(0, math.ceil((window_start + timedelta(seconds=window) - now).total_seconds()))


def throttle_hit(
    *, scope: str, key, limit: int, window: int, now: datetime | None = None
) -> Decision:
    """Count one attempt at (scope, key), atomically; allowed while the count is within `limit`.

    `window` in seconds. Refused hits are counted too (they do not extend the window).
    """
    now = now or timezone.now()
    key = _key(key)
    params = {"scope": scope, "key": key, "limit": limit, "now": now, "window": window}
    with connection.cursor() as cursor:
        cursor.execute(_HIT, params)
        count, window_start = cursor.fetchone()
    return Decision(
        scope=scope,
        key=key,
        allowed=count <= limit,
        count=count,
        limit=limit,
        retry_after=_retry_after(window_start, window, now),
        window_start=window_start,
    )


def throttle_check(
    *, scope: str, key, limit: int, window: int, now: datetime | None = None
) -> Decision:
    """Would one more attempt be allowed? Counts nothing (for showing state, not for guarding:
    a check followed by an attempt is not atomic; guard with `throttle_hit`)."""
    now = now or timezone.now()
    key = _key(key)
    row = (
        ThrottleCounter.objects.filter(scope=scope, key=key)
        .values_list("count", "window_start")
        .first()
    )
    count, window_start = row or (0, None)
    if window_start is None or window_start + timedelta(seconds=window) <= now:
        count, window_start = 0, None
    return Decision(
        scope=scope,
        key=key,
        allowed=count < limit,
        count=count,
        limit=limit,
        retry_after=_retry_after(window_start, window, now) if window_start else 0,
        window_start=window_start,
    )


def throttle_give_back(decision: Decision) -> None:
    """Return one hit (the attempt was right, so it was no guess); only within its own window."""
    ThrottleCounter.objects.filter(
        scope=decision.scope, key=decision.key, window_start=decision.window_start, count__gt=0
    ).update(count=F("count") - 1)


def throttle_reset(*, scope: str, key) -> int:
    """Forget the attempts at (scope, key): a fresh allowance. Returns 1 if there were any."""
    deleted, _ = ThrottleCounter.objects.filter(scope=scope, key=_key(key)).delete()
    return deleted


def throttled_message(retry_after: int) -> str:
    """What a refused person reads: when to try again, in whole minutes (translated).

    `retry_after` in seconds, as in `Decision.retry_after`."""
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext(
        "Too many attempts. Try again in %(minutes)d minute.",
        "Too many attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# ---- audit ------------------------------------------------------------------------------------


def security_event_record(
    *, kind: str, secret: str, target: str = "", client_ip: str = "", user=None, note: str = ""
) -> SecurityEvent:
    """One audit row for HQ (a wrong secret, a lockout, an unlock)."""
    return SecurityEvent.objects.create(
        kind=kind,
        secret=secret,
        target=str(target)[:200],
        client_ip=client_ip or None,
        user=user if getattr(user, "pk", None) else None,
        note=note[:300],
    )


def lockout_record(
    decision: Decision, *, secret: str, target: str = "", client_ip: str = "", user=None
) -> None:
    """Record a lockout once per window: on the first refused hit, not on every one after it."""
    if decision.just_locked:
        security_event_record(
            kind=SecurityEvent.Kind.LOCKED,
            secret=secret,
            target=target,
            client_ip=client_ip,
            user=user,
            note=f"{decision.scope}: {decision.limit} attempts",
        )


# Which secret a scope guards, by its prefix ("pickup:store" → pickup code), for audit rows.
_SECRET_OF_SCOPE = {
    "login": SecurityEvent.Secret.PASSWORD,
    "otp-send": SecurityEvent.Secret.LOGIN_CODE,
    "otp-verify": SecurityEvent.Secret.LOGIN_CODE,
    "pickup": SecurityEvent.Secret.PICKUP_CODE,
    "gift": SecurityEvent.Secret.GIFT_CODE,
}


@transaction.atomic
def throttle_unlock(*, counters, by=None) -> int:
    """HQ lifts locks: the counters are deleted and each unlock is recorded. Returns how many."""
    unlocked = 0
    for counter in counters:
        unlocked += throttle_reset(scope=counter.scope, key=counter.key)
        security_event_record(
            kind=SecurityEvent.Kind.UNLOCKED,
            secret=_SECRET_OF_SCOPE.get(counter.scope.split(":")[0], ""),
            target=counter.key,
            user=by,
            note=counter.scope,
        )
    return unlocked


def throttle_counters_purge(*, now: datetime | None = None) -> int:
    """Delete counters whose window has ended (they would start from 1 anyway)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_PURGE, [now])
        return cursor.rowcount


def security_events_purge(*, before: datetime) -> int:
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=before).delete()
    return deleted
