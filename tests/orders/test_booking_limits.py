"""Try-in-store bookings (网订店试) are bounded: only a slot the store offers, within HQ's horizon,
and a limited number of open bookings per member and per member per store, also when two
bookings arrive at the same moment."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel
from inventory.services import stock_adjust
from orders.booking_slots import appointment_slots
from orders.models import BookingPolicy, CartLine, Order
from orders.services.booking_rules import BookingRefused
from orders.services.cart import cart_get_or_create, cart_line_add
from orders.services.checkout import Line, order_place
from orders.services.expiry import order_cancel
from tests.orders.shopper_helpers import log_in

pytestmark = pytest.mark.django_db
F = Order.Fulfillment
R = BookingRefused


def at(days, hour, minute=0, second=0, *, year=None):
    """A local time `days` from today (the shop's stores open 10:00-22:00 every day)."""
    day = timezone.localdate() + timedelta(days=days)
    if year is not None:
        day = day.replace(year=year)
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def book(shop, appointment_at, *, store=None, member=None, now=None):
    return order_place(
        member=member or shop.member,
        lines=[Line(shop.sku_m, 1)],
        fulfillment=F.TRY_IN_STORE,
        store=store or shop.store,
        appointment_at=appointment_at,
        now=now,
    )


def reserved(shop, store=None):
    return StockLevel.objects.get(store=store or shop.store, sku=shop.sku_m).reserved


@pytest.fixture
def stocked_other_store(shop):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=3, reason="receipt")
    return shop.other_store


# ---- only a slot the store offers, within the horizon ------------------------------------------


@pytest.mark.parametrize(
    "appointment, code",
    [
        (lambda: at(1, 10, year=9999), R.BEYOND_HORIZON),
        (lambda: at(7, 15), R.BEYOND_HORIZON),  # today + 6 is the last of 7 days
        (lambda: at(1, 10, 7, 13), R.NOT_OFFERED),  # not a slot start
        (lambda: at(1, 21, 45), R.NOT_OFFERED),  # would run past 22:00 closing
        (lambda: at(1, 23), R.STORE_CLOSED),
        (lambda: at(-1, 15), R.PAST),
    ],
    ids=["year-9999", "day-8", "10:07:13", "past-closing", "closed", "yesterday"],
)
def test_booking_only_a_slot_the_store_offers_within_the_horizon(shop, appointment, code):
    with pytest.raises(BookingRefused) as refused:
        book(shop, appointment())

    assert refused.value.code == code
    assert not Order.objects.exists() and reserved(shop) == 0


def test_booking_accepts_exactly_the_slots_the_checkout_lists(shop):
    days = appointment_slots(store=shop.store, days=BookingPolicy.current().horizon_days)
    first, last = days[0][1][0], days[-1][1][-1]

    assert timezone.localtime(last).time() == time(21, 30)  # the last slot ends at closing
    assert timezone.localdate(last) == timezone.localdate() + timedelta(days=6)
    assert book(shop, first).status == Order.Status.BOOKED
    order_cancel(order=Order.objects.get(), note="test")
    assert book(shop, last).appointment_at == last


def test_booking_horizon_is_set_by_hq(shop, client):
    BookingPolicy.objects.update_or_create(pk=1, defaults={"horizon_days": 3})
    log_in(client, shop.member)

    page = client.get(reverse("orders:checkout_slots"), {"store": shop.store.pk}).content.decode()

    assert at(2, 15).isoformat() in page and at(3, 15).isoformat() not in page
    with pytest.raises(BookingRefused) as refused:
        book(shop, at(3, 15))
    assert refused.value.code == R.BEYOND_HORIZON and refused.value.params == {"days": 3}
    assert book(shop, at(2, 15)).status == Order.Status.BOOKED


# ---- how many open bookings a member may hold ----------------------------------------------


def test_booking_limit_per_member_per_store_is_one_by_default(shop, stocked_other_store):
    first = book(shop, at(1, 15))

    with pytest.raises(BookingRefused) as refused:
        book(shop, at(2, 15))

    assert refused.value.code == R.STORE_LIMIT and refused.value.params == {"limit": 1}
    assert reserved(shop) == 1
    # Another store is fine; a visit, cancellation or no-show frees the store again.
    assert book(shop, at(2, 15), store=stocked_other_store).status == Order.Status.BOOKED
    order_cancel(order=first, note="changed my mind")
    assert book(shop, at(3, 15)).status == Order.Status.BOOKED


def test_booking_limit_per_member_is_two_by_default(shop, stocked_other_store):
    BookingPolicy.objects.update_or_create(pk=1, defaults={"max_open_per_member_per_store": 5})
    book(shop, at(1, 15))
    book(shop, at(1, 16), store=stocked_other_store)

    with pytest.raises(BookingRefused) as refused:
        book(shop, at(2, 15))

    assert refused.value.code == R.MEMBER_LIMIT and refused.value.params == {"limit": 2}
    assert Order.objects.filter(status=Order.Status.BOOKED).count() == 2
    # Limits count per member: somebody else still books.
    from members.services.accounts import member_get_or_create_by_phone

    other, _ = member_get_or_create_by_phone(phone="13900139001")
    assert book(shop, at(2, 15), member=other).status == Order.Status.BOOKED


def test_booking_limits_are_set_by_hq(shop, stocked_other_store):
    BookingPolicy.objects.update_or_create(
        pk=1, defaults={"max_open_per_member": 3, "max_open_per_member_per_store": 2}
    )
    book(shop, at(1, 15))
    book(shop, at(2, 15))
    with pytest.raises(BookingRefused):
        book(shop, at(3, 15))  # a third at the same store
    book(shop, at(3, 15), store=stocked_other_store)
    with pytest.raises(BookingRefused):
        book(shop, at(4, 15), store=stocked_other_store)  # a fourth in all

    assert Order.objects.filter(status=Order.Status.BOOKED).count() == 3


def test_booking_needs_a_member(shop):
    with pytest.raises(BookingRefused) as refused:
        order_place(
            member=None,
            lines=[Line(shop.sku_m, 1)],
            fulfillment=F.TRY_IN_STORE,
            store=shop.store,
            appointment_at=at(1, 15),
        )
    assert refused.value.code == R.NEEDS_MEMBER


# ---- the page says why, in words, and keeps the cart --------------------------------------------


@pytest.fixture
def shopper(client, shop):
    log_in(client, shop.member)
    cart_line_add(cart=cart_get_or_create(member=shop.member), sku=shop.sku_m, quantity=1)
    return client


def post_booking(client, shop, appointment):
    return client.post(
        reverse("orders:checkout"),
        {"fulfillment": "try_in_store", "store": shop.store.pk, "appointment": appointment},
    )


@pytest.mark.parametrize(
    "appointment, message",
    [
        (
            lambda: at(1, 10, year=9999).isoformat(),
            "Bookings are taken at most 7 days ahead (today included).",
        ),
        (lambda: at(1, 10, 7, 13).isoformat(), "Choose one of the times the store offers."),
        (lambda: at(1, 21, 45).isoformat(), "Choose one of the times the store offers."),
        (lambda: at(1, 23).isoformat(), "The store is closed at that time."),
    ],
    ids=["year-9999", "10:07:13", "past-closing", "closed"],
)
def test_booking_forged_slot_is_refused_on_the_page_with_a_clear_message(
    shopper, shop, appointment, message
):
    response = post_booking(shopper, shop, appointment())

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists() and CartLine.objects.count() == 1


def test_booking_over_the_limit_is_refused_on_the_page_with_a_clear_message(shopper, shop):
    book(shop, at(1, 15))

    response = post_booking(shopper, shop, at(2, 15).isoformat())

    page = response.content.decode()
    assert response.status_code == 200
    assert "You already have 1 open booking at this store, the most allowed." in page
    assert Order.objects.count() == 1 and CartLine.objects.count() == 1


def test_booking_messages_are_translated(shopper, shop, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    book(shop, at(1, 15))

    page = post_booking(shopper, shop, at(2, 15).isoformat()).content.decode()
    assert "您在这家门店已有 1 个未完成的预约" in page

    page = post_booking(shopper, shop, at(1, 10, 7, 13).isoformat()).content.decode()
    assert "请选择门店提供的时间" in page


# ---- two bookings at the same moment -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rule", ["per_store", "per_member"])
def test_booking_limits_hold_for_simultaneous_bookings_by_one_member(shop, rule):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=3, reason="receipt")
    if rule == "per_member":
        # Two different stores, so only the per-member limit (set to 1) can stop the second.
        BookingPolicy.objects.update_or_create(pk=1, defaults={"max_open_per_member": 1})
        stores = [shop.store, shop.other_store]
    else:
        BookingPolicy.current()  # the row exists, as in production: no insert race to hide in
        stores = [shop.store, shop.store]
    barrier = threading.Barrier(len(stores), timeout=10)
    placed, refused, errors = [], [], []

    def attempt(store, hour):
        try:
            barrier.wait()
            placed.append(book(shop, at(1, hour), store=store))
        except BookingRefused as error:
            refused.append(error.code)
        except BaseException as error:  # asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(store, 14 + index))
        for index, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert len(placed) == 1
    assert refused == [R.STORE_LIMIT if rule == "per_store" else R.MEMBER_LIMIT]
    assert Order.objects.filter(status=Order.Status.BOOKED).count() == 1
    assert reserved(shop, shop.store) + reserved(shop, shop.other_store) == 1
