"""Delivery offers on the store desk (the Today board's first section): listed with a countdown,
accepted or declined with a reason from there; another store's offer does not exist here."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from dispatch.models import DispatchOffer
from inventory.models import Reservation
from inventory.services import reservations_release, stock_adjust
from tests.dispatch.offer_helpers import delivery_offer_make

pytestmark = pytest.mark.django_db

HOME = "/staff/"
BOARD = "/staff/today/"
OfferStatus = DispatchOffer.Status


@pytest.fixture
def desk(client, shop):
    client.force_login(shop.clerk.user)
    return client


def offer_to(shop, store=None, **extra):
    return delivery_offer_make(store=store or shop.store, lines=[(shop.sku_m, 1)], **extra)


def accept_url(offer):
    return reverse("today_backoffice:offer_accept", args=[offer.pk])


def decline_url(offer):
    return reverse("today_backoffice:offer_decline", args=[offer.pk])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_board_lists_the_stores_offers_with_their_countdown(desk, shop):
    soon = offer_to(shop, now=timezone.now() - timedelta(minutes=50))
    later = offer_to(shop)

    board = desk.get(BOARD, HTTP_HX_REQUEST="true").content.decode()

    section = board[board.index('id="today-offers"') :]
    assert section.index(soon.order.number) < section.index(later.order.number)  # soonest first
    assert f'data-today-item="offers:{soon.pk}"' in board
    assert 'data-seconds-left="' in board
    assert "td-offer td-urgent" in board  # ten minutes left
    assert ">9:5" in board or ">10:00<" in board  # the countdown as drawn
    assert "Accept the delivery" in board
    assert "南京西路 100 号 3 楼" in board
    assert "Delivery orders to accept <b>2</b>" in board  # the chip


def test_another_stores_offers_are_not_on_the_board(desk, shop):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")
    theirs = offer_to(shop, store=shop.other_store)

    board = desk.get(BOARD, HTTP_HX_REQUEST="true").content.decode()

    assert theirs.order.number not in board
    assert "No delivery order waiting" in board


def test_accepting_from_the_board_takes_the_order_and_comes_back(desk, shop):
    offer = offer_to(shop)

    response = desk.post(accept_url(offer), {"next": HOME})

    assert response.status_code == 302 and response["Location"] == HOME
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.actor == shop.clerk.user
    assert said(response) == [
        f"Delivery order {offer.order.number} accepted: it is yours to pack and deliver."
    ]
    assert offer.order.number not in desk.get(BOARD, HTTP_HX_REQUEST="true").content.decode()


def test_declining_with_a_reason_sends_it_to_the_next_store(desk, shop):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")
    offer = offer_to(shop, also=[shop.other_store])

    response = desk.post(
        decline_url(offer), {"reason": " A size or item is missing ", "next": HOME}
    )

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.reason) == (OfferStatus.DECLINED, "A size or item is missing")
    following = DispatchOffer.objects.get(order=offer.order, status=OfferStatus.OFFERED)
    assert following.store == shop.other_store
    assert said(response) == [
        f"Delivery order {offer.order.number} declined: it goes to the next store."
    ]


def test_declining_without_a_reason_is_refused_with_a_clear_message(desk, shop):
    offer = offer_to(shop)

    response = desk.post(decline_url(offer), {"reason": "   ", "next": HOME})

    assert response.status_code == 302
    assert said(response) == [
        "Say why the store declines (for example: a size is missing): the order was not declined."
    ]
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED


@pytest.mark.parametrize("url", [accept_url, decline_url])
def test_another_stores_offer_is_404_and_stays_as_it_was(client, shop, url):
    stock_adjust(store=shop.other_store, sku=shop.sku_m, delta=2, reason="receipt")
    theirs = offer_to(shop, store=shop.other_store)
    client.force_login(shop.clerk.user)

    response = client.post(url(theirs), {"reason": "not ours"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OfferStatus.OFFERED


def test_an_offer_answered_meanwhile_gets_a_message_not_an_error(desk, shop):
    offer = offer_to(shop)
    desk.post(accept_url(offer))

    again = desk.post(accept_url(offer))
    declined = desk.post(decline_url(offer), {"reason": "too late"})

    assert again.status_code == declined.status_code == 302
    assert "already answered or has moved on" in said(again)[-1]
    assert "already answered or has moved on" in said(declined)[-1]


def test_the_deadline_passed_is_said_plainly(desk, shop):
    offer = offer_to(shop, now=timezone.now() - timedelta(minutes=61))

    board = desk.get(BOARD, HTTP_HX_REQUEST="true").content.decode()
    response = desk.post(accept_url(offer))

    assert "deadline passed" in board
    assert "The time to accept this delivery order has passed" in said(response)[0]


def test_answering_is_post_only(desk, shop):
    assert desk.get(accept_url(offer_to(shop))).status_code == 405


def test_an_accept_the_stock_cannot_cover_any_more_gets_a_message_not_an_error(desk, shop):
    offer = offer_to(shop)
    # Its hold lapsed and the store sold the last units over the counter meanwhile.
    reservations_release(
        reservations=Reservation.objects.filter(owner=offer.order.reservation_owner)
    )
    stock_adjust(store=shop.store, sku=shop.sku_m, delta=-3, reason="sale")

    response = desk.post(accept_url(offer), {"next": HOME})

    assert response.status_code == 302 and response["Location"] == HOME
    assert said(response) == [
        "The store no longer has every item of this order in stock: decline it, so it goes to "
        "the next store."
    ]
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED
