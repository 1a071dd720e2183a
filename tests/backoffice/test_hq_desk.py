"""HQ in the back office: pick any store and see its desk read-only (every write is the 403 page,
the buttons are hidden), then go back to their own store where they act as before."""

import pytest
from django.urls import reverse

from inventory.models import Transfer
from inventory.services import transfer_request
from orders.services.checkout import Line
from stores.models import Staff
from tests.backoffice.stock_fixtures import staff_make
from tests.orders.placing import F, pay, place

pytestmark = pytest.mark.django_db
PICKER = reverse("hq_backoffice:stores")
HOME = reverse("backoffice:home")


@pytest.fixture
def hq(nearby):
    """An HQ user working at the warehouse."""
    return staff_make("HQ-1", nearby.warehouse, role=Staff.Role.HQ)


def pick(client, store):
    return client.post(PICKER, {"store": store.pk})


def test_hq_picks_a_store_and_sees_its_desk_read_only(nearby, client, hq):
    client.force_login(hq.user)

    response = pick(client, nearby.store)

    assert response.status_code == 302 and response["Location"] == HOME
    home = client.get(HOME)
    assert home.context["staff"].store == nearby.store
    assert home.context["desk_read_only"] is True
    html = home.content.decode()
    assert "HQ view of sh01 店: read-only." in html
    assert 'class="backoffice bo-read-only' in html
    # Its team is the store's, not HQ's.
    assert {member.staff_code for member in home.context["team"]} == {"SH01-M", "SH01-C1"}
    hq.refresh_from_db()
    assert hq.store == nearby.warehouse  # HQ's own row never moves


def test_hq_sees_the_stores_orders_and_figures_but_cannot_act(nearby, client, hq):
    order = pay(place(nearby, F.PICKUP, lines=[Line(nearby.sku_m, 1)]))
    client.force_login(hq.user)
    pick(client, nearby.store)

    detail = client.get(reverse("orders_backoffice:detail", args=[order.number]))
    manager = client.get(reverse("manager_backoffice:desk"))
    ready = client.post(reverse("orders_backoffice:mark_ready", args=[order.number]))

    assert detail.status_code == 200 and manager.status_code == 200
    assert dict(manager.context["periods"])["Today"].credited == order.total_amount
    assert ready.status_code == 403
    assert "HQ sees sh01 店 read-only." in ready.content.decode()
    order.refresh_from_db()
    assert order.status == "paid"


def test_hq_cannot_ask_ship_or_receive_for_a_store_it_looks_at(nearby, client, hq):
    transfer = transfer_request(
        from_store=nearby.other_store, to_store=nearby.store, lines=[(nearby.sku_m.pk, 1)]
    )
    client.force_login(hq.user)
    pick(client, nearby.other_store)

    page = client.get(reverse("stock_backoffice:transfer", args=[transfer.pk]))
    room = client.get(reverse("stock_backoffice:room"), {"sku": "dress-m"})
    ship = client.post(reverse("stock_backoffice:ship", args=[transfer.pk]))

    assert page.status_code == 200 and room.status_code == 200
    assert 'action="/staff/stock/transfers/' not in page.content.decode()  # no buttons
    assert 'action="/staff/stock/ask/' not in room.content.decode()
    assert ship.status_code == 403
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.REQUESTED


def test_hq_goes_back_to_its_own_store_and_acts_there(nearby, client, hq):
    transfer = transfer_request(
        from_store=nearby.warehouse, to_store=nearby.store, lines=[(nearby.sku_m.pk, 5)]
    )
    client.force_login(hq.user)
    pick(client, nearby.store)

    pick(client, nearby.warehouse)
    home = client.get(HOME)
    shipped = client.post(reverse("stock_backoffice:ship", args=[transfer.pk]))

    assert home.context["desk_read_only"] is False
    assert home.context["staff"].store == nearby.warehouse
    assert shipped.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SHIPPED


def test_the_picker_lists_and_filters_stores(nearby, client, hq):
    client.force_login(hq.user)

    every = client.get(PICKER)
    found = client.get(PICKER, {"q": "陆家嘴"})

    assert [s.code for s in every.context["stores"]] == ["sh01", "sh02", "sh03", "wh"]
    assert [s.code for s in found.context["stores"]] == ["sh03"]


def test_a_store_that_is_gone_from_the_session_falls_back_to_hq_own(nearby, client, hq):
    client.force_login(hq.user)
    session = client.session
    session["backoffice_desk_store"] = 999999
    session.save()

    home = client.get(HOME)

    assert home.context["staff"].store == nearby.warehouse
    assert home.context["desk_read_only"] is False


def test_clerks_and_managers_have_no_picker_and_a_session_value_changes_nothing(nearby, client):
    client.force_login(nearby.manager.user)
    assert client.get(PICKER).status_code == 403
    assert pick(client, nearby.other_store).status_code == 403
    session = client.session
    session["backoffice_desk_store"] = nearby.other_store.pk
    session.save()

    home = client.get(HOME)

    assert home.context["staff"].store == nearby.store
    assert home.context["desk_read_only"] is False


def test_the_read_only_desk_costs_one_query_more(nearby, client, hq, django_assert_max_num_queries):
    client.force_login(hq.user)
    pick(client, nearby.store)
    # session, user, staff + store, the store looked at, transfers, their lines
    with django_assert_max_num_queries(6):
        assert client.get(reverse("stock_backoffice:transfers")).status_code == 200


@pytest.mark.parametrize("choice", ["", "abc", "²", str(10**30), "-1"])
def test_a_hostile_store_choice_goes_back_to_hqs_own_store(nearby, client, hq, choice):
    client.force_login(hq.user)
    pick(client, nearby.store)

    response = client.post(PICKER, {"store": choice})

    assert response.status_code == 302
    assert client.get(HOME).context["desk_read_only"] is False
