"""Checkout preselects a store that can serve every line, says why, and for a store lacking a
line names the nearest store that has it, so the first submit goes through."""

import re

import pytest
from django.urls import reverse

from inventory.services import stock_adjust
from members.models import Member
from o2o.geo import haversine_km
from orders.models import Order
from orders.services.cart import cart_get_or_create, cart_line_add
from stores.models import Store
from tests.orders.shopper_helpers import GPS, HERE, log_in, place_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client, town):
    log_in(client, town.member)
    cart = cart_get_or_create(member=town.member)
    cart_line_add(cart=cart, sku=town.sku_m, quantity=1)
    cart_line_add(cart=cart, sku=town.skirt, quantity=1)
    return client


def checkout_page(client, **params):
    response = client.get(reverse("orders:checkout"), params)
    assert response.status_code == 200
    return response


def preselected(response) -> Store:
    return response.context["selected_store"]


def why_text(response) -> str:
    match = re.search(r'data-testid="store-why">(.*?)</p>', response.content.decode(), re.S)
    return " ".join(match.group(1).split()) if match else ""


def test_checkout_preselects_the_usual_store_when_it_has_every_item(shopper, town):
    stock_adjust(store=town.store, sku=town.skirt, delta=1, reason="receipt")

    response = checkout_page(shopper)

    assert preselected(response) == town.store
    assert why_text(response) == "Your usual store has every item."


def test_checkout_does_not_preselect_a_usual_store_lacking_an_item(shopper, town):
    response = checkout_page(shopper)

    assert preselected(response) == town.near_home
    assert why_text(response) == (
        "Your usual store sh01 店 does not have every item. "
        "near-home 店 is the nearest store to your usual store with every item."
    )


def test_checkout_preselects_the_nearest_store_to_her_shared_position(shopper, town):
    response = checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")

    assert preselected(response) == town.near_her  # not the decoy on the raw GPS point
    assert "near-her 店 is the nearest store to you with every item." in why_text(response)
    page = response.content.decode()
    # The position goes back with the form, so a refused submit ranks from the same place.
    assert f'name="lat" value="{HERE[0]:.6f}"' in page


def test_checkout_preselects_the_store_she_is_in_when_it_has_every_item(shopper, town):
    session = shopper.session
    session["scanned_store"] = {"code": town.near_her.code, "at": 2_000_000_000}
    session.save()

    response = checkout_page(shopper)

    assert preselected(response) == town.near_her
    assert why_text(response).endswith("You are in this store and it has every item.")


@pytest.mark.parametrize("fulfillment", ["pickup", "ship"])
def test_checkout_first_submit_with_the_preselected_store_succeeds(shopper, town, fulfillment):
    page = checkout_page(shopper).content.decode()
    checked = re.search(r'name="store" value="(\d+)" checked', page).group(1)

    response = shopper.post(
        reverse("orders:checkout"),
        {
            "fulfillment": fulfillment,
            "store": checked,
            "points": 0,
            "name": "王芳",
            "phone": "13900139000",
            "address": "上海市长宁路 1 号",
        },
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:pay", args=[order.number])
    assert order.fulfilling_store == town.near_home


def test_checkout_names_the_nearest_store_with_a_missing_size(shopper, town):
    response = checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")

    choices = {choice.store: choice for choice in response.context["choices"]}
    short = choices[town.next_door].short_lines
    assert [(line.line.sku, line.missing, line.nearest_store) for line in short] == [
        (town.skirt, 1, town.near_her)
    ]
    home_short = choices[town.store].short_lines
    assert [line.nearest_store for line in home_short] == [town.near_her]
    page = response.content.decode()
    assert "Not enough here: 百褶半身裙  S" in page
    assert "Nearest store with it: near-her 店" in page
    assert f'data-pick-store="{town.near_her.pk}"' in page


def test_checkout_with_no_store_holding_every_item_preselects_the_one_with_most(shopper, town):
    for store in (town.near_home, town.near_her, town.decoy):
        stock_adjust(store=store, sku=town.skirt, delta=-2, reason="adjustment")
    stock_adjust(store=town.next_door, sku=town.skirt, delta=1, reason="receipt")
    stock_adjust(store=town.next_door, sku=town.sku_m, delta=-2, reason="adjustment")

    response = checkout_page(shopper)

    assert preselected(response) == town.store  # one of two lines, and nearest to her usual store
    assert why_text(response).endswith(
        "No store has every item. We picked the one with the most; "
        "each missing item shows the nearest store that has it."
    )
    choices = {choice.store: choice for choice in response.context["choices"]}
    assert [line.nearest_store for line in choices[town.store].short_lines] == [town.next_door]


def test_checkout_finds_the_nearest_store_with_every_item_beyond_the_listed_ones(shopper, town):
    for index in range(6):  # six stores next to her usual store, none with the skirt
        place_store(town, f"crowd-{index}", 31.2300 + index / 10000, 121.4500, sku_m=1)

    response = checkout_page(shopper)

    assert preselected(response) == town.near_home
    assert town.near_home in [choice.store for choice in response.context["choices"]]


def test_checkout_keeps_the_store_she_picked_after_a_refused_submit(shopper, town):
    response = shopper.post(
        reverse("orders:checkout"), {"fulfillment": "pickup", "store": town.next_door.pk}
    )

    assert response.status_code == 200 and not Order.objects.exists()
    assert "Not enough stock at this store" in response.content.decode()
    assert preselected(response) == town.next_door


def test_checkout_ignores_a_garbled_position(shopper, town):
    response = checkout_page(shopper, lat="nan", lng="121.4")

    assert preselected(response) == town.near_home


def test_checkout_page_query_count_is_pinned(shopper, town, django_assert_max_num_queries):
    for index in range(6):
        place_store(town, f"crowd-{index}", 31.2300 + index / 10000, 121.4500, sku_m=1)

    checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")  # HQ's policy rows exist

    # session, member, cart, withdrawn lines, lines, nearest stores (1-2), their stock, stores
    # with a missing line, booking and loyalty policy
    with django_assert_max_num_queries(12):
        checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")


def test_checkout_without_a_usual_store_or_position_preselects_a_store_with_every_item(
    shopper, town
):
    Member.objects.filter(pk=town.member.pk).update(home_store=None)

    response = checkout_page(shopper)

    assert preselected(response).code == "decoy"  # the first by code among those with both
    assert why_text(response) == "decoy 店 has every item."


def listed(response) -> list[str]:
    return [choice.store.code for choice in response.context["choices"]]


def kilometres_from(point, codes) -> list[float]:
    stores = {store.code: store for store in Store.objects.filter(code__in=codes)}
    return [
        haversine_km(point[0], point[1], float(stores[c].latitude), float(stores[c].longitude))
        for c in codes
    ]


def test_checkout_lists_her_store_then_the_scanned_one_then_the_nearest_to_her(shopper, town):
    session = shopper.session
    session["scanned_store"] = {"code": town.decoy.code, "at": 2_000_000_000}
    session.save()

    response = checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")

    codes = listed(response)
    assert codes[:2] == ["sh01", "decoy"]
    rest = kilometres_from(HERE, codes[2:])
    assert rest == sorted(rest) and codes[2:4] == ["next-door", "near-her"]
    # Her usual store lacks the skirt: the first listed store with every item is preselected.
    assert preselected(response) == town.decoy


def test_checkout_ranks_the_store_she_picked_by_its_distance_too(shopper, town):
    for index in range(6):  # six stores next to her usual store, none with the skirt
        place_store(town, f"crowd-{index}", 31.2300 + index / 10000, 121.4500, sku_m=1)

    # She picked the far decoy store and forgot the address: the page comes back.
    response = shopper.post(
        reverse("orders:checkout"), {"fulfillment": "ship", "store": town.decoy.pk, "points": 0}
    )

    assert response.status_code == 200 and not Order.objects.exists()
    codes = listed(response)
    assert codes[0] == "sh01" and {"near-home", "decoy"} <= set(codes)
    home = (float(town.store.latitude), float(town.store.longitude))
    rest = kilometres_from(home, codes[1:])
    assert rest == sorted(rest)  # the far store she picked last, not before nearer ones
    assert preselected(response) == town.decoy


def test_checkout_without_any_point_lists_the_stores_by_name(shopper, town):
    Member.objects.filter(pk=town.member.pk).update(home_store=None)
    # Codes and names sort differently: the shopper reads names.
    Store.objects.filter(code="decoy").update(name="Z 诱饵店")
    Store.objects.filter(code="near-her").update(name="A 她附近店")

    response = checkout_page(shopper)

    names = [choice.store.name for choice in response.context["choices"]]
    assert names[0] == "A 她附近店" and names == sorted(names)
    assert preselected(response).code == "near-her"  # the first listed with every item


def test_checkout_without_a_home_store_lists_her_bound_clerks_store_first(shopper, town):
    for sku in (town.sku_m, town.skirt):
        stock_adjust(store=town.other_store, sku=sku, delta=1, reason="receipt")
    Member.objects.filter(pk=town.member.pk).update(home_store=None, bound_clerk=town.other_clerk)

    response = checkout_page(shopper, lat=GPS[0], lng=GPS[1], coords="wgs84")

    assert listed(response)[0] == town.other_store.code
    assert "home" in response.context["choices"][0].reasons
    assert preselected(response) == town.other_store
    assert why_text(response) == "Your usual store has every item."
