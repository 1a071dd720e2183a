"""Creating and finding members."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.db import IntegrityError, transaction

from inventory.services.levels import store_check_active
from members.exceptions import DuplicateMember, InvalidPhone, MemberError
from members.models import Member
from members.services.binding import home_store_set_if_missing
from o2o.errors import Conflict
from o2o.outbox import EventType, outbox_event_record

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# Apps above members (promotions' new-member gift) act on a new member through these, registered
# from their AppConfig.ready(): each is called with the new member inside the transaction that
# creates her, so what it writes stands or falls with her. A registered function handles its own
# refusals (a gift sold out must not stop anyone joining) and is idempotent.
_member_created_hooks: list[Callable[[Member], object]] = []
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


def member_payload(member: Member) -> dict:
    """A member as the outbound events carry her (`o2o.outbox`)."""
    return {
        "id": member.pk,
        "member_code": member.member_code,
        "phone": member.phone,
        "external_id": member.external_id,
        "nickname": member.nickname,
        "home_store_id": member.home_store_id,
        "tier": member.tier,
        "points_balance": member.points_balance,
        "is_active": member.is_active,
    }


def member_outbound_record(*, member: Member, event_type: str) -> None:
    outbox_event_record(
        event_type=event_type, aggregate=f"member:{member.pk}", data=member_payload(member)
    )


def member_created_register(hook: Callable[[Member], object]) -> None:
    """Have `hook(member)` called whenever a member is created (once per function)."""
    if hook not in _member_created_hooks:
        _member_created_hooks.append(hook)


def member_create(**fields) -> Member:
    """Create a member with fresh member and referral codes (retrying the rare collision), tell
    the chain's systems (`member.created`) and run the registered member-created hooks, in one
    transaction."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    member_code=_new_member_code(), referral_code=_new_referral_code(), **fields
                )
                member_outbound_record(member=member, event_type=EventType.MEMBER_CREATED)
                for hook in tuple(_member_created_hooks):
                    hook(member)
                return member
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


def _member_locked_by(**identity) -> Member | None:
    return Member.objects.select_for_update().filter(**identity).first()


def _identity_take(member: Member, field: str, value: str) -> None:
    """Give the member a phone or external id she lacks; another member holding it is a 409."""
    setattr(member, field, value)
    try:
        with transaction.atomic():
            member.save(update_fields=[field])
    except IntegrityError as error:
        # Taken by a member created since we looked (the unique index waited for her commit).
        label = field.replace("_", " ")
        raise DuplicateMember(f"another member already has this {label}") from error


@transaction.atomic
def member_upsert(
    *, phone: str | None = None, external_id: str | None = None, nickname: str = "", home_store=None
) -> tuple[Member, bool]:
    """Find the member by external id, else by phone, and create her (joined via POS) if neither
    matches; returns (member, created).

    On a match: a non-blank `nickname` replaces hers; a phone or external id she lacks is set; one
    that belongs to another member raises DuplicateMember (409), and one that differs from hers
    raises Conflict `identity_mismatch` (409): identities change only in the admin. `home_store`
    (an active store, else InactiveStore) is set only when she has none (DESIGN §4: the home
    store is set once; HQ changes it in the admin).
    Race-safe: the matched rows are locked, and when a concurrent upsert creates the same member
    first, the unique constraint makes this one read her again and update her instead.
    """
    phone = phone_normalize(phone) if phone else None
    external_id = (external_id or "").strip() or None
    if phone is None and external_id is None:
        raise MemberError("a phone or an external id is required", code="invalid")
    if home_store is not None:
        store_check_active(home_store)  # a closed store's members move away; none move in
    nickname = (nickname or "").strip()
    for _attempt in range(3):
        by_external_id = _member_locked_by(external_id=external_id) if external_id else None
        by_phone = _member_locked_by(phone=phone) if phone else None
        member = by_external_id or by_phone
        if member is None:
            try:
                member = member_create(
                    phone=phone,
                    external_id=external_id,
                    nickname=nickname,
                    joined_via=Member.JoinedVia.POS,
                )
            except DuplicateMember:
                continue  # created concurrently: read her again and update her
            if home_store_set_if_missing(member=member, store=home_store, source="api:upsert"):
                member_outbound_record(member=member, event_type=EventType.MEMBER_UPDATED)
            return member, True
        changed = _member_update(
            member,
            other=by_phone,
            phone=phone,
            external_id=external_id,
            nickname=nickname,
            home_store=home_store,
        )
        if changed:
            member_outbound_record(member=member, event_type=EventType.MEMBER_UPDATED)
        return member, False
    raise DuplicateMember("the member changed while being upserted; try again")


def _member_update(member, *, other, phone, external_id, nickname, home_store) -> bool:
    """Apply the upsert to a matched member; returns whether anything changed."""
    changed = False
    if other is not None and other.pk != member.pk:
        raise DuplicateMember(
            f"phone {phone} belongs to member {other.member_code}, "
            f"external id {external_id} to member {member.member_code}"
        )
    for field, value in (("phone", phone), ("external_id", external_id)):
        current = getattr(member, field)
        if value is None or current == value:
            continue
        if current:
            raise Conflict(
                f"member {member.member_code} already has another {field.replace('_', ' ')}; "
                "HQ changes it in the admin",
                code="identity_mismatch",
            )
        _identity_take(member, field, value)
        changed = True
    if nickname and nickname != member.nickname:
        member.nickname = nickname
        member.save(update_fields=["nickname"])
        changed = True
    home_set = home_store_set_if_missing(member=member, store=home_store, source="api:upsert")
    return changed or home_set
