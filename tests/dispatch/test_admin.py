"""HQ's dispatch admin: decisions readable with their reasons, the queue, assignment by hand."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from dispatch.models import Dispatch, DispatchOffer, DispatchPolicy
from dispatch.selectors import offer_response_summary
from dispatch.services import (
    dispatch_offer_accept,
    dispatch_offer_decline,
    dispatch_offer_make,
    dispatch_offers_expire,
    dispatch_route,
)
from tests.dispatch.conftest import JING_AN, NOW

pytestmark = pytest.mark.django_db


def routed_order(city, member=None):
    decision = dispatch_route(
        latitude=JING_AN[0],
        longitude=JING_AN[1],
        lines=[(city.dress_m.pk, 1)],
        member=member,
        now=NOW,
    )
    order = city.order(member, [(city.dress_m, 1)], reserve_at=decision.store)
    return order, decision


@pytest.fixture
def queued(city):
    """An order every candidate store let pass: it waits for HQ."""
    DispatchPolicy.objects.update_or_create(pk=1, defaults={"max_stores_tried": 1})
    city.stock(city.near, city.dress_m, 2)
    city.stock(city.home, city.dress_m, 2)
    order, decision = routed_order(city)
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offers_expire(now=offer.deadline)
    return Dispatch.objects.get(order=order)


@pytest.mark.parametrize(
    "url",
    [
        "admin:dispatch_routedecision_changelist",
        "admin:dispatch_dispatch_changelist",
        "admin:dispatch_dispatchoffer_changelist",
        "admin:dispatch_dispatchpolicy_changelist",
    ],
)
def test_pages_load(admin_client, queued, url):
    assert admin_client.get(reverse(url)).status_code == 200


def test_hq_reads_a_decision_with_its_reason_candidates_and_credit(admin_client, city):
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.mid, city.dress_m, 1)
    member = city.member(home=city.home)
    _order, decision = routed_order(city, member)

    page = admin_client.get(reverse("admin:dispatch_routedecision_change", args=[decision.pk]))

    text = page.content.decode()
    assert "Home store home lacks dress-m (needs 1, has 0)" in text
    assert "credited to the home store" in text
    assert "<td>near</td><td>full</td>" in text  # the stores to offer, in order
    assert "<td>near</td><td>0.146</td><td>5.0</td><td>dress-m: 1</td>" in text  # candidates
    assert "dress-m ×1" in text  # the basket
    assert "Nearest store with stock" in text


def test_the_queue_lists_orders_waiting_for_hq(admin_client, queued, city):
    city.stock(city.mid, city.dress_m, 1)
    other, decision = routed_order(city)
    dispatch_offer_make(order=other, decision=decision, now=NOW)

    page = admin_client.get(
        reverse("admin:dispatch_dispatch_changelist"), {"state": Dispatch.State.QUEUED}
    )

    text = page.content.decode()
    assert queued.order.number in text
    assert other.number not in text


def test_hq_assigns_a_queued_order_to_a_store(admin_client, queued, city):
    url = reverse("admin:dispatch_dispatch_assign", args=[queued.pk])
    change = admin_client.get(reverse("admin:dispatch_dispatch_change", args=[queued.pk]))
    assert url in change.content.decode()
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(url, {"store": city.home.pk, "note": "phoned the manager"})

    assert response.status_code == 302
    offer = DispatchOffer.objects.get(order=queued.order, status=DispatchOffer.Status.OFFERED)
    assert (offer.store, offer.basis) == (city.home, DispatchOffer.Basis.HQ_ASSIGNMENT)
    assert offer.dispatch.state == Dispatch.State.OFFERED
    assert city.level(city.home, city.dress_m) == (2, 1)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("offered to home" in m for m in messages)


def test_an_assignment_too_late_is_a_message_and_changes_nothing(admin_client, city):
    # HQ opens the page while the order is offered; the store accepts before HQ submits.
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.home, city.dress_m, 1)
    order, decision = routed_order(city)
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    url = reverse("admin:dispatch_dispatch_assign", args=[offer.dispatch.pk])
    assert admin_client.get(url).status_code == 200
    dispatch_offer_accept(offer=offer, staff=city.clerk(city.near), now=NOW)

    response = admin_client.post(url, {"store": city.home.pk})

    assert response.status_code == 200
    assert "is accepted" in response.content.decode()
    assert DispatchOffer.objects.get(order=order).status == DispatchOffer.Status.ACCEPTED
    assert city.level(city.home, city.dress_m) == (1, 0)


def test_assigning_needs_the_change_permission(client, queued, city):
    user = city.clerk(city.depot).user
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_dispatch"))
    client.force_login(user)

    response = client.post(
        reverse("admin:dispatch_dispatch_assign", args=[queued.pk]), {"store": city.home.pk}
    )

    assert response.status_code == 403
    assert Dispatch.objects.get(pk=queued.pk).state == Dispatch.State.QUEUED


def test_response_summary_measures_answers_within_hqs_target(city):
    for store in (city.near, city.mid, city.home):
        city.stock(store, city.dress_m, 5)
    policy = DispatchPolicy.current()
    answers = []
    for minutes in (5, 40):  # one within the 15-minute target, one after
        order, decision = routed_order(city)
        offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
        answers.append(
            dispatch_offer_accept(
                offer=offer, staff=city.clerk(city.near), now=NOW + timedelta(minutes=minutes)
            )
        )
    order, decision = routed_order(city)
    offer = dispatch_offer_make(order=order, decision=decision, now=NOW)
    dispatch_offer_decline(offer=offer, staff=city.clerk(city.near), reason="busy", now=NOW)
    dispatch_offers_expire(now=NOW + timedelta(minutes=61))  # the next store lets it pass

    summary = offer_response_summary(
        since=NOW, until=NOW + timedelta(hours=2), target_minutes=policy.response_target_minutes
    )

    # Five offers: two accepted (5 and 40 minutes), one declined at once, one expired, and
    # the offer that followed it, still open.
    assert (summary.offers, summary.answered, summary.within_target, summary.expired) == (
        5,
        3,
        2,
        1,
    )
    assert summary.within_target_share == 0.5
