"""Notices to members: always in the app; also a WeChat template message when configured."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from members.models import Member, Notice
from o2o.durable import durable_enqueue


def notice_send(
    *, member: Member, kind: str, title: str, dedupe_key: str, body: str = "", url: str = ""
) -> Notice | None:
    """Create the in-app notice once per (member, dedupe_key); queue WeChat's after commit.

    Returns None when this notice was already sent. Never raises because WeChat is slow or down:
    the message goes through a durable Celery task (o2o.durable), recorded in the surrounding
    transaction and sent after it commits, so a broker outage delays it and loses nothing.
    """
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
