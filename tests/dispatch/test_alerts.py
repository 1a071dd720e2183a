"""Alerts to the store about a delivery offer (dispatch.services.alerts): queued on commit,
e-mail to the manager, WeChat to the staff with a linked openid, the 15-minute reminder once."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dispatch.models import DispatchOffer
from dispatch.services import dispatch_offer_make, dispatch_offers_expire, dispatch_route
from dispatch.services.alerts import (
    offer_alerts_send,
    offer_reminders_send,
    offers_alert_sweep,
)
from dispatch.tasks import alert_offers, send_offer_alerts
from stores.models import Staff
from tests.dispatch.conftest import JING_AN, NOW

TEMPLATE_SEND = "/cgi-bin/message/template/send"
DEADLINE = NOW + timedelta(minutes=60)


@pytest.fixture
def store_team(city):
    """`near` has a manager (e-mail on the store and on her account) and two clerks, one with
    a linked WeChat; `mid` has a clerk with WeChat too (never alerted for near's offers)."""
    city.near.manager_email = "near-manager@o2o.example"
    city.near.save(update_fields=["manager_email"])
    manager = city.clerk(city.near, role=Staff.Role.MANAGER)
    manager.user.email = "li.manager@o2o.example"
    manager.user.save(update_fields=["email"])
    linked = city.clerk(city.near)
    linked.wechat_openid = "o-clerk-near"
    linked.save(update_fields=["wechat_openid"])
    city.clerk(city.near)  # no WeChat
    other = city.clerk(city.mid)
    other.wechat_openid = "o-clerk-mid"
    other.save(update_fields=["wechat_openid"])
    return city


def offered(city, now=NOW):
    """A new customer's paid order for the dress, offered to `near` (mid next)."""
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, 1)
    decision = dispatch_route(
        latitude=JING_AN[0], longitude=JING_AN[1], lines=[(city.dress_m.pk, 1)], now=now
    )
    order = city.order(city.member(), [(city.dress_m, 1)], reserve_at=city.near)
    return dispatch_offer_make(order=order, decision=decision, now=now)


def queued_task_calls(callbacks, monkeypatch):
    """Run the on-commit callbacks with the task's `delay` recorded instead of sent."""
    calls = []
    monkeypatch.setattr(send_offer_alerts, "delay", lambda ids: calls.append(ids))
    for callback in callbacks:
        callback()
    return calls


@pytest.mark.django_db
def test_the_alert_is_queued_on_commit_and_mails_the_manager(
    store_team, django_capture_on_commit_callbacks, monkeypatch
):
    city = store_team
    with django_capture_on_commit_callbacks() as callbacks:
        offer = offered(city)
    assert not mail.outbox  # nothing leaves before the offer is committed

    [ids] = queued_task_calls(callbacks, monkeypatch)
    assert ids == [offer.pk]
    assert send_offer_alerts(ids) == 1

    [message] = mail.outbox
    assert message.to == ["near-manager@o2o.example", "li.manager@o2o.example"]
    assert message.subject == (
        f"New delivery order {offer.order.number}: accept by {DEADLINE:%H:%M}"
    )
    assert "商品 dress-m ×1" in message.body
    assert "南京西路 1 号" in message.body
    assert "http://testserver/staff/#today-offers" in message.body
    offer.refresh_from_db()
    assert offer.alerted_at is not None


@pytest.mark.django_db
def test_a_second_task_or_the_sweep_does_not_alert_again(store_team):
    offer = offered(store_team)

    assert send_offer_alerts([offer.pk]) == 1
    assert send_offer_alerts([offer.pk]) == 0  # the broker redelivered it
    assert offers_alert_sweep(now=NOW + timedelta(seconds=30)).offers == 0

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_lost_task_is_made_up_by_the_sweep(store_team):
    offer = offered(store_team)  # its task never ran

    alert_offers()  # the beat job, at the real time: the offer (2030) is still live

    assert len(mail.outbox) == 1
    assert offer.order.number in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_never_undoes_the_offer(
    store_team, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr(send_offer_alerts, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offered(store_team)

    assert DispatchOffer.objects.get(pk=offer.pk).status == DispatchOffer.Status.OFFERED
    assert "the sweep sends them" in caplog.text


@pytest.mark.django_db
def test_the_wechat_template_reaches_the_linked_clerks_of_the_store(
    store_team, wechat_fake, settings
):
    settings.WECHAT_TEMPLATE_NEW_OFFER = "TEMPLATE-NEW-OFFER"
    offer = offered(store_team)

    sent = offer_alerts_send(offer_ids=[offer.pk], now=NOW)

    assert sent.wechat_messages == 1
    [message] = wechat_fake.sent_templates()
    assert message["touser"] == "o-clerk-near"
    assert message["template_id"] == "TEMPLATE-NEW-OFFER"
    assert message["url"] == "http://testserver/staff/#today-offers"
    assert message["data"]["keyword1"]["value"] == offer.order.number
    assert message["data"]["keyword2"]["value"] == f"{DEADLINE:%H:%M}"
    assert message["data"]["remark"]["value"] == "商品 dress-m ×1"


@pytest.mark.django_db
def test_no_wechat_when_wechat_or_the_template_is_not_configured(store_team, wechat_fake, settings):
    settings.WECHAT_TEMPLATE_NEW_OFFER = ""
    first = offered(store_team)
    assert offer_alerts_send(offer_ids=[first.pk], now=NOW).wechat_messages == 0

    settings.WECHAT_TEMPLATE_NEW_OFFER = "TEMPLATE-NEW-OFFER"
    settings.WECHAT_CONFIGURED = False
    second = offered(store_team)
    assert offer_alerts_send(offer_ids=[second.pk], now=NOW).wechat_messages == 0

    assert not wechat_fake.calls(TEMPLATE_SEND)
    assert len(mail.outbox) == 2  # the e-mail goes out all the same


@pytest.mark.django_db
def test_wechat_refusing_is_logged_and_the_mail_still_goes(
    store_team, wechat_fake, settings, caplog
):
    from tests.wechat_fake import error

    settings.WECHAT_TEMPLATE_NEW_OFFER = "TEMPLATE-NEW-OFFER"
    wechat_fake.fail_next("POST", TEMPLATE_SEND, error(43004, "require subscribe"))
    offer = offered(store_team)

    sent = offer_alerts_send(offer_ids=[offer.pk], now=NOW)

    assert (sent.offers, sent.emails, sent.wechat_messages) == (1, 1, 0)
    assert "not sent" in caplog.text


@pytest.mark.django_db
def test_the_reminder_comes_once_when_15_minutes_remain(store_team):
    offer = offered(store_team)
    offer_alerts_send(offer_ids=[offer.pk], now=NOW)

    assert offer_reminders_send(now=DEADLINE - timedelta(minutes=16)).offers == 0
    assert offer_reminders_send(now=DEADLINE - timedelta(minutes=15)).offers == 1
    assert offer_reminders_send(now=DEADLINE - timedelta(minutes=10)).offers == 0

    subjects = [message.subject for message in mail.outbox]
    assert subjects[1] == (
        f"Reminder: accept delivery order {offer.order.number} by {DEADLINE:%H:%M}"
    )
    assert len(subjects) == 2


@pytest.mark.django_db
def test_no_reminder_for_an_offer_answered_or_moved_on(store_team):
    offer = offered(store_team)
    dispatch_offers_expire(now=DEADLINE)  # near let it pass: mid has it now, for 60 minutes

    reminded = offer_reminders_send(now=DEADLINE - timedelta(minutes=5))

    assert reminded.offers == 0
    assert DispatchOffer.objects.get(pk=offer.pk).reminded_at is None


@pytest.mark.django_db
def test_the_cron_command_runs_the_sweep(store_team, capsys):
    offered(store_team)

    call_command("remind_dispatch_offers")

    assert "alerted 1 offer(s): 1 e-mail(s), 0 WeChat message(s)" in capsys.readouterr().out


def test_beat_runs_the_alert_sweep_every_30_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-alert-offers"]
    assert entry["task"] == "dispatch.tasks.alert_offers"
    assert entry["schedule"] <= 60


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_remind_each_offer_once(store_team):
    offers = [offered(store_team) for _ in range(6)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(offer_reminders_send(now=DEADLINE - timedelta(minutes=14)).offers)
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sum(results) == 6
    assert len(mail.outbox) == 6
    reminded = DispatchOffer.objects.filter(
        pk__in=[o.pk for o in offers], reminded_at__isnull=False
    )
    assert reminded.count() == 6


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_manager_within_10_seconds_of_the_offer(
    store_team, celery_worker_app
):
    started = time.monotonic()
    offer = offered(store_team, now=timezone.now())  # committed: the task goes to Redis

    while not mail.outbox:
        assert time.monotonic() - started < 10, "no alert within 10 s of the offer"
        time.sleep(0.05)

    assert offer.order.number in mail.outbox[0].subject
    assert DispatchOffer.objects.get(pk=offer.pk).alerted_at is not None
