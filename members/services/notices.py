"""Notices to members: always in the app; also a WeChat template message when configured."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from members.models import Member, Notice
from o2o.durable import durable_enqueue

# Notices that market something (a new arrival, a promotion push), unlike order and account
# notices: they go out only when every registered gate agrees (promotions registers the
# member's opt-out and the per-member frequency cap from its AppConfig.ready()).
MARKETING_KINDS = frozenset({"new_arrival", "promotion"})
_marketing_gates: list[Callable[[Member, str], bool]] = []


def marketing_gate_register(gate: Callable[[Member, str], bool]) -> None:
    """Have `gate(member, kind)` decide whether a marketing notice may reach the member."""
    if gate not in _marketing_gates:
        _marketing_gates.append(gate)


def marketing_allowed(member: Member, kind: str) -> bool:
    return kind not in MARKETING_KINDS or all(gate(member, kind) for gate in _marketing_gates)


def notice_send(
    *, member: Member, kind: str, title: str, dedupe_key: str, body: str = "", url: str = ""
) -> Notice | None:
    """Create the in-app notice once per (member, dedupe_key); queue WeChat's after commit.

    Returns None when this notice was already sent, or when it markets something (a
    `MARKETING_KINDS` kind) that a registered gate holds back: she opted out, or had her share of
    such messages lately. Never raises because WeChat is slow or down: the message goes through a
    durable Celery task (o2o.durable), recorded in the surrounding transaction and sent after it
    commits, so a broker outage delays it and loses nothing.
    """
    if not marketing_allowed(member, kind):
        return None
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                member=member,
                kind=kind,
                title=title[:100],
                body=body[:500],
                url=url[:300],
                dedupe_key=dedupe_key[:100],
            )
    except IntegrityError:
        return None
    if settings.WECHAT_CONFIGURED and member.openid:
        from members.tasks import send_wechat_notice

        # Durable: recorded with the notice, relayed if the broker is down or a worker dies.
        durable_enqueue(send_wechat_notice, key=f"members.notice:{notice.pk}", notice_id=notice.pk)
    return notice


def notice_language():
    """Write a notice's text inside this: notices speak the shoppers' language (the site's), not
    that of whoever's action caused them (a clerk's English back office, a worker, WeChat Pay's
    server calling in)."""
    return translation.override(settings.LANGUAGE_CODE)
