"""Password guesses at /staff/login/ and /admin/login/: limited per username and per client.

Both login pages use the forms below, so one account has one allowance whichever page is tried
(alternating pages buys nothing). Every attempt is counted before the password is checked
(`o2o.throttle`), a right password gives its attempt back, wrong ones are recorded for HQ
(`SecurityEvent`), and a locked-out person reads when to try again. HQ unlocks from the admin
(attempt counters → "Unlock").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from o2o.client_ip import client_ip
from o2o.models import SecurityEvent
from o2o.throttle import (
    Decision,
    lockout_record,
    security_event_record,
    throttle_give_back,
    throttle_hit,
    throttle_reset,
    throttled_message,
)

WINDOW_SECONDS = 15 * 60
ATTEMPTS_PER_USERNAME = 5  # per window; a right password resets the count
# Per client address: a store's clerks may share one address (shop Wi-Fi), so more than one
# person's typos fit; a right password gives its attempt back.
ATTEMPTS_PER_CLIENT = 20
USERNAME_SCOPE = "login:username"
CLIENT_SCOPE = "login:client"

Secret = SecurityEvent.Secret
Kind = SecurityEvent.Kind


@dataclass
class LoginAttempt:
    username: str
    client_ip: str
    hits: list[Decision]

    @property
    def refusal(self) -> Decision | None:
        return next((hit for hit in self.hits if not hit.allowed), None)


def _username_key(username: str) -> str:
    # Case-insensitive, so "HQ" and "hq" share one allowance.
    return username.strip().casefold()


def login_attempt_start(*, username: str, client_ip: str) -> LoginAttempt:
    """Count one password attempt, per client first, then per username.

    A client already over its limit is refused without counting against the username, so one
    noisy address does not also keep pushing the account's count.
    """
    attempt = LoginAttempt(username=username, client_ip=client_ip, hits=[])
    scopes = [
        (CLIENT_SCOPE, client_ip or "unknown", ATTEMPTS_PER_CLIENT),
        (USERNAME_SCOPE, _username_key(username), ATTEMPTS_PER_USERNAME),
    ]
    for scope, key, limit in scopes:
        decision = throttle_hit(scope=scope, key=key, limit=limit, window=WINDOW_SECONDS)
        attempt.hits.append(decision)
        if not decision.allowed:
            lockout_record(decision, secret=Secret.PASSWORD, target=key, client_ip=client_ip)
            break
    return attempt


def login_attempt_failed(attempt: LoginAttempt) -> None:
    security_event_record(
        kind=Kind.FAILED,
        secret=Secret.PASSWORD,
        target=attempt.username,
        client_ip=attempt.client_ip,
    )


def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """The right password: the account's count starts again, the client gets its attempt back."""
    throttle_reset(scope=USERNAME_SCOPE, key=_username_key(attempt.username))
    for hit in attempt.hits:
        if hit.scope == CLIENT_SCOPE:
            throttle_give_back(hit)


class ThrottledLoginMixin:
    """Put in front of an AuthenticationForm: counts, refuses, records (see the module)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        attempt = login_attempt_start(
            username=username, client_ip=client_ip(self.request) if self.request else ""
        )
        if attempt.refusal is not None:
            raise ValidationError(throttled_message(attempt.refusal.retry_after), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            # No user: a wrong password. A user: the right password for an account that may not
            # log in here (not HQ, at the admin), which is no guess.
            if self.user_cache is None:
                login_attempt_failed(attempt)
            else:
                login_attempt_succeeded(attempt)
            raise
        login_attempt_succeeded(attempt)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The store back office's login form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """HQ's admin login form."""
