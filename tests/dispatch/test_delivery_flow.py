"""Delivery from checkout to the door, through the real services (DESIGN §4 "Routing",
"Attribution"): placed with HQ's fee, routed, offered at payment, accepted, packed, out with a
courier, handed over with one line sent back (refunded, restocked at the delivering store, its
points alone reversed)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.exceptions import InvalidCourier, NoDeliveryRoute, WrongDeliveryCode
from dispatch.models import Delivery, DispatchOffer, DispatchPolicy
from dispatch.services import dispatch_offer_accept
from dispatch.services.checkout import delivery_order_place, delivery_quote
from dispatch.services.delivery import (
    MAX_CODE_ATTEMPTS,
    delivery_courier_assign,
    delivery_hand_over,
    delivery_pack,
    delivery_refund,
)
from members.models import PointsEntry
from orders.models import Cart, CartLine, Order, OrderEvent
from orders.services.refunds import refund_execute, refund_request
from tests.dispatch.conftest import JING_AN
from tests.orders.placing import hold_is_last, pay

S = Order.Status
ADDRESS = {
    "name": "李女士",
    "phone": "13900000001",
    "address": "南京西路 1 号",
    "latitude": JING_AN[0],
    "longitude": JING_AN[1],
}


def cart_of(member, lines):
    cart = Cart.objects.create(member=member)
    for sku, quantity in lines:
        CartLine.objects.create(cart=cart, sku=sku, quantity=quantity)
    return cart


def place_and_pay(city, member, lines):
    order = delivery_order_place(cart=cart_of(member, lines), member=member, address=ADDRESS)
    return pay(order)


@pytest.fixture
def stocked(city):
    for store in (city.near, city.mid, city.home):
        city.stock(store, city.dress_m, 3)
        city.stock(store, city.shirt, 3)
    return city


def test_a_returning_customer_goes_to_her_home_store_even_when_another_is_nearer(stocked):
    city = stocked
    member = city.member(home=city.home)

    order = place_and_pay(city, member, [(city.dress_m, 1)])

    offer = DispatchOffer.objects.get(order=order)
    assert (offer.store, offer.status) == (city.home, DispatchOffer.Status.OFFERED)
    assert order.status == S.PAID
    assert order.credited_store == city.home
    # The stock is held (not sold) at the offered store until it accepts.
    assert city.level(city.home, city.dress_m) == (3, 1)


def test_the_route_is_linked_before_the_stock_is_held(stocked):
    """The hold comes last (tests/orders/test_hold_last.py): the cart is emptied and the route
    decision linked to the order before the routed store's levels are locked."""
    city = stocked
    cart = cart_of(city.member(), [(city.dress_m, 1)])
    with CaptureQueriesContext(connection) as queries:
        order = delivery_order_place(cart=cart, member=cart.member, address=ADDRESS)
    assert hold_is_last(queries)
    assert order.route_decisions.count() == 1 and not cart.lines.exists()


def test_a_new_customer_goes_to_the_nearest_store(stocked):
    city = stocked
    order = place_and_pay(city, city.member(), [(city.dress_m, 1)])

    assert DispatchOffer.objects.get(order=order).store == city.near
    assert order.credited_store == city.near


def test_hq_fee_is_added_below_the_free_amount_and_waived_above(stocked):
    city = stocked
    cheap = city.sku("sock-s", price=9900)
    city.stock(city.near, cheap, 5)
    policy = DispatchPolicy.current()
    assert (policy.delivery_fee, policy.free_delivery_from) == (800, 19900)

    small = place_and_pay(city, city.member(), [(cheap, 1)])
    big = place_and_pay(city, city.member(), [(cheap, 2)])

    assert (small.goods_amount, small.shipping_amount, small.total_amount) == (9900, 800, 10700)
    assert (big.goods_amount, big.shipping_amount, big.total_amount) == (19800, 800, 20600)
    large = place_and_pay(city, city.member(), [(city.dress_m, 1)])
    assert (large.shipping_amount, large.total_amount) == (0, 19900)


def test_nobody_delivers_far_away_and_checkout_refuses_placing_nothing(stocked):
    city = stocked
    member = city.member()
    cart = cart_of(member, [(city.dress_m, 1)])
    far = {**ADDRESS, "latitude": 39.9, "longitude": 116.4}  # Beijing

    quote = delivery_quote(
        lines=list(cart.lines.all()), latitude=far["latitude"], longitude=far["longitude"]
    )
    assert not quote.delivers
    assert quote.nearest_pickup is not None  # pickup offered instead
    with pytest.raises(NoDeliveryRoute):
        delivery_order_place(cart=cart, member=member, address=far)
    assert not Order.objects.exists()
    assert cart.lines.count() == 1


def test_the_quote_promises_one_hour_when_open_and_writes_nothing(stocked):
    city = stocked
    member = city.member(home=city.home)
    cart = cart_of(member, [(city.dress_m, 1)])

    quote = delivery_quote(
        lines=list(cart.lines.all()), latitude=JING_AN[0], longitude=JING_AN[1], member=member
    )

    assert quote.store == city.home
    assert quote.promise.kind == "within_hour"
    assert quote.fee == 0
    from dispatch.models import RouteDecision

    assert not RouteDecision.objects.exists()


def test_try_at_home_one_line_returned_is_refunded_restocked_and_its_points_reversed(city):
    for store in (city.near, city.mid):
        city.stock(store, city.dress_m, 3)
        city.stock(store, city.shirt, 3)
    city.stock(city.home, city.shirt, 3)  # the home store lacks the dress
    member = city.member(home=city.home)
    order = place_and_pay(city, member, [(city.dress_m, 1), (city.shirt, 1)])
    offer = DispatchOffer.objects.get(order=order, status=DispatchOffer.Status.OFFERED)
    assert offer.store == city.near
    clerk, courier = city.clerk(city.near), city.clerk(city.near)
    courier.phone = "13800000009"
    courier.save(update_fields=["phone"])

    dispatch_offer_accept(offer=offer, staff=clerk)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    # Attribution: the home store keeps the credit; the near store fulfils.
    assert (order.credited_store, order.fulfilling_store) == (city.home, city.near)
    assert city.level(city.near, city.dress_m) == (2, 0)
    assert city.level(city.near, city.shirt) == (2, 0)

    delivery_pack(order=order, staff=clerk)
    with pytest.raises(InvalidCourier):  # a clerk of another store cannot take it out
        delivery_courier_assign(order=order, staff=clerk, courier=city.clerk(city.mid))
    delivery_courier_assign(order=order, staff=clerk, courier=courier)
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY
    delivery = Delivery.objects.get(order=order)
    assert delivery.courier == courier

    with pytest.raises(WrongDeliveryCode):
        delivery_hand_over(
            order=order, staff=courier, code="000000" if delivery.code != "000000" else "111111"
        )
    delivery.refresh_from_db()
    assert delivery.failed_attempts == 1
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY

    shirt_line = order.lines.get(sku=city.shirt)
    dress_line = order.lines.get(sku=city.dress_m)
    delivery = delivery_hand_over(
        order=order, staff=courier, code=delivery.code, returned={shirt_line.pk: 1}
    )
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    earned = PointsEntry.objects.get(
        member=member, reason=PointsEntry.Reason.PURCHASE, reference=order.reservation_owner
    ).delta
    assert earned > 0

    refund = delivery_refund(delivery)
    assert [(line.order_line_id, line.quantity) for line in refund.lines.all()] == [
        (shirt_line.pk, 1)
    ]
    refund_execute(refund=refund)  # what the queued task does after commit

    order.refresh_from_db()
    assert order.status == S.COMPLETED  # the dress was kept
    assert order.refunded_amount == shirt_line.paid_total
    shirt_line.refresh_from_db()
    dress_line.refresh_from_db()
    assert (shirt_line.refunded_quantity, dress_line.refunded_quantity) == (1, 0)
    # The shirt is back on the delivering store's shelf; the dress stays sold.
    assert city.level(city.near, city.shirt) == (3, 0)
    assert city.level(city.near, city.dress_m) == (2, 0)
    assert city.level(city.home, city.shirt) == (3, 0)
    reversal = PointsEntry.objects.get(member=member, reason=PointsEntry.Reason.REVERSAL)
    assert -reversal.delta == earned * shirt_line.paid_total // order.total_amount
    member.refresh_from_db()
    assert member.points_balance == earned + reversal.delta

    statuses = list(
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS).values_list(
            "to_status", flat=True
        )
    )
    assert statuses == [S.PAID, S.ACCEPTED, S.PACKED, S.OUT_FOR_DELIVERY, S.COMPLETED]


def test_the_code_locks_after_too_many_wrong_tries(stocked):
    city = stocked
    order = place_and_pay(city, city.member(), [(city.dress_m, 1)])
    clerk = city.clerk(city.near)
    dispatch_offer_accept(offer=DispatchOffer.objects.get(order=order), staff=clerk)
    delivery_pack(order=order, staff=clerk)
    delivery_courier_assign(order=order, staff=clerk, courier=clerk)
    code = Delivery.objects.get(order=order).code
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(WrongDeliveryCode):
            delivery_hand_over(order=order, staff=clerk, code=wrong)
    from dispatch.exceptions import TooManyCodeAttempts

    with pytest.raises(TooManyCodeAttempts):
        delivery_hand_over(order=order, staff=clerk, code=code)
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY


def test_a_refund_before_any_store_accepted_ends_the_offers_and_frees_the_stock(stocked):
    city = stocked
    order = place_and_pay(city, city.member(), [(city.dress_m, 1)])
    assert city.level(city.near, city.dress_m) == (3, 1)

    refund = refund_request(order=order, lines=None, reason="changed her mind")
    refund_execute(refund=refund)

    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert DispatchOffer.objects.get(order=order).status == DispatchOffer.Status.WITHDRAWN
    # Nothing was sold, so nothing comes back: the hold is simply released.
    assert city.level(city.near, city.dress_m) == (3, 0)
