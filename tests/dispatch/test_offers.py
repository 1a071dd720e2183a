"""Offers with deadlines (dispatch.services.offers and chain): make, accept, decline, the HQ
queue and assignment by hand, and the stock that follows each offer."""

from datetime import timedelta

import pytest
from django.test.utils import override_settings

from dispatch.exceptions import (
    DeclineReasonRequired,
    DispatchError,
    InvalidOfferTransition,
    NotYourOffer,
    OfferExpired,
)
from dispatch.models import Dispatch, DispatchEvent, DispatchOffer, DispatchPolicy
from dispatch.services import (
    dispatch_assign,
    dispatch_cancel,
    dispatch_offer_accept,
    dispatch_offer_decline,
    dispatch_offer_make,
    dispatch_offers_expire,
    dispatch_route,
)
from dispatch.status import DISPATCH_TRANSITIONS, OFFER_TRANSITIONS
from inventory.models import Reservation, Transfer
from inventory.services import stock_adjust
from stores.models import Staff
from tests.dispatch.conftest import JING_AN, NOW

pytestmark = pytest.mark.django_db

OfferStatus, DispatchState = DispatchOffer.Status, Dispatch.State
GRACE = timedelta(minutes=30)


def place(city, lines, member=None, *, reserve=True):
    """Route a basket and place the paid order as checkout will: the chosen store's own lines
    held there. Returns (order, decision)."""
    decision = dispatch_route(
        latitude=JING_AN[0],
        longitude=JING_AN[1],
        lines=[(sku.pk, q) for sku, q in lines],
        member=member,
        now=NOW,
    )
    own = [(sku, q) for sku, q in lines if sku.pk in decision.plans[0]["covers"]]
    order = city.order(member, lines)
    if reserve:
        city.reserve(order, decision.store, own)
    return order, decision


@pytest.fixture
def three_stores(city):
    """The dress (M) at near, mid and home; a new customer's order goes near → mid → home."""
    for store in (city.near, city.mid, city.home):
        city.stock(store, city.dress_m, 2)
    order, decision = place(city, [(city.dress_m, 1)], city.member())
    return order, decision


def test_the_chosen_store_gets_an_offer_with_hqs_deadline_and_the_stock_stays_held(
    city, three_stores, hook_calls, django_capture_on_commit_callbacks
):
    order, decision = three_stores

    with django_capture_on_commit_callbacks(execute=True):
        offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    assert offer.store == city.near and offer.status == OfferStatus.OFFERED
    assert offer.deadline == NOW + timedelta(minutes=60)
    assert offer.basis == DispatchOffer.Basis.ROUTED
    assert Dispatch.objects.get(order=order).state == DispatchState.OFFERED
    assert city.level(city.near, city.dress_m) == (2, 1)
    [hold] = Reservation.objects.filter(owner=order.reservation_owner, state="active")
    assert (hold.store, hold.expires_at) == (city.near, offer.deadline + GRACE)
    assert [call["offer"] for call in hook_calls["offer_made"]] == [offer]
    assert decision.__class__.objects.get(pk=decision.pk).order == order


def test_hq_sets_the_accept_deadline(city, three_stores):
    DispatchPolicy.objects.update_or_create(pk=1, defaults={"accept_timeout_minutes": 20})
    order, decision = three_stores

    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    assert offer.deadline == NOW + timedelta(minutes=20)


def test_making_the_offer_twice_changes_nothing(city, three_stores):
    order, decision = three_stores

    first = dispatch_offer_make(order=order, decision=decision, now=NOW)
    again = dispatch_offer_make(order=order, decision=decision, now=NOW + timedelta(minutes=1))

    assert again == first
    assert DispatchOffer.objects.filter(order=order).count() == 1
    assert city.level(city.near, city.dress_m) == (2, 1)


def test_the_store_accepts_stock_becomes_a_sale_and_the_order_side_hook_runs(
    city, three_stores, hook_calls
):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    clerk = city.clerk(city.near)

    accepted = dispatch_offer_accept(offer=offer, staff=clerk, now=NOW + timedelta(minutes=9))

    assert accepted.status == OfferStatus.ACCEPTED
    assert accepted.actor == clerk.user
    assert accepted.responded_at == NOW + timedelta(minutes=9)
    assert Dispatch.objects.get(order=order).state == DispatchState.ACCEPTED
    assert city.level(city.near, city.dress_m) == (1, 0)  # sold: on hand and reserved drop
    assert [(c["order"], c["offer"], c["actor"]) for c in hook_calls["offer_accepted"]] == [
        (order, accepted, clerk.user)
    ]
    kinds = list(
        DispatchEvent.objects.filter(dispatch__order=order).values_list("kind", "to_state")
    )
    assert kinds == [
        ("routed", ""),
        ("offered", "offered"),
        ("state", "offered"),
        ("accepted", "accepted"),
        ("state", "accepted"),
    ]


def test_a_failing_order_side_hook_undoes_the_acceptance(city, three_stores):
    from dispatch import hooks

    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    def refuse(**kwargs):
        raise RuntimeError("order could not move")

    hooks.offer_accepted.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)
    finally:
        hooks.offer_accepted.disconnect(refuse)

    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED
    assert city.level(city.near, city.dress_m) == (2, 1)


def test_only_the_offered_stores_staff_or_hq_may_answer(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    other = city.clerk(city.mid)
    gone = city.clerk(city.near)
    gone.is_active = False
    gone.save()

    for staff in (other, gone, None):
        with pytest.raises(NotYourOffer):
            dispatch_offer_accept(offer=offer, staff=staff, now=NOW)
    hq = city.clerk(city.depot, role=Staff.Role.HQ)
    assert dispatch_offer_accept(offer=offer, staff=hq, now=NOW).status == OfferStatus.ACCEPTED


def test_accepting_after_the_deadline_is_refused(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    with pytest.raises(OfferExpired) as late:
        dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=offer.deadline)

    assert late.value.code == "offer_expired"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OFFERED  # the sweep moves it on


def test_an_answered_offer_cannot_be_answered_again(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    clerk = city.clerk(city.near)
    dispatch_offer_accept(offer=offer, staff=clerk, now=NOW)

    with pytest.raises(InvalidOfferTransition):
        dispatch_offer_decline(offer=offer, staff=clerk, reason="too busy", now=NOW)
    with pytest.raises(InvalidOfferTransition):
        dispatch_offer_accept(offer=offer, staff=clerk, now=NOW)


def test_a_decline_goes_to_the_next_store_and_the_stock_moves_with_it(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    clerk = city.clerk(city.near)
    later = NOW + timedelta(minutes=5)

    following = dispatch_offer_decline(offer=offer, staff=clerk, reason="no courier", now=later)

    offer.refresh_from_db()
    assert (offer.status, offer.reason, offer.actor) == (
        OfferStatus.DECLINED,
        "no courier",
        clerk.user,
    )
    assert following.store == city.mid
    assert following.basis == DispatchOffer.Basis.NEXT_CANDIDATE
    assert following.deadline == later + timedelta(minutes=60)
    assert city.level(city.near, city.dress_m) == (2, 0)
    assert city.level(city.mid, city.dress_m) == (2, 1)
    assert Dispatch.objects.get(order=order).state == DispatchState.OFFERED


def test_a_decline_needs_a_reason(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    with pytest.raises(DeclineReasonRequired):
        dispatch_offer_decline(offer=offer, staff=city.clerk(city.near), reason="  ", now=NOW)


def test_deadline_passed_goes_to_the_next_store_never_one_tried(city, three_stores, hook_calls):
    order, decision = three_stores
    first = dispatch_offer_make(order=order, decision=decision, now=NOW)

    # near lets the deadline pass → mid; mid declines → home; home lets it pass → HQ.
    dispatch_offers_expire(now=first.deadline)
    second = DispatchOffer.objects.get(order=order, status=OfferStatus.OFFERED)
    third = dispatch_offer_decline(
        offer=second, staff=city.clerk(city.mid), reason="closing early", now=second.deadline
    )
    dispatch_offers_expire(now=third.deadline + timedelta(seconds=1))

    offers = list(DispatchOffer.objects.filter(order=order).values_list("store__code", "status"))
    assert offers == [
        ("near", OfferStatus.EXPIRED),
        ("mid", OfferStatus.DECLINED),
        ("home", OfferStatus.EXPIRED),
    ]
    assert Dispatch.objects.get(order=order).state == DispatchState.QUEUED


def test_a_store_offered_by_hq_is_not_offered_again_by_the_chain(city, three_stores):
    # near is offered by routing; HQ moves the order to home by hand; home lets it pass.
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    hand = dispatch_assign(dispatch=offer.dispatch, store=city.home, actor=None, now=NOW)

    dispatch_offers_expire(now=hand.deadline)

    # The chain skips near and home (both tried) and goes to mid.
    live = DispatchOffer.objects.get(order=order, status=OfferStatus.OFFERED)
    assert live.store == city.mid
    assert city.level(city.mid, city.dress_m) == (2, 1)
    assert city.level(city.home, city.dress_m) == (2, 0)


def test_when_every_store_is_tried_the_order_waits_for_hq_with_its_stock_held(
    city, three_stores, hook_calls, django_capture_on_commit_callbacks
):
    DispatchPolicy.objects.update_or_create(pk=1, defaults={"max_stores_tried": 2})
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offers_expire(now=offer.deadline)
    second = DispatchOffer.objects.get(order=order, status=OfferStatus.OFFERED)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_offers_expire(now=second.deadline)

    dispatch = Dispatch.objects.get(order=order)
    assert dispatch.state == DispatchState.QUEUED  # home was a candidate, but HQ allows two stores
    assert [c["dispatch"] for c in hook_calls["dispatch_queued"]] == [dispatch]
    [hold] = Reservation.objects.filter(owner=order.reservation_owner, state="active")
    assert hold.store == city.mid
    assert hold.expires_at == second.deadline + timedelta(hours=24)
    assert city.level(city.mid, city.dress_m) == (2, 1)


def test_a_candidate_whose_stock_is_gone_is_skipped(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    stock_adjust(store=city.mid, sku=city.dress_m, delta=-2, reason="adjustment")  # sold out

    following = dispatch_offer_decline(
        offer=offer, staff=city.clerk(city.near), reason="no courier", now=NOW
    )

    assert following.store == city.home
    skipped = DispatchEvent.objects.get(dispatch__order=order, kind=DispatchEvent.Kind.SKIPPED)
    assert skipped.store == city.mid and "insufficient_stock" in skipped.note
    assert city.level(city.home, city.dress_m) == (2, 1)
    assert city.level(city.near, city.dress_m) == (2, 0)


def test_a_candidate_closed_at_its_turn_is_skipped(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    city.mid.opening_hours = {**city.mid.opening_hours, "mon": ["09:00", "14:30"]}
    city.mid.save()

    following = dispatch_offer_decline(
        offer=offer,
        staff=city.clerk(city.near),
        reason="no courier",
        now=NOW + timedelta(hours=2),
    )

    assert following.store == city.home
    assert DispatchEvent.objects.filter(kind="skipped", store=city.mid, note="store closed")


def test_an_order_without_stock_held_yet_gets_it_at_the_first_store(city):
    city.stock(city.near, city.dress_m, 1)
    order, decision = place(city, [(city.dress_m, 1)], reserve=False)

    dispatch_offer_make(order=order, decision=decision, now=NOW)

    assert city.level(city.near, city.dress_m) == (1, 1)


def test_a_partial_store_gets_transfers_that_are_cancelled_when_it_declines(city):
    # near has the dress only, mid the dress only; the shirt is at the far store.
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.mid, city.dress_m, 1)
    city.stock(city.far, city.shirt, 2)
    order, decision = place(city, [(city.dress_m, 1), (city.shirt, 1)])

    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    assert offer.kind == DispatchOffer.Kind.PARTIAL and offer.covers == [city.dress_m.pk]
    [transfer] = offer.transfers.all()
    assert (transfer.from_store, transfer.to_store, transfer.state) == (
        city.far,
        city.near,
        Transfer.State.REQUESTED,
    )
    assert city.level(city.far, city.shirt) == (2, 1)  # held for the transfer
    assert city.level(city.near, city.dress_m) == (1, 1)

    following = dispatch_offer_decline(
        offer=offer, staff=city.clerk(city.near), reason="no courier", now=NOW
    )

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.CANCELLED
    assert following.store == city.mid
    [again] = following.transfers.all()
    assert (again.from_store, again.to_store) == (city.far, city.mid)
    assert city.level(city.far, city.shirt) == (2, 1)
    assert city.level(city.near, city.dress_m) == (1, 0)
    assert city.level(city.mid, city.dress_m) == (1, 1)


def test_accepting_a_partial_offer_sells_only_the_stores_own_lines(city):
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.far, city.shirt, 2)
    order, decision = place(city, [(city.dress_m, 1), (city.shirt, 1)])
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)

    assert city.level(city.near, city.dress_m) == (0, 0)
    assert offer.transfers.get().state == Transfer.State.REQUESTED  # still on its way


def test_a_warehouse_parcel_is_offered_to_the_warehouse(city):
    city.stock(city.depot, city.dress_m, 10)
    order, decision = place(city, [(city.dress_m, 1)])

    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    assert (offer.store, offer.kind) == (city.depot, DispatchOffer.Kind.PARCEL)


def test_hq_assigns_a_queued_order_by_hand_even_to_a_store_tried_before(city, three_stores):
    DispatchPolicy.objects.update_or_create(pk=1, defaults={"max_stores_tried": 1})
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offers_expire(now=offer.deadline)
    dispatch = Dispatch.objects.get(order=order)
    assert dispatch.state == DispatchState.QUEUED
    hq_user = city.clerk(city.depot, role=Staff.Role.HQ).user

    assigned = dispatch_assign(
        dispatch=dispatch, store=city.near, actor=hq_user, note="phoned", now=offer.deadline
    )

    assert (assigned.store, assigned.basis) == (city.near, DispatchOffer.Basis.HQ_ASSIGNMENT)
    assert assigned.covers == [city.dress_m.pk]  # its own held unit counts as its stock
    assert Dispatch.objects.get(order=order).state == DispatchState.OFFERED
    assert city.level(city.near, city.dress_m) == (2, 1)


def test_hq_reassigning_withdraws_the_live_offer_and_moves_the_stock(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    hq_user = city.clerk(city.depot, role=Staff.Role.HQ).user

    assigned = dispatch_assign(
        dispatch=offer.dispatch, store=city.home, actor=hq_user, note="VIP", now=NOW
    )

    offer.refresh_from_db()
    assert (offer.status, offer.actor, offer.reason) == (OfferStatus.WITHDRAWN, hq_user, "VIP")
    assert assigned.store == city.home
    assert city.level(city.near, city.dress_m) == (2, 0)
    assert city.level(city.home, city.dress_m) == (2, 1)


def test_hq_cannot_assign_an_accepted_order(city, three_stores):
    from dispatch.exceptions import InvalidDispatchTransition

    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)

    with pytest.raises(InvalidDispatchTransition):
        dispatch_assign(dispatch=offer.dispatch, store=city.mid, actor=None, now=NOW)
    assert city.level(city.mid, city.dress_m) == (2, 0)


def test_no_store_can_take_it_at_payment_time_queues_it_at_once(city):
    city.stock(city.near, city.dress_m, 1)
    order, decision = place(city, [(city.dress_m, 1)])
    city.near.opening_hours = {**city.near.opening_hours, "mon": ["09:00", "13:00"]}
    city.near.save()  # closed by the time the payment arrives

    with override_settings(DISPATCH_QUEUE_HOLD_HOURS=6):
        assert dispatch_offer_make(order=order, decision=decision, now=NOW) is None

    assert Dispatch.objects.get(order=order).state == DispatchState.QUEUED
    [hold] = Reservation.objects.filter(owner=order.reservation_owner, state="active")
    assert hold.expires_at == NOW + timedelta(hours=6)


def test_cancelling_before_acceptance_withdraws_the_offer_and_gives_the_stock_back(
    city, three_stores
):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)

    dispatch = dispatch_cancel(order=order, reason="shopper cancelled", now=NOW)

    offer.refresh_from_db()
    assert (offer.status, offer.reason) == (OfferStatus.WITHDRAWN, "shopper cancelled")
    assert dispatch.state == DispatchState.CANCELLED
    assert city.level(city.near, city.dress_m) == (2, 0)
    # A late sweep or answer finds nothing to move.
    assert dispatch_offers_expire(now=offer.deadline) == 0
    with pytest.raises(InvalidOfferTransition):
        dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)


def test_cancelling_after_acceptance_leaves_the_sale_alone(city, three_stores):
    order, decision = three_stores
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)

    dispatch_cancel(order=order, reason="refunded", now=NOW)

    assert Dispatch.objects.get(order=order).state == DispatchState.CANCELLED
    assert city.level(city.near, city.dress_m) == (1, 0)  # sold; the refund restocks


def test_a_decision_for_another_order_is_refused(city, three_stores):
    order, decision = three_stores
    dispatch_offer_make(order=order, decision=decision, now=NOW)
    other = city.order(city.member(), [(city.dress_m, 1)])

    with pytest.raises(DispatchError):
        dispatch_offer_make(order=other, decision=decision, now=NOW)


def test_the_state_tables_only_allow_forward_moves():
    assert OFFER_TRANSITIONS[OfferStatus.OFFERED] == {
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
        OfferStatus.EXPIRED,
        OfferStatus.WITHDRAWN,
    }
    assert all(
        not OFFER_TRANSITIONS[s]
        for s in (OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED)
    )
    assert DispatchState.NEW not in set().union(*DISPATCH_TRANSITIONS.values())
    assert DISPATCH_TRANSITIONS[DispatchState.CANCELLED] == set()
