"""Delivery offers reach the chain's systems through the outbox: made, then expired (and the
next offer made), in order, in bulk and one by one."""

import pytest

from dispatch.services import dispatch_offers_expire
from o2o.models import OutboxEvent
from o2o.outbox import EventType
from tests.dispatch.test_sweep import offered_orders

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["bulk", "one_by_one"])
def test_offers_made_and_expired_are_reported_in_order(city, monkeypatch, path):
    if path == "one_by_one":
        monkeypatch.setattr("dispatch.services.sweep._in_bulk", lambda *args: False)
    offers = offered_orders(city, 2)

    dispatch_offers_expire(now=offers[0].deadline)

    for offer in offers:
        events = list(
            OutboxEvent.objects.filter(aggregate=f"dispatch:{offer.order.number}")
            .order_by("id")
            .values_list("event_type", "payload__store")
        )
        assert events == [
            (EventType.DISPATCH_OFFER_MADE, "near"),
            (EventType.DISPATCH_OFFER_EXPIRED, "near"),
            (EventType.DISPATCH_OFFER_MADE, "mid"),
        ]
