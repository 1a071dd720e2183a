"""Store events: capacity under a crowd, cancel before the cut-off, check-in by voucher."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from members.models import MemberTag
from promotions.exceptions import BookingNotAllowed, EventFull, InvalidEventStart, VoucherUnknown
from promotions.models import EventBooking, StoreEvent
from promotions.services.events import (
    event_book,
    event_booking_cancel,
    event_check_in,
    event_no_shows_record,
    event_start_check,
    store_event_publish,
)
from tests.orders.shopper_helpers import log_in
from tests.promotions.event_fixtures import store_event_make
from tests.promotions.flash_fixtures import run_together, shoppers_make

B = EventBooking.Status


@pytest.mark.django_db(transaction=True)
def test_sixty_concurrent_bookings_of_twenty_places_book_exactly_twenty(shop):
    event = store_event_make(shop.store, capacity=20)
    members = shoppers_make(60)

    results = run_together(60, lambda index: event_book(event=event, member=members[index]))

    assert sum(isinstance(result, EventBooking) for result in results) == 20
    assert all(isinstance(result, EventBooking | EventFull) for result in results)
    event.refresh_from_db()
    assert event.booked_count == 20
    assert EventBooking.objects.filter(event=event, status=B.BOOKED).count() == 20


@pytest.mark.django_db(transaction=True)
def test_one_member_booking_twice_at_once_holds_one_place(shop):
    event = store_event_make(shop.store, capacity=20)

    results = run_together(8, lambda index: event_book(event=event, member=shop.member))

    assert len({result.pk for result in results}) == 1
    event.refresh_from_db()
    assert event.booked_count == 1


@pytest.mark.django_db
def test_cancelling_frees_a_place_until_the_cut_off(shop):
    event = store_event_make(shop.store, capacity=1)
    booking = event_book(event=event, member=shop.member)
    other = shoppers_make(1)[0]
    with pytest.raises(EventFull):
        event_book(event=event, member=other)

    event_booking_cancel(booking=booking)

    assert event_book(event=event, member=other).status == B.BOOKED
    late = event.starts_at - timedelta(minutes=30)
    with pytest.raises(BookingNotAllowed):
        event_booking_cancel(booking=EventBooking.objects.get(member=other), now=late)
    event.refresh_from_db()
    assert event.booked_count == 1


@pytest.mark.django_db
def test_check_in_by_voucher_once_tags_the_attendee_and_no_shows_are_recorded(shop):
    tag = MemberTag.objects.create(name="丝巾课")
    event = store_event_make(shop.store, capacity=5, follow_up_tag=tag)
    came = event_book(event=event, member=shop.member)
    stayed_home = event_book(event=event, member=shoppers_make(1)[0])
    other_event = store_event_make(shop.other_store, title="other")

    with pytest.raises(VoucherUnknown):
        event_check_in(event=other_event, voucher_code=came.voucher_code, staff=shop.other_clerk)
    booking = event_check_in(event=event, voucher_code=came.voucher_code, staff=shop.clerk)
    with pytest.raises(BookingNotAllowed):
        event_check_in(event=event, voucher_code=came.voucher_code, staff=shop.clerk)

    assert booking.status == B.CHECKED_IN and booking.checked_in_by == shop.clerk
    assert tag in shop.member.tags.all()
    with pytest.raises(BookingNotAllowed):
        event_no_shows_record(event=event)  # not over yet
    assert event_no_shows_record(event=event, now=event.ends_at + timedelta(minutes=1)) == 1
    stayed_home.refresh_from_db()
    assert stayed_home.status == B.NO_SHOW
    assert list(stayed_home.events.values_list("to_status", flat=True)) == [B.BOOKED, B.NO_SHOW]


@pytest.mark.django_db
def test_a_member_holds_a_bounded_number_of_upcoming_bookings(shop):
    for index in range(5):
        event_book(event=store_event_make(shop.store, title=f"e{index}"), member=shop.member)
    with pytest.raises(BookingNotAllowed):
        event_book(event=store_event_make(shop.store, title="one too many"), member=shop.member)


@pytest.mark.django_db
def test_the_event_page_books_shows_the_voucher_and_cancels(client, shop):
    event = store_event_make(shop.store, capacity=3)
    log_in(client, shop.member)

    client.post(f"/events/{event.pk}/book/")
    page = client.get(f"/events/{event.pk}/")

    booking = EventBooking.objects.get()
    assert booking.voucher_code in page.content.decode()
    assert "data:image/png;base64" in page.content.decode()
    client.post(f"/events/{event.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == B.CANCELLED
    assert StoreEvent.objects.get().booked_count == 0


@pytest.mark.django_db
def test_hostile_input_on_event_pages_answers_4xx_and_changes_nothing(client, shop):
    event = store_event_make(shop.store, capacity=3)
    past = store_event_make(
        shop.store,
        title="past",
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    log_in(client, shop.member)
    assert client.get("/events/99999999/").status_code == 404
    assert client.get("/events/abc/").status_code == 404
    assert client.get(f"/events/{event.pk}/book/").status_code == 405
    response = client.post(f"/events/{past.pk}/book/")
    assert response.status_code == 302
    client.force_login(shop.clerk.user)
    for voucher in ["", "x" * 500, "a\x00b", "nope"]:
        response = client.post(f"/staff/events/{event.pk}/check-in/", {"voucher": voucher})
        assert response.status_code in (302, 400), voucher  # a NUL byte is refused up front
    assert client.get(f"/staff/events/{store_event_make(shop.other_store).pk}/").status_code == 404
    assert EventBooking.objects.count() == 0


@pytest.mark.django_db
def test_the_clerk_sees_attendees_and_checks_one_in(client, shop):
    event = store_event_make(shop.store, capacity=3)
    booking = event_book(event=event, member=shop.member)
    client.force_login(shop.clerk.user)

    client.post(f"/staff/events/{event.pk}/check-in/", {"voucher": booking.voucher_code})
    page = client.get(f"/staff/events/{event.pk}/").content.decode()

    assert shop.member.display_name in page
    assert "Checked in" in page
    booking.refresh_from_db()
    assert booking.status == B.CHECKED_IN


@pytest.mark.django_db
def test_the_manager_publishes_an_event_and_bad_input_changes_nothing(client, shop):
    client.force_login(shop.manager.user)
    starts = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT15:00")
    form = {"title": "新品试穿会", "starts_at": starts, "minutes": "90", "capacity": "12"}
    form["cancel_cutoff_hours"] = "2"

    for bad in [
        {"capacity": "0"},
        {"capacity": "1e9"},
        {"title": ""},
        {"title": "x" * 81},
        {"starts_at": "yesterday"},
        {"starts_at": "2001-01-01T10:00"},
        {"minutes": "-5"},
    ]:
        assert client.post("/staff/events/new/", {**form, **bad}).status_code == 200, bad
    assert StoreEvent.objects.count() == 0
    response = client.post("/staff/events/new/", form)

    event = StoreEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/events/{event.pk}/"
    assert (event.store, event.capacity, event.title) == (shop.store, 12, "新品试穿会")
    assert (event.ends_at - event.starts_at) == timedelta(minutes=90)


NOON = timezone.make_aware(datetime(2027, 3, 1, 12, 0))


@pytest.mark.parametrize(
    "starts_at, allowed",
    [
        (NOON - timedelta(minutes=1), False),
        (NOON, False),  # starting now is starting in the past by the time anyone books
        (NOON + timedelta(minutes=1), True),
        (timezone.make_aware(datetime(2028, 3, 1, 12, 0)), True),  # 12 months ahead exactly
        (timezone.make_aware(datetime(2028, 3, 1, 12, 1)), False),
    ],
)
def test_an_event_starts_in_the_future_at_most_twelve_months_ahead(starts_at, allowed):
    if allowed:
        event_start_check(starts_at, now=NOON)
    else:
        with pytest.raises(InvalidEventStart):
            event_start_check(starts_at, now=NOON)


def test_an_unchanged_start_is_not_checked_again_a_changed_one_is():
    started = NOON - timedelta(days=3)

    event_start_check(started, now=NOON, previous=started)  # editing the title of a past event
    with pytest.raises(InvalidEventStart, match="in the past"):
        event_start_check(started + timedelta(hours=1), now=NOON, previous=started)


@pytest.mark.django_db
def test_publishing_an_event_a_year_and_a_day_ahead_is_refused(shop):
    starts = timezone.now() + timedelta(days=367)

    with pytest.raises(InvalidEventStart, match="12 months"):
        store_event_publish(
            store=shop.store,
            title="明年的课",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=10,
        )
    assert StoreEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_manager_is_told_on_the_page_why_a_start_is_refused(client, shop):
    client.force_login(shop.manager.user)
    form = {"title": "新品试穿会", "minutes": "90", "capacity": "12", "cancel_cutoff_hours": "2"}
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT15:00")
    far = (timezone.localtime() + timedelta(days=400)).strftime("%Y-%m-%dT15:00")

    too_early = client.post("/staff/events/new/", {**form, "starts_at": past})
    too_late = client.post("/staff/events/new/", {**form, "starts_at": far})

    assert too_early.status_code == too_late.status_code == 200
    assert "An event cannot start in the past" in too_early.content.decode()
    assert "An event starts at most 12 months ahead" in too_late.content.decode()
    assert f'value="{far}"' in too_late.content.decode()  # what she typed is kept
    assert StoreEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_desk_scanner_checks_a_voucher_in_at_its_own_store_only(client, shop):
    event = store_event_make(shop.store, capacity=3)
    booking = event_book(event=event, member=shop.member)
    assert booking.voucher_code.startswith("EV") and len(booking.voucher_code) == 26

    client.force_login(shop.other_clerk.user)
    elsewhere = client.post(
        "/staff/scan/resolve/", {"text": booking.voucher_code}, HTTP_HX_REQUEST="true"
    )
    client.force_login(shop.clerk.user)
    here = client.post(
        "/staff/scan/resolve/", {"text": booking.voucher_code}, HTTP_HX_REQUEST="true"
    )
    again = client.post(
        "/staff/scan/resolve/", {"text": booking.voucher_code}, HTTP_HX_REQUEST="true"
    )
    unknown = client.post("/staff/scan/resolve/", {"text": "EV" + "x" * 24}, HTTP_HX_REQUEST="true")

    assert elsewhere.status_code == 403 and "sh01 店" in elsewhere.content.decode()
    assert here.status_code == 200 and "Checked in" in here.content.decode()
    assert again.status_code == 409
    assert unknown.status_code == 404
    booking.refresh_from_db()
    assert booking.status == B.CHECKED_IN and booking.checked_in_by == shop.clerk
