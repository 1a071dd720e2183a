"""Creating and finding members."""

from __future__ import annotations

import re
import secrets

from django.db import IntegrityError, transaction

from members.exceptions import DuplicateMember, InvalidPhone
from members.models import Member

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
_REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a counter


def phone_normalize(phone: str) -> str:
    """'+86 138-0013-8000' → '13800138000'; anything else raises InvalidPhone."""
    digits = re.sub(r"[\s\-()]", "", str(phone or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not PHONE_PATTERN.match(digits):
        raise InvalidPhone(f"not a mainland China mobile number: {phone!r}")
    return digits


def _new_member_code() -> str:
    return "M" + "".join(secrets.choice("0123456789") for _ in range(9))


def _new_referral_code() -> str:
    return "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(8))


def member_create(**fields) -> Member:
    """Create a member with fresh member and referral codes (retrying the rare collision)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Member.objects.create(
                    member_code=_new_member_code(), referral_code=_new_referral_code(), **fields
                )
        except IntegrityError as error:
            message = str(error)
            if "member_code" in message or "referral_code" in message:
                continue
            raise DuplicateMember(str(error)) from error
    raise RuntimeError("could not allocate a unique member code")


def member_get_or_create_by_openid(
    *, openid: str, unionid: str = "", **defaults
) -> tuple[Member, bool]:
    """The member behind a WeChat openid, created on first sight. Safe under concurrency."""
    member = Member.objects.filter(openid=openid).first()
    if member:
        return member, False
    try:
        return member_create(openid=openid, unionid=unionid or None, **defaults), True
    except DuplicateMember:
        return Member.objects.get(openid=openid), False


def member_get_or_create_by_phone(*, phone: str, **defaults) -> tuple[Member, bool]:
    phone = phone_normalize(phone)
    member = Member.objects.filter(phone=phone).first()
    if member:
        return member, False
    try:
        return member_create(phone=phone, **defaults), True
    except DuplicateMember:
        return Member.objects.get(phone=phone), False
