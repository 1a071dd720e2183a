"""One-time login codes sent by SMS (手机验证码登录).

Codes live only in the cache (Redis), hashed with the site's secret, for five minutes. Limits that
keep the SMS bill and brute force in check: one send per phone per minute, a few per phone and per
client address per hour, five wrong tries per code. Verifying deletes the code atomically, so a
code logs in once even when submitted twice at the same moment.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from members.exceptions import MemberError
from members.services.accounts import phone_normalize
from members.sms import sms_send

CODE_TTL = 5 * 60
MAX_WRONG_ATTEMPTS = 5
RESEND_AFTER = 60
SENDS_PER_PHONE_PER_HOUR = 5
SENDS_PER_CLIENT_PER_HOUR = 10

_CODE_KEY = "members:login-code:{phone}"
_ATTEMPTS_KEY = "members:login-code-attempts:{phone}"
_COOLDOWN_KEY = "members:login-code-cooldown:{phone}"
_PHONE_HOURLY_KEY = "members:login-code-hourly:phone:{phone}"
_CLIENT_HOURLY_KEY = "members:login-code-hourly:client:{client}"


class LoginCodeError(MemberError):
    """The login code was not accepted."""

    code = "login_code"
    # Stable codes the login page turns into messages.
    THROTTLED = "throttled"
    EXPIRED = "expired"
    WRONG = "wrong_code"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    http_status = 400

    def __init__(self, message: str = "", *, code: str, retry_after: int = 0):
        super().__init__(message, code=code)
        self.retry_after = retry_after
        if code in (self.THROTTLED, self.TOO_MANY_ATTEMPTS):
            self.http_status = 429


@dataclass(frozen=True)
class LoginCodeSent:
    phone: str
    code: str  # shown on screen in demo mode only
    expires_in: int
    resend_after: int


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("members.login-code", f"{phone}:{code}").hexdigest()


def _count_within_hour(key: str) -> int:
    cache.add(key, 0, timeout=60 * 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        return 1


def login_code_send(*, phone: str, client: str) -> LoginCodeSent:
    """Send a fresh 6-digit code to `phone` (normalized; InvalidPhone when not a mobile number).

    `client` identifies the requester for the hourly limit (the client address). A new code
    replaces the previous one and resets the wrong-attempt count.
    """
    phone = phone_normalize(phone)
    cooldown_key = _COOLDOWN_KEY.format(phone=phone)
    if not cache.add(cooldown_key, int(time.time()), timeout=RESEND_AFTER):
        sent_at = cache.get(cooldown_key) or int(time.time())
        remaining = max(1, RESEND_AFTER - (int(time.time()) - int(sent_at)))
        raise LoginCodeError(
            "code sent recently", code=LoginCodeError.THROTTLED, retry_after=remaining
        )
    if (
        _count_within_hour(_CLIENT_HOURLY_KEY.format(client=client or "unknown"))
        > SENDS_PER_CLIENT_PER_HOUR
        or _count_within_hour(_PHONE_HOURLY_KEY.format(phone=phone)) > SENDS_PER_PHONE_PER_HOUR
    ):
        raise LoginCodeError(
            "too many codes this hour", code=LoginCodeError.THROTTLED, retry_after=60 * 60
        )
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set_many(
        {
            _CODE_KEY.format(phone=phone): _code_hash(phone, code),
            _ATTEMPTS_KEY.format(phone=phone): 0,
        },
        timeout=CODE_TTL,
    )
    sms_send(
        phone=phone,
        message=gettext("Your login code is %(code)s. It is valid for 5 minutes.") % {"code": code},
    )
    return LoginCodeSent(phone=phone, code=code, expires_in=CODE_TTL, resend_after=RESEND_AFTER)


def login_code_verify(*, phone: str, code: str) -> str:
    """Check a code for `phone`; returns the normalized phone. The code works once.

    Raises LoginCodeError: expired (none pending), too_many_attempts (the code is then dropped),
    wrong_code.
    """
    phone = phone_normalize(phone)
    code_key = _CODE_KEY.format(phone=phone)
    attempts_key = _ATTEMPTS_KEY.format(phone=phone)
    # Count the attempt before comparing: concurrent guesses each get their own number, so no
    # more than MAX_WRONG_ATTEMPTS of them can ever be compared against one code.
    try:
        attempt = cache.incr(attempts_key)
    except ValueError as error:
        raise LoginCodeError("no pending code", code=LoginCodeError.EXPIRED) from error
    if attempt > MAX_WRONG_ATTEMPTS:
        cache.delete(code_key)
        raise LoginCodeError("too many wrong codes", code=LoginCodeError.TOO_MANY_ATTEMPTS)
    expected = cache.get(code_key)
    if expected is None:
        raise LoginCodeError("no pending code", code=LoginCodeError.EXPIRED)
    if not constant_time_compare(expected, _code_hash(phone, str(code).strip())):
        if attempt == MAX_WRONG_ATTEMPTS:
            cache.delete(code_key)
        raise LoginCodeError("wrong code", code=LoginCodeError.WRONG)
    if not cache.delete(code_key):  # another request used it a moment ago
        raise LoginCodeError("no pending code", code=LoginCodeError.EXPIRED)
    cache.delete(attempts_key)
    return phone
