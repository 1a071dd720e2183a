"""Routing a delivery basket to a store (dispatch.services.routing)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.exceptions import InvalidDeliveryPoint, NoDeliveryRoute
from dispatch.models import DispatchPolicy, RouteDecision
from dispatch.services import dispatch_route
from inventory.models import Transfer
from tests.dispatch.conftest import JING_AN, NOW

pytestmark = pytest.mark.django_db

Outcome = RouteDecision.Outcome


def route(city, lines, member=None, **kwargs):
    return dispatch_route(
        latitude=JING_AN[0],
        longitude=JING_AN[1],
        lines=[(sku.pk, quantity) for sku, quantity in lines],
        member=member,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def stock_everywhere(city, *skus, units=3):
    for store in (city.near, city.mid, city.home):
        for sku in skus:
            city.stock(store, sku, units)


def test_a_returning_customer_goes_to_her_home_store_even_when_another_is_nearer(city):
    # Given three delivering stores with the dress, and a member whose home store is the
    # furthest of them (~3.9 km; another is 0.15 km away),
    stock_everywhere(city, city.dress_m)
    member = city.member(home=city.home)

    decision = route(city, [(city.dress_m, 1)], member)

    assert decision.outcome == Outcome.HOME_STORE
    assert decision.store == city.home
    assert decision.credited_store == city.home
    # The others follow nearest first: they are asked next if the home store declines.
    assert [p["code"] for p in decision.plans] == ["home", "near", "mid"]
    assert "Home store home has every line" in decision.reason


def test_a_new_customer_goes_to_the_nearest_store_with_stock(city):
    stock_everywhere(city, city.dress_m)
    newcomer = city.member()

    decision = route(city, [(city.dress_m, 1)], newcomer)

    assert decision.outcome == Outcome.NEAREST
    assert decision.store == city.near
    assert decision.credited_store == city.near
    assert [p["code"] for p in decision.plans] == ["near", "mid", "home"]
    assert decision.reason.startswith("New customer: nearest store with every line is near")


def test_the_nearest_store_without_every_line_is_passed_over(city):
    # The nearest store has the dress but not the shirt.
    stock_everywhere(city, city.dress_m)
    city.stock(city.mid, city.shirt, 1)

    decision = route(city, [(city.dress_m, 1), (city.shirt, 1)])

    assert decision.store == city.mid
    assert [p["code"] for p in decision.plans] == ["mid"]
    near = next(c for c in decision.candidates if c["code"] == "near")
    assert near["covers"] == 1 and near["stock"] == {str(city.dress_m.pk): 3}


def test_home_store_lacking_a_size_sends_to_the_nearest_store_with_stock_credit_stays_home(city):
    # Given her home store has size M but not size L,
    stock_everywhere(city, city.dress_m)
    city.stock(city.mid, city.dress_l, 2)
    city.stock(city.near, city.dress_l, 1)
    member = city.member(home=city.home)

    decision = route(city, [(city.dress_m, 1), (city.dress_l, 1)], member)

    # then the nearest store holding both delivers, and the home store keeps the credit.
    assert decision.outcome == Outcome.NEAREST
    assert decision.store == city.near
    assert decision.credited_store == city.home
    assert decision.home_store == city.home
    assert "Home store home lacks dress-l (needs 1, has 0)" in decision.reason
    assert "credited to the home store" in decision.reason
    assert [p["code"] for p in decision.plans] == ["near", "mid"]


def test_quantities_count_not_just_presence(city):
    stock_everywhere(city, city.dress_m, units=1)
    city.stock(city.mid, city.dress_m, 2)  # mid now has 3

    decision = route(city, [(city.dress_m, 2)])

    assert decision.store == city.mid


def test_reserved_units_are_not_available(city):
    stock_everywhere(city, city.dress_m, units=1)
    other = city.order(city.member(), [(city.dress_m, 1)], reserve_at=city.near)
    assert other.pk

    decision = route(city, [(city.dress_m, 1)])

    assert decision.store == city.mid


def test_stores_that_cannot_deliver_here_are_not_candidates(city):
    stock_everywhere(city, city.dress_m)
    city.stock(city.far, city.dress_m, 5)  # 12 km away, delivers 5 km: out of reach
    city.near.delivers = False
    city.near.save()
    city.mid.is_active = False
    city.mid.save()
    city.home.delivery_radius_km = 3  # 3.9 km away: out of its radius
    city.home.save()

    with pytest.raises(NoDeliveryRoute):
        route(city, [(city.dress_m, 1)])


def test_closed_stores_are_skipped_and_stores_opening_soon_are_not(city):
    stock_everywhere(city, city.dress_m)
    closed_today = {day: ["10:00", "22:00"] for day in ("tue", "wed", "thu", "fri", "sat")}
    city.near.opening_hours = {**closed_today, "mon": None, "sun": None}
    city.near.save()
    city.mid.opening_hours = {**closed_today, "mon": ["14:20", "22:00"], "sun": None}
    city.mid.save()

    decision = route(city, [(city.dress_m, 1)])

    assert [p["code"] for p in decision.plans] == ["mid", "home"]  # opens in 20 minutes
    states = {c["code"]: c["open"] for c in decision.candidates}
    assert states == {"near": "closed", "mid": "soon", "home": "open"}


def test_partial_coverage_takes_the_store_with_most_lines_and_transfers_the_rest(city):
    # No store has all three lines: near has two, mid one; the shirt is only at the far store.
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.near, city.dress_l, 1)
    city.stock(city.mid, city.dress_m, 1)
    city.stock(city.far, city.shirt, 4)

    decision = route(city, [(city.dress_m, 1), (city.dress_l, 1), (city.shirt, 1)])

    assert decision.outcome == Outcome.PARTIAL
    assert decision.store == city.near
    assert [(p["code"], p["kind"]) for p in decision.plans] == [
        ("near", "partial"),
        ("mid", "partial"),
    ]
    assert decision.plans[0]["covers"] == sorted([city.dress_m.pk, city.dress_l.pk])
    [transfer] = decision.transfers
    assert (transfer["sku"], transfer["quantity"], transfer["code"]) == (city.shirt.pk, 1, "far")
    lead = DispatchPolicy.current().transfer_lead_hours
    assert decision.ready_at == NOW + timedelta(hours=lead)
    assert "has 2 of 3" in decision.reason and "from far" in decision.reason
    # Routing only decides: nothing is requested or held yet.
    assert not Transfer.objects.exists()


def test_transfers_come_from_the_nearest_store_holding_the_line(city):
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.far, city.shirt, 1)  # ~12 km from near
    city.stock(city.home, city.shirt, 1)  # ~4 km from near, delivers but lacks the dress

    decision = route(city, [(city.dress_m, 1), (city.shirt, 1)])

    assert decision.store == city.near  # near and home both have one line; near is nearer
    assert [t["code"] for t in decision.transfers] == ["home"]


def test_among_equally_partial_stores_the_home_store_comes_first(city):
    city.stock(city.near, city.dress_m, 1)
    city.stock(city.home, city.dress_m, 1)
    city.stock(city.far, city.shirt, 1)
    member = city.member(home=city.home)

    decision = route(city, [(city.dress_m, 1), (city.shirt, 1)], member)

    assert decision.store == city.home


def test_no_store_with_any_line_sends_a_warehouse_parcel(city):
    city.stock(city.depot, city.dress_m, 50)
    city.stock(city.depot, city.shirt, 50)

    decision = route(city, [(city.dress_m, 1), (city.shirt, 2)])

    assert decision.outcome == Outcome.PARCEL
    assert decision.store == city.depot
    assert decision.plans == [
        {
            "store": city.depot.pk,
            "code": "hq-wh",
            "kind": "parcel",
            "covers": sorted([city.dress_m.pk, city.shirt.pk]),
            "distance_km": decision.plans[0]["distance_km"],
        }
    ]


def test_nothing_anywhere_is_refused_with_a_stable_code_and_the_refusal_is_stored(city):
    city.stock(city.depot, city.dress_m, 50)  # the warehouse lacks the shirt

    with pytest.raises(NoDeliveryRoute) as refused:
        route(city, [(city.dress_m, 1), (city.shirt, 1)])

    assert refused.value.code == "no_delivery_route"
    decision = refused.value.decision
    assert RouteDecision.objects.get(pk=decision.pk).outcome == Outcome.REFUSED
    assert decision.store is None and decision.plans == []
    assert "Refused" in decision.reason


@pytest.mark.parametrize(
    "point", [("nan", 121.4), (31.2, float("inf")), (95, 121.4), ("x", "y"), (None, 1)]
)
def test_a_malformed_point_is_refused(city, point):
    with pytest.raises(InvalidDeliveryPoint) as refused:
        dispatch_route(latitude=point[0], longitude=point[1], lines=[(city.dress_m.pk, 1)])
    assert refused.value.code == "invalid_delivery_point"
    assert not RouteDecision.objects.exists()


def test_a_decision_records_candidates_distances_and_stock(city):
    stock_everywhere(city, city.dress_m)
    member = city.member(home=city.home)

    decision = route(city, [(city.dress_m, 2)], member, order=None)

    stored = RouteDecision.objects.get(pk=decision.pk)
    assert [c["code"] for c in stored.candidates] == ["near", "mid", "home"]
    near = stored.candidates[0]
    assert near["distance_km"] == pytest.approx(0.15, abs=0.02)
    assert near["radius_km"] == 5.0 and near["stock"] == {str(city.dress_m.pk): 3}
    assert [c["home"] for c in stored.candidates] == [False, False, True]
    assert stored.lines == [[city.dress_m.pk, 2]]
    assert stored.member == member


def test_routing_reads_the_delivery_area_index_in_few_queries(city, django_assert_max_num_queries):
    stock_everywhere(city, city.dress_m)
    DispatchPolicy.current()
    # The policy, the stores in reach, their stock, the insert.
    with django_assert_max_num_queries(4):
        with CaptureQueriesContext(connection) as queries:
            route(city, [(city.dress_m, 1)])
    covering = next(q["sql"] for q in queries.captured_queries if "@>" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {covering}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any("Index Cond" in line and "@>" in line for line in plan.splitlines()), plan
    assert "store_delivery_area_gist" in plan
