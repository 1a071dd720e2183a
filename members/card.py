"""Member card tokens: what the QR code on the member card encodes (会员码).

A token is `<member id>.<nonce>` signed with a timestamp (django.core.signing, its own salt), so
a clerk's scanner can trust who it is and how old it is without a database row. It lives 90 s —
the card page shows a fresh one every 60 s — and is accepted once: verifying consumes its nonce
with an atomic `expiring_add` (PostgreSQL, so it holds while Redis is down), so a screenshot
passed around or a scan replayed at another counter is refused.
"""

from __future__ import annotations

import secrets

from django.core import signing

from members.exceptions import MemberError
from members.models import Member
from o2o.expiring import expiring_add

SALT = "members.card"
TOKEN_MAX_AGE = 90  # seconds a card QR stays valid
REFRESH_SECONDS = 60  # the card page fetches a new QR this often
_NONCE_KEY = "members:card-nonce:{nonce}"


class CardTokenError(MemberError):
    """This member card code cannot be accepted."""

    code = "card_invalid"
    # Stable codes: "expired" (older than max_age), "invalid" (tampered, malformed, unknown or
    # inactive member), "replayed" (already accepted once).
    EXPIRED = "expired"
    INVALID = "invalid"
    REPLAYED = "replayed"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def card_token_issue(member: Member) -> str:
    """A fresh card token for `member` (short, so the QR has large modules and scans fast)."""
    nonce = secrets.token_urlsafe(9)
    return _signer().sign(f"{member.pk}.{nonce}")


def card_token_looks_like(text: str) -> bool:
    """Whether typed or scanned text is a card token rather than a member code or phone."""
    return text.count(":") == 2


def card_token_is_signed(text: str) -> bool:
    """Whether `text` carries our card signature, whatever its age, without accepting it.

    A scanner that reads many kinds of code uses it to tell a member card from another signed
    token; the card is then accepted (or refused as expired or replayed) by `card_token_verify`.
    """
    try:
        _signer().unsign(str(text or "").strip())
    except signing.BadSignature:
        return False
    return True


def card_token_verify(token: str, *, max_age: int = TOKEN_MAX_AGE) -> Member:
    """The member a card token names; accepted once within `max_age` seconds.

    Raises CardTokenError with code expired, invalid or replayed.
    """
    try:
        value = _signer().unsign(str(token or "").strip(), max_age=max_age)
    except signing.SignatureExpired as error:
        raise CardTokenError("card code expired", code=CardTokenError.EXPIRED) from error
    except signing.BadSignature as error:
        raise CardTokenError("card code invalid", code=CardTokenError.INVALID) from error
    member_id, _dot, nonce = value.partition(".")
    if not member_id.isdigit() or not nonce:
        raise CardTokenError("card code invalid", code=CardTokenError.INVALID)
    # The nonce key outlives any token that could still pass the age check, so a replay within
    # the window always finds it.
    if not expiring_add(_NONCE_KEY.format(nonce=nonce), member_id, ttl=max_age + 60):
        raise CardTokenError("card code already used", code=CardTokenError.REPLAYED)
    member = (
        Member.objects.select_related("home_store", "bound_clerk", "bound_clerk__store")
        .filter(pk=int(member_id), is_active=True)
        .first()
    )
    if member is None:
        raise CardTokenError("card code invalid", code=CardTokenError.INVALID)
    return member
