"""What WeChat tells us about a shopper: server events, web sign-in, template notices.

A shopper who scans a clerk's QR code (`subscribe` when she starts following the account,
`SCAN` when she already follows it) becomes a member, is bound to that clerk and her store
(DESIGN §4 "Attribution": 导购绑定), and both earn the first-scan points. WeChat repeats an
event it did not get an answer to within five seconds, so each event is recorded under a unique
key in the same transaction as its effects: a replay finds the key taken and changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Notice, WeChatEvent
from members.services.accounts import member_get_or_create_by_openid
from members.services.binding import member_touch
from members.services.points import scan_points_award
from o2o.wechat import CLERK_SCENE_PREFIX, STORE_SCENE_PREFIX, template_message_send
from stores.models import Staff, Store

logger = logging.getLogger(__name__)

# Events that bring a shopper in; everything else is acknowledged and ignored.
HANDLED_EVENTS = {"subscribe", "subscribe_scan", "scan"}


@dataclass(frozen=True)
class Scene:
    kind: str  # "clerk", "store" or "" (no or unknown scene)
    code: str = ""


def scene_parse(event_key: str) -> Scene:
    """'qrscene_clerk:S001' / 'clerk:S001' → Scene('clerk', 'S001'); anything else → Scene('')."""
    key = (event_key or "").strip()
    key = key.removeprefix("qrscene_")
    for kind, prefix in (("clerk", CLERK_SCENE_PREFIX), ("store", STORE_SCENE_PREFIX)):
        if key.startswith(prefix) and key[len(prefix) :]:
            return Scene(kind, key[len(prefix) :])
    return Scene("")


def _event_key(message) -> str:
    return getattr(message, "scene_id", None) or getattr(message, "key", None) or ""


def _dedupe_key(message) -> str:
    # FromUserName + CreateTime + Event + EventKey: WeChat's own advice for spotting its retries.
    return f"{message.source}:{message.time}:{message.event}:{_event_key(message)}"[:200]


def _welcome_text(member: Member | None) -> str:
    site = settings.SITE_URL
    lines = [_("Welcome! You are now a member.")]
    if member is not None and member.bound_clerk_id:
        clerk = member.bound_clerk
        lines.append(
            _("Your personal shopper: %(clerk)s, %(store)s")
            % {"clerk": clerk.display_name, "store": clerk.store.name}
        )
    elif member is not None and member.home_store_id:
        lines.append(_("Your store: %(store)s") % {"store": member.home_store.name})
    lines.append(f'<a href="{site}/">{_("Shop the mall")}</a>')
    lines.append(f'<a href="{site}/m/card/">{_("My member card")}</a>')
    return "\n".join(lines)


def _member_for_welcome(openid: str) -> Member | None:
    return (
        Member.objects.select_related("bound_clerk__store", "home_store")
        .filter(openid=openid)
        .first()
    )


def _scene_clerk(scene: Scene, openid: str) -> Staff | None:
    clerk = Staff.objects.select_related("store").filter(staff_code=scene.code).first()
    if clerk is None:
        logger.warning("WeChat scan of unknown clerk code %r by %s: not bound", scene.code, openid)
    elif not (clerk.is_active and clerk.store.is_active):
        logger.warning(
            "WeChat scan of inactive clerk %s by %s: not bound", clerk.staff_code, openid
        )
        return None
    return clerk


def _scene_store(scene: Scene, openid: str) -> Store | None:
    store = Store.objects.filter(code=scene.code, is_active=True).first()
    if store is None:
        logger.warning(
            "WeChat scan of unknown or closed store %r by %s: home store not set",
            scene.code,
            openid,
        )
    return store


@transaction.atomic
def wechat_event_handle(*, message) -> str | None:
    """Handle a verified server message; return the text to reply with, or None for "success".

    subscribe / SCAN with a clerk scene: find or create the member by openid, set her home store
    to the clerk's store if she has none, bind her as HQ's binding policy says, and award the
    first-scan points to her and the clerk (once ever). A store scene sets the home store only.
    An unknown code still makes her a member, unbound. A replayed event changes nothing and gets
    the same welcome.
    """
    event = getattr(message, "event", None)
    if message.type != "event" or event not in HANDLED_EVENTS:
        return None
    openid = message.source
    event_key = _event_key(message)
    try:
        # Savepoint: the insert blocks on a concurrent duplicate until that one commits, then
        # fails here and this delivery becomes a no-op.
        with transaction.atomic():
            WeChatEvent.objects.create(
                dedupe_key=_dedupe_key(message),
                openid=openid[:64],
                event=event[:32],
                event_key=event_key[:128],
                payload=json.dumps(message._data, ensure_ascii=False)[:4000],
            )
    except IntegrityError:
        logger.info("WeChat event replayed, already handled: %s", _dedupe_key(message))
        return _welcome_text(_member_for_welcome(openid))

    scene = scene_parse(event_key)
    clerk = _scene_clerk(scene, openid) if scene.kind == "clerk" else None
    store = _scene_store(scene, openid) if scene.kind == "store" else None
    joined_via = {
        "clerk": Member.JoinedVia.CLERK_QR,
        "store": Member.JoinedVia.STORE_QR,
    }.get(scene.kind, Member.JoinedVia.ORGANIC)
    member, _created = member_get_or_create_by_openid(openid=openid, joined_via=joined_via)

    if clerk is not None or store is not None:
        member_touch(member=member, clerk=clerk, store=store, source=f"wechat:{event}")
    if clerk is not None:
        # Idempotent: only her first clerk scan ever earns points, for her and that clerk.
        scan_points_award(member=member, clerk=clerk)
    return _welcome_text(_member_for_welcome(openid))


@transaction.atomic
def member_wechat_sign_in(
    *,
    openid: str,
    unionid: str = "",
    nickname: str = "",
    avatar_url: str = "",
    joined_via: str = Member.JoinedVia.ORGANIC,
) -> Member:
    """The member behind a WeChat web sign-in, created on first sight.

    A profile WeChat shared (snsapi_userinfo) refreshes her nickname and avatar; a unionid fills
    in once. Returns the member (possibly inactive: the caller decides whether she may sign in).
    """
    defaults = {"nickname": nickname[:64], "avatar_url": avatar_url[:500]}
    member, created = member_get_or_create_by_openid(
        openid=openid,
        unionid=unionid,
        joined_via=joined_via,
        **{k: v for k, v in defaults.items() if v},
    )
    if created:
        return member
    member = Member.objects.select_for_update().get(pk=member.pk)
    changed = [
        field for field, value in defaults.items() if value and getattr(member, field) != value
    ]
    for field in changed:
        setattr(member, field, defaults[field])
    if unionid and not member.unionid:
        member.unionid = unionid
        changed.append("unionid")
    if changed:
        member.save(update_fields=changed)
    return member


# Errors a retry cannot fix: invalid openid, she unsubscribed or refused messages, the template
# or its data is invalid. Anything else (busy, rate limited, network) is worth another try.
PERMANENT_TEMPLATE_ERRORS = {40003, 40036, 40037, 43004, 43101, 47001, 47003}


def notice_wechat_deliver(*, notice: Notice) -> bool:
    """Send a notice as a WeChat template message; True when WeChat accepted it.

    False when there is nothing to send (WeChat or the template not configured, no openid).
    Raises o2o.wechat.WeChatUnavailable when WeChat refused; its `errcode` tells whether
    PERMANENT_TEMPLATE_ERRORS applies. The template (WECHAT_TEMPLATE_NOTICE) is expected to have
    the common first / keyword1 / keyword2 / remark fields.
    """
    member = notice.member
    if not (settings.WECHAT_CONFIGURED and settings.WECHAT_TEMPLATE_NOTICE and member.openid):
        return False
    url = notice.url
    if url.startswith("/"):
        url = f"{settings.SITE_URL}{url}"
    data = {
        "first": {"value": notice.title},
        "keyword1": {"value": notice.title},
        "keyword2": {"value": timezone.localtime(notice.created_at).strftime("%Y-%m-%d %H:%M")},
        "remark": {"value": notice.body},
    }
    template_message_send(member.openid, settings.WECHAT_TEMPLATE_NOTICE, data, url=url)
    return True
