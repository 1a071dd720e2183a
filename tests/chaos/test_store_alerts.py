"""Redis (the broker) dead when a delivery order is offered to a store: the offer stands, the
alert's task cannot be queued; once Redis is back, beat's alert sweep sends the store's alert,
once (e-mail to the manager, WeChat to the linked clerk), however often the sweep runs."""

from __future__ import annotations

import pytest
from django.core import mail

from dispatch.models import DispatchOffer
from dispatch.tasks import alert_offers
from tests.dispatch.test_alerts import offered

pytestmark = [pytest.mark.chaos, pytest.mark.django_db]

TEMPLATE_SEND = "/cgi-bin/message/template/send"


def test_broker_down_the_store_alert_arrives_once_after_redis_returns(
    private_redis, store_team, wechat_fake, django_capture_on_commit_callbacks, caplog, settings
):
    settings.WECHAT_TEMPLATE_NEW_OFFER = "TEMPLATE-NEW-OFFER"
    private_redis.kill()
    with django_capture_on_commit_callbacks(execute=True):
        offer = offered(store_team)  # the offer commits; queuing its alert fails

    assert DispatchOffer.objects.get(pk=offer.pk).status == DispatchOffer.Status.OFFERED
    assert "the sweep sends them" in caplog.text
    assert mail.outbox == [] and wechat_fake.calls(TEMPLATE_SEND) == []

    private_redis.start()
    alert_offers()  # beat's sweep, every 30 s
    alert_offers()  # and the next one

    assert len(mail.outbox) == 1 and offer.order.number in mail.outbox[0].subject
    [message] = wechat_fake.calls(TEMPLATE_SEND)
    assert message.json["touser"] == "o-clerk-near"
