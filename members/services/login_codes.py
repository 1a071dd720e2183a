"""One-time login codes sent by SMS (手机验证码登录).

Codes live in PostgreSQL (`o2o.expiring`, not the cache, so a Redis outage does not stop logins),
hashed with the site's secret, for five minutes. Limits that
keep the SMS bill and brute force in check, counted atomically by the platform's throttle
(`o2o.throttle`, in the database): one send per phone per minute, a few per phone and per client
address per hour, five tries per code, and a cap on tries per client address. Verifying deletes
the code atomically, so a code logs in once even when submitted twice at the same moment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from members.exceptions import MemberError
from members.services.accounts import phone_normalize
from members.sms import sms_send
from o2o.expiring import expiring_delete, expiring_get, expiring_pop, expiring_set
from o2o.models import SecurityEvent
from o2o.throttle import (
    lockout_record,
    security_event_record,
    throttle_give_back,
    throttle_hit,
    throttle_reset,
)

CODE_TTL = 5 * 60
MAX_WRONG_ATTEMPTS = 5
RESEND_AFTER = 60
HOUR = 60 * 60
SENDS_PER_PHONE_PER_HOUR = 5
SENDS_PER_CLIENT_PER_HOUR = 10
# Tries per client address across phones: one address guessing codes for many phones.
VERIFIES_PER_CLIENT_PER_HOUR = 30

# Throttle scopes (o2o.throttle); keys are the phone or the client address.
SEND_COOLDOWN = "otp-send:cooldown"
SEND_PER_PHONE = "otp-send:phone"
SEND_PER_CLIENT = "otp-send:client"
VERIFY_PER_PHONE = "otp-verify:phone"
VERIFY_PER_CLIENT = "otp-verify:client"

_CODE_KEY = "members:login-code:{phone}"
SECRET = SecurityEvent.Secret.LOGIN_CODE


class LoginCodeError(MemberError):
    """The login code was not accepted."""

    code = "login_code"
    # Stable codes the login page turns into messages.
    THROTTLED = "throttled"  # a code was sent less than RESEND_AFTER ago
    LIMITED = "limited"  # too many codes or tries from this phone or address; retry_after says
    EXPIRED = "expired"
    WRONG = "wrong_code"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    http_status = 400

    def __init__(self, message: str = "", *, code: str, retry_after: int = 0):
        super().__init__(message, code=code)
        self.retry_after = retry_after
        if code in (self.THROTTLED, self.LIMITED, self.TOO_MANY_ATTEMPTS):
            self.http_status = 429


@dataclass(frozen=True)
class LoginCodeSent:
    phone: str
    code: str  # shown on screen in demo mode only
    expires_in: int
    resend_after: int


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("members.login-code", f"{phone}:{code}").hexdigest()


def _limit(*, scope: str, key: str, limit: int, window: int, client: str):
    """Count one hit; over the limit, record the lockout once and refuse with LIMITED."""
    decision = throttle_hit(scope=scope, key=key, limit=limit, window=window)
    if not decision.allowed:
        lockout_record(decision, secret=SECRET, target=key, client_ip=client)
        raise LoginCodeError(
            f"{scope} limit reached", code=LoginCodeError.LIMITED, retry_after=decision.retry_after
        )
    return decision


def login_code_send(*, phone: str, client: str) -> LoginCodeSent:
    """Send a fresh 6-digit code to `phone` (normalized; InvalidPhone when not a mobile number).

    `client` is the requester's address (`o2o.client_ip`) for the hourly per-client limit. A new
    code replaces the previous one and resets the wrong-attempt count.
    """
    phone = phone_normalize(phone)
    cooldown = throttle_hit(scope=SEND_COOLDOWN, key=phone, limit=1, window=RESEND_AFTER)
    if not cooldown.allowed:
        raise LoginCodeError(
            "code sent recently", code=LoginCodeError.THROTTLED, retry_after=cooldown.retry_after
        )
    # Per client first: an address over its limit does not also use up the phone's allowance.
    _limit(
        scope=SEND_PER_CLIENT,
        key=client or "unknown",
        limit=SENDS_PER_CLIENT_PER_HOUR,
        window=HOUR,
        client=client,
    )
    _limit(
        scope=SEND_PER_PHONE, key=phone, limit=SENDS_PER_PHONE_PER_HOUR, window=HOUR, client=client
    )
    code = f"{secrets.randbelow(10**6):06d}"
    expiring_set(_CODE_KEY.format(phone=phone), _code_hash(phone, code), ttl=CODE_TTL)
    throttle_reset(scope=VERIFY_PER_PHONE, key=phone)
    sms_send(
        phone=phone,
        message=gettext("Your login code is %(code)s. It is valid for 5 minutes.") % {"code": code},
    )
    return LoginCodeSent(phone=phone, code=code, expires_in=CODE_TTL, resend_after=RESEND_AFTER)


def login_code_verify(*, phone: str, code: str, client: str = "") -> str:
    """Check a code for `phone`; returns the normalized phone. The code works once.

    Raises LoginCodeError: limited (too many tries from this address), expired (none pending),
    too_many_attempts (the code is then dropped), wrong_code (recorded for HQ).
    """
    phone = phone_normalize(phone)
    code_key = _CODE_KEY.format(phone=phone)
    client_hit = _limit(
        scope=VERIFY_PER_CLIENT,
        key=client or "unknown",
        limit=VERIFIES_PER_CLIENT_PER_HOUR,
        window=HOUR,
        client=client,
    )
    # Count the attempt before comparing: concurrent guesses each get their own number, so no
    # more than MAX_WRONG_ATTEMPTS of them can ever be compared against one code.
    attempt = throttle_hit(
        scope=VERIFY_PER_PHONE, key=phone, limit=MAX_WRONG_ATTEMPTS, window=CODE_TTL
    )
    if not attempt.allowed:
        expiring_delete(code_key)
        lockout_record(attempt, secret=SECRET, target=phone, client_ip=client)
        raise LoginCodeError("too many wrong codes", code=LoginCodeError.TOO_MANY_ATTEMPTS)
    expected = expiring_get(code_key)
    if expected is None:
        raise LoginCodeError("no pending code", code=LoginCodeError.EXPIRED)
    if not constant_time_compare(expected, _code_hash(phone, str(code).strip())):
        security_event_record(
            kind=SecurityEvent.Kind.FAILED, secret=SECRET, target=phone, client_ip=client
        )
        if attempt.count >= MAX_WRONG_ATTEMPTS:
            expiring_delete(code_key)
        raise LoginCodeError("wrong code", code=LoginCodeError.WRONG)
    if expiring_pop(code_key) is None:  # another request used it a moment ago
        raise LoginCodeError("no pending code", code=LoginCodeError.EXPIRED)
    throttle_reset(scope=VERIFY_PER_PHONE, key=phone)
    throttle_give_back(client_hit)
    return phone
