"""The whole delivery with a real Celery worker and a real beat against Redis: a paid delivery
order is offered to the nearest store; its deadline is moved into the past; beat sends the sweep,
the worker runs it and the order goes to the next store, which accepts and delivers."""

import time
from datetime import timedelta

import pytest
from celery.beat import EmbeddedService
from django.utils import timezone

from dispatch.models import Delivery, DispatchEvent, DispatchOffer
from dispatch.services import dispatch_offer_accept
from dispatch.services.checkout import delivery_order_place
from dispatch.services.delivery import delivery_courier_assign, delivery_hand_over, delivery_pack
from orders.models import Cart, CartLine, Order
from tests.dispatch.conftest import JING_AN
from tests.orders.placing import pay

OfferStatus = DispatchOffer.Status
WAIT_SECONDS = 30


@pytest.fixture
def beat(celery_worker_app, tmp_path):
    """A real beat (celery.beat, in a thread) sending only the deadline sweep, every second, to
    the worker's private queue."""
    app = celery_worker_app
    previous = app.conf.beat_schedule
    app.conf.beat_schedule = {
        "dispatch-expire-offers": {"task": "dispatch.tasks.expire_offers", "schedule": 1.0}
    }
    service = EmbeddedService(
        app, thread=True, max_interval=1, schedule_filename=str(tmp_path / "beat-schedule")
    )
    service.start()
    try:
        yield service
    finally:
        service.stop()
        service.join(timeout=10)
        app.conf.beat_schedule = previous


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT_SECONDS} s"
        time.sleep(0.2)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_paid_order_is_swept_to_the_next_store_which_accepts_and_delivers(city, beat):
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, 2)
    member = city.member()
    cart = Cart.objects.create(member=member)
    CartLine.objects.create(cart=cart, sku=city.dress_m, quantity=1)
    address = {
        "name": "李",
        "phone": "139",
        "address": "南京西路 1 号",
        "latitude": JING_AN[0],
        "longitude": JING_AN[1],
    }
    order = pay(delivery_order_place(cart=cart, member=member, address=address))
    first = DispatchOffer.objects.get(order=order)
    assert (first.store, first.status) == (city.near, OfferStatus.OFFERED)

    # The store lets the hour pass.
    DispatchOffer.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    wait_for(
        lambda: (
            DispatchOffer.objects.filter(order=order, status=OfferStatus.OFFERED)
            .exclude(pk=first.pk)
            .exists()
        ),
        "the sweep's reassignment",
    )
    first.refresh_from_db()
    second = DispatchOffer.objects.get(order=order, status=OfferStatus.OFFERED)
    assert first.status == OfferStatus.EXPIRED
    assert second.store == city.mid
    # Beat keeps firing: the order is never reassigned twice.
    time.sleep(2)
    assert DispatchEvent.objects.filter(dispatch__order=order, kind="expired").count() == 1
    assert DispatchOffer.objects.filter(order=order).count() == 2

    clerk = city.clerk(city.mid)
    dispatch_offer_accept(offer=second, staff=clerk)
    delivery_pack(order=order, staff=clerk)
    delivery_courier_assign(order=order, staff=clerk, courier=clerk)
    delivery_hand_over(order=order, staff=clerk, code=Delivery.objects.get(order=order).code)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.fulfilling_store == city.mid
    assert city.level(city.mid, city.dress_m) == (1, 0)
    assert city.level(city.near, city.dress_m) == (2, 0)
