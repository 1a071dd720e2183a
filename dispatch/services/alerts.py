"""The store is told about a delivery offer (DESIGN §4 "Routing", step 5): at once when it is
made, and again when 15 minutes remain before the deadline. The back-office desk shows, beeps and
badges live offers by itself (it polls); this module sends what reaches people away from the
desk: an e-mail to the store manager and a WeChat template message to each of the store's staff
with a linked WeChat.

Alerts never hold up routing: offers_announce queues them after commit (`offers_alert_queue`),
and a failure to queue or to send is logged, never raised into the offer's transaction. A lost
task costs nothing either: the periodic sweep (`offers_alert_sweep`, beat every 30 s and
`manage.py remind_dispatch_offers`) sends every alert still due.

Each alert is claimed before it is sent by one guarded UPDATE (`alerted_at` / `reminded_at`
from NULL to now): two sweeps, a sweep and the on-commit task, or a redelivered task find the
offer already claimed, so nobody is alerted twice. The price is at most once: a worker killed
between the claim and the send loses that one alert (the desk still shows the offer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.models import DispatchOffer
from o2o.money import format_yuan
from o2o.wechat import WeChatUnavailable, template_message_send
from orders.models import OrderLine
from stores.models import Staff

logger = logging.getLogger(__name__)

NEW, REMINDER = "new", "reminder"
CLAIM_BATCH = 200
OFFER_TABLE = DispatchOffer._meta.db_table

# One statement claims the alert: under READ COMMITTED a concurrent claimer waits for the first
# one's row lock, then re-checks `{column} IS NULL` on the committed row and skips it.
_CLAIM_SQL = """
UPDATE {table} SET {column} = %(now)s
WHERE id IN (
    SELECT id FROM {table}
    WHERE status = %(offered)s AND {column} IS NULL AND deadline > %(now)s {condition}
    ORDER BY deadline, id LIMIT %(limit)s
) AND {column} IS NULL AND status = %(offered)s
RETURNING id
"""


@dataclass(frozen=True)
class AlertsSent:
    offers: int
    emails: int
    wechat_messages: int


def offers_alert_queue(offer_ids: list[int]) -> None:
    """After commit: queue the new offers' alerts. A broker that does not answer is logged; the
    sweep sends those alerts on its next run."""
    # Tasks import the services; the services reach the task at call time (as orders and
    # commissions do for theirs).
    from dispatch.tasks import send_offer_alerts

    try:
        send_offer_alerts.delay(list(offer_ids))
    except Exception:
        logger.exception(
            "dispatch alerts: could not queue offers %s; the sweep sends them", offer_ids
        )


def remind_before() -> timedelta:
    return timedelta(minutes=settings.DISPATCH_REMIND_BEFORE_MINUTES)


def _claim(
    column: str, *, now: datetime, condition: str = "", params: dict | None = None
) -> list[int]:
    sql = _CLAIM_SQL.format(table=OFFER_TABLE, column=column, condition=condition)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql,
            {"now": now, "offered": DispatchOffer.Status.OFFERED, "limit": CLAIM_BATCH}
            | (params or {}),
        )
        return [row[0] for row in cursor.fetchall()]


def offer_alerts_send(
    *, offer_ids: list[int] | None = None, now: datetime | None = None
) -> AlertsSent:
    """Alert the stores of live offers not alerted yet (`offer_ids` only, when given)."""
    now = now or timezone.now()
    condition, params = "", {}
    if offer_ids is not None:
        if not offer_ids:
            return AlertsSent(0, 0, 0)
        condition, params = "AND id = ANY(%(ids)s)", {"ids": list(offer_ids)}
    return _deliver(_claim("alerted_at", now=now, condition=condition, params=params), NEW)


def offer_reminders_send(*, now: datetime | None = None) -> AlertsSent:
    """Remind the stores of live offers whose deadline is less than DISPATCH_REMIND_BEFORE_MINUTES
    away, once each. An offer made with less time than that left gets no reminder: its first
    alert already said how long it has."""
    now = now or timezone.now()
    before = remind_before()
    condition = "AND deadline <= %(remind_from)s AND deadline - created_at > %(before)s"
    params = {"remind_from": now + before, "before": before}
    return _deliver(_claim("reminded_at", now=now, condition=condition, params=params), REMINDER)


def offers_alert_sweep(*, now: datetime | None = None) -> AlertsSent:
    """The periodic job: every first alert still due (a task lost on the way) and the
    reminders."""
    now = now or timezone.now()
    new = offer_alerts_send(now=now)
    reminders = offer_reminders_send(now=now)
    return AlertsSent(
        offers=new.offers + reminders.offers,
        emails=new.emails + reminders.emails,
        wechat_messages=new.wechat_messages + reminders.wechat_messages,
    )


def _deliver(offer_ids: list[int], kind: str) -> AlertsSent:
    if not offer_ids:
        return AlertsSent(0, 0, 0)
    offers = list(
        DispatchOffer.objects.filter(pk__in=offer_ids)
        .select_related("order", "store")
        .order_by("deadline", "id")
    )
    lines = _lines_by_order([offer.order_id for offer in offers])
    staff = _staff_by_store({offer.store_id for offer in offers})
    emails = messages = 0
    with translation.override(settings.LANGUAGE_CODE):
        for offer in offers:
            alert = OfferAlert(offer=offer, kind=kind, lines=lines.get(offer.order_id, []))
            emails += _email(alert, staff.get(offer.store_id, []))
            messages += _wechat(alert, staff.get(offer.store_id, []))
    return AlertsSent(offers=len(offers), emails=emails, wechat_messages=messages)


def _lines_by_order(order_ids: list[int]) -> dict[int, list[OrderLine]]:
    lines: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order_id__in=order_ids).order_by("id"):
        lines.setdefault(line.order_id, []).append(line)
    return lines


def _staff_by_store(store_ids: set[int]) -> dict[int, list[Staff]]:
    """The active store staff (not HQ) of each store, with their user for the e-mail."""
    staff: dict[int, list[Staff]] = {}
    rows = (
        Staff.objects.filter(store_id__in=store_ids, is_active=True, user__is_active=True)
        .exclude(role=Staff.Role.HQ)
        .select_related("user")
        .order_by("store_id", "staff_code")
    )
    for member in rows:
        staff.setdefault(member.store_id, []).append(member)
    return staff


@dataclass
class OfferAlert:
    """What an alert says, the same in the e-mail and the WeChat message."""

    offer: DispatchOffer
    kind: str
    lines: list[OrderLine]

    @property
    def deadline(self) -> str:
        return timezone.localtime(self.offer.deadline).strftime("%H:%M")

    @property
    def headline(self) -> str:
        values = {"number": self.offer.order.number, "deadline": self.deadline}
        if self.kind == REMINDER:
            return _("Reminder: accept delivery order %(number)s by %(deadline)s") % values
        return _("New delivery order %(number)s: accept by %(deadline)s") % values

    @property
    def basket(self) -> str:
        return "; ".join(
            " ".join(
                part
                for part in (
                    line.product_name,
                    "/".join(p for p in (line.color, line.size) if p),
                    f"×{line.quantity}",
                )
                if part
            )
            for line in self.lines
        )

    @property
    def desk_url(self) -> str:
        return f"{settings.SITE_URL}{reverse('backoffice:home')}#today-offers"

    def email_body(self) -> str:
        order = self.offer.order
        address = (order.address or {}).get("address", "")
        return "\n".join(
            [
                self.headline,
                "",
                _("Store: %(store)s") % {"store": self.offer.store.name},
                _("Order: %(number)s, %(amount)s")
                % {
                    "number": order.number,
                    "amount": format_yuan(order.total_amount),
                },
                _("Items: %(items)s") % {"items": self.basket},
                _("Deliver to: %(address)s") % {"address": address},
                _(
                    "If nobody accepts by %(deadline)s the order goes to the next store. "
                    "Accept or decline on the store desk: %(url)s"
                )
                % {"deadline": self.deadline, "url": self.desk_url},
            ]
        )


def manager_emails(store, staff: list[Staff]) -> list[str]:
    """The store's manager address and its active managers' own, each once."""
    emails = [store.manager_email] + [
        member.user.email for member in staff if member.role == Staff.Role.MANAGER
    ]
    unique: dict[str, str] = {}
    for email in emails:
        if email:
            unique.setdefault(email.lower(), email)
    return list(unique.values())


def _email(alert: OfferAlert, staff: list[Staff]) -> int:
    recipients = manager_emails(alert.offer.store, staff)
    if not recipients:
        return 0
    try:
        send_mail(
            alert.headline,
            alert.email_body(),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:  # a mail server down must not stop the other alerts
        logger.exception("dispatch alerts: e-mail for offer %s not sent", alert.offer.pk)
        return 0
    return 1


def _wechat(alert: OfferAlert, staff: list[Staff]) -> int:
    """One template message (WECHAT_TEMPLATE_NEW_OFFER) to each of the store's staff with a
    linked WeChat; nothing when WeChat or the template is not configured. A refusal is logged
    and not retried: the desk, the e-mail and the reminder are the other ways the store hears."""
    template = settings.WECHAT_TEMPLATE_NEW_OFFER
    if not (settings.WECHAT_CONFIGURED and template):
        return 0
    data = {
        "first": {"value": alert.headline},
        "keyword1": {"value": alert.offer.order.number},
        "keyword2": {"value": alert.deadline},
        "remark": {"value": alert.basket},
    }
    sent = 0
    for member in staff:
        if not member.wechat_openid:
            continue
        try:
            template_message_send(member.wechat_openid, template, data, url=alert.desk_url)
        except WeChatUnavailable as error:
            logger.warning(
                "dispatch alerts: WeChat message for offer %s to staff %s not sent: %s",
                alert.offer.pk,
                member.pk,
                error,
            )
        else:
            sent += 1
    return sent
