"""The stock room: look an item up here and in nearby stores, ask a store for it for a customer
(调货), the sending store ships, the receiving store counts it in; and who may do what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel, StockMovement, Transfer
from inventory.services import transfer_request, transfer_ship

pytestmark = pytest.mark.django_db
ROOM = reverse("stock_backoffice:room")
ASK = reverse("stock_backoffice:ask")


def url(name, transfer):
    return reverse(f"stock_backoffice:{name}", args=[transfer.pk])


def level(store, sku):
    return StockLevel.objects.filter(store=store, sku=sku).first()


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def ask_form(shop, **overrides):
    return {
        "sku": shop.sku_m.pk,
        "from_store": shop.other_store.pk,
        "quantity": 2,
        "expected_on": tomorrow().isoformat(),
        "customer_reference": "M000000001",
        "note": "顾客周六来取",
        **overrides,
    }


@pytest.fixture
def requested(nearby):
    """sh01 asked sh02 for 2 × M."""
    return transfer_request(
        from_store=nearby.other_store,
        to_store=nearby.store,
        lines=[(nearby.sku_m.pk, 2)],
        actor=nearby.clerk.user,
        expected_on=tomorrow(),
        customer_reference="M000000001",
    )


# ---- looking an item up -------------------------------------------------------------------------


def test_a_scanned_label_opens_the_item_here_and_in_nearby_stores(nearby, client):
    client.force_login(nearby.clerk.user)

    response = client.get(ROOM, {"sku": "dress-m"})

    assert response.status_code == 200
    context = response.context
    assert (context["here"].on_hand, context["here"].available) == (3, 3)
    rows = [(row["store"].code, row["available"], row["distance"]) for row in context["nearby"]]
    # Nearest first, with the distance; HQ's warehouse is not a store to ask.
    assert [(code, available) for code, available, _ in rows] == [("sh02", 4), ("sh03", 2)]
    assert rows[0][2].endswith("km") and rows[1][2].endswith("km")
    html = response.content.decode()
    assert "静安寺店" in html and "陆家嘴店" in html and "总仓" not in html
    assert html.count(f'action="{ASK}"') == 2


def test_search_by_name_lists_the_items_and_one_match_opens_it(nearby, client):
    client.force_login(nearby.clerk.user)

    listed = client.get(ROOM, {"q": "真丝"})
    single = client.get(ROOM, {"q": "dress-l"})
    nothing = client.get(ROOM, {"q": "不存在"})

    assert [sku.code for sku in listed.context["results"]] == ["dress-l", "dress-m"]
    assert listed.context["sku"] is None
    assert single.context["sku"].code == "dress-l"
    assert "Nothing found." in nothing.content.decode()


def test_an_unknown_code_says_so(nearby, client):
    client.force_login(nearby.clerk.user)

    response = client.get(ROOM, {"sku": "no-such-code"})

    assert response.status_code == 200
    assert "No item has the code no-such-code." in response.content.decode()


def test_the_item_page_query_count_is_pinned(nearby, client, django_assert_max_num_queries):
    client.force_login(nearby.clerk.user)
    # session, user, staff + store, SKU, level, units on the way, nearby stores holding it
    with django_assert_max_num_queries(7):
        assert client.get(ROOM, {"sku": "dress-m"}).status_code == 200


# ---- asking for a transfer ----------------------------------------------------------------------


def test_a_clerk_asks_a_nearby_store_for_a_customer(nearby, client):
    client.force_login(nearby.clerk.user)

    response = client.post(ASK, ask_form(nearby))

    transfer = Transfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("transfer", transfer)
    assert (transfer.from_store, transfer.to_store) == (nearby.other_store, nearby.store)
    assert (transfer.expected_on, transfer.customer_reference) == (tomorrow(), "M000000001")
    assert transfer.requested_by == nearby.clerk.user
    assert [(line.sku_id, line.quantity) for line in transfer.lines.all()] == [(nearby.sku_m.pk, 2)]
    # The units are held at the sending store at once.
    assert level(nearby.other_store, nearby.sku_m).reserved == 2
    page = client.get(response["Location"]).content.decode()
    assert "Asked 静安寺店 for 2 × 真丝连衣裙" in page
    assert "M000000001" in page and "顾客周六来取" in page


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"expected_on": "2000-01-01"}, "cannot be in the past"),
        ({"quantity": 0}, "greater than or equal to 1"),
        ({"quantity": "lots"}, "Enter a whole number"),
        ({"customer_reference": "x" * 65}, "at most 64 characters"),
    ],
)
def test_a_wrong_request_shows_the_form_again_and_holds_nothing(nearby, client, overrides, error):
    client.force_login(nearby.clerk.user)

    response = client.post(ASK, ask_form(nearby, **overrides))

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Transfer.objects.exists()
    assert level(nearby.other_store, nearby.sku_m).reserved == 0


@pytest.mark.parametrize("source", ["own store", "warehouse", "unknown"])
def test_only_another_open_store_can_be_asked(nearby, client, source):
    client.force_login(nearby.clerk.user)
    store_id = {"own store": nearby.store.pk, "warehouse": nearby.warehouse.pk, "unknown": 999999}

    response = client.post(ASK, ask_form(nearby, from_store=store_id[source]), follow=True)

    assert "Choose another open store to ask." in response.content.decode()
    assert not Transfer.objects.exists()


def test_asking_for_more_than_the_store_has_is_refused(nearby, client):
    client.force_login(nearby.clerk.user)

    response = client.post(ASK, ask_form(nearby, quantity=5), follow=True)

    assert "Not enough stock in the store for this." in response.content.decode()
    assert not Transfer.objects.exists()


# ---- the transfers list, shipping and receiving -------------------------------------------------


def test_the_sending_store_sees_the_request_and_ships_it(nearby, client, requested):
    client.force_login(nearby.other_clerk.user)

    listed = client.get(reverse("stock_backoffice:transfers"))
    assert [t.pk for t in listed.context["transfers"].to_ship] == [requested.pk]
    assert f'id="transfer-{requested.pk}"' in listed.content.decode()

    response = client.post(url("ship", requested), follow=True)

    requested.refresh_from_db()
    assert requested.state == Transfer.State.SHIPPED
    assert "shipped" in response.content.decode()
    assert level(nearby.other_store, nearby.sku_m).on_hand == 2
    movement = StockMovement.objects.get(store=nearby.other_store, reason="transfer_out")
    assert (movement.delta, movement.actor) == (-2, nearby.other_clerk.user)


def test_the_receiving_store_counts_it_in_and_a_difference_is_recorded(nearby, client, requested):
    transfer_ship(transfer=requested)
    client.force_login(nearby.clerk.user)
    page = client.get(url("transfer", requested))
    assert page.context["receive_form"] is not None

    response = client.post(
        url("receive", requested),
        {f"line-{nearby.sku_m.pk}": 1, "note": "少了一件"},
        follow=True,
    )

    requested.refresh_from_db()
    assert requested.state == Transfer.State.RECEIVED
    assert requested.receipt_note == "少了一件"
    assert level(nearby.store, nearby.sku_m).on_hand == 3 + 1
    html = response.content.decode()
    assert "received" in html and "(-1)" in html
    assert "the difference is on record" in html


def test_a_count_that_is_not_a_number_shows_the_form_again(nearby, client, requested):
    transfer_ship(transfer=requested)
    client.force_login(nearby.clerk.user)

    response = client.post(url("receive", requested), {f"line-{nearby.sku_m.pk}": "-1"})

    assert response.status_code == 400
    requested.refresh_from_db()
    assert requested.state == Transfer.State.SHIPPED


def test_shipping_twice_tells_the_clerk_it_already_moved_on(nearby, client, requested):
    transfer_ship(transfer=requested)
    client.force_login(nearby.other_clerk.user)

    response = client.post(url("ship", requested), follow=True)

    assert "Someone has already shipped, received or cancelled this." in (response.content.decode())
    assert level(nearby.other_store, nearby.sku_m).on_hand == 2


def test_the_requester_cancels_and_the_sender_declines_keeping_the_note(nearby, client):
    def ask():
        return transfer_request(
            from_store=nearby.other_store,
            to_store=nearby.store,
            lines=[(nearby.sku_m.pk, 1)],
            note="顾客要",
        )

    mine, theirs = ask(), ask()
    client.force_login(nearby.clerk.user)
    client.post(url("cancel", mine), {"reason": "顾客不要了"})
    client.force_login(nearby.other_clerk.user)
    client.post(url("cancel", theirs), {"reason": ""})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == (Transfer.State.CANCELLED, Transfer.State.CANCELLED)
    assert mine.note == f"Cancelled by {nearby.store.name}: 顾客不要了 · 顾客要"
    assert theirs.note == f"Declined by {nearby.other_store.name} · 顾客要"
    assert level(nearby.other_store, nearby.sku_m).reserved == 0


def test_the_wrong_end_cannot_ship_or_receive(nearby, client, requested):
    client.force_login(nearby.clerk.user)  # the requesting store
    assert client.post(url("ship", requested)).status_code == 403
    transfer_ship(transfer=requested)
    client.force_login(nearby.other_clerk.user)  # the sending store
    response = client.post(url("receive", requested), {f"line-{nearby.sku_m.pk}": 2})

    assert response.status_code == 403
    assert "Only the receiving store can receive this transfer." in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == Transfer.State.SHIPPED


def test_a_third_store_sees_nothing_of_the_transfer(nearby, client, requested):
    client.force_login(nearby.third_clerk.user)

    for name in ("transfer", "ship", "receive", "cancel"):
        method = client.get if name == "transfer" else client.post
        assert method(url(name, requested)).status_code == 404, name
    listed = client.get(reverse("stock_backoffice:transfers")).context["transfers"]
    assert not (listed.to_ship or listed.asked or listed.arriving or listed.sent)
    requested.refresh_from_db()
    assert requested.state == Transfer.State.REQUESTED


def test_the_transfers_page_query_count_is_pinned(
    nearby, client, requested, django_assert_max_num_queries
):
    for _ in range(2):
        transfer_request(
            from_store=nearby.other_store, to_store=nearby.store, lines=[(nearby.sku_m.pk, 1)]
        )
    client.force_login(nearby.clerk.user)
    # session, user, staff + store, transfers, their lines
    with django_assert_max_num_queries(5):
        response = client.get(reverse("stock_backoffice:transfers"))
    assert len(response.context["transfers"].asked) == 3


# ---- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"sku": "abc"},
        {"sku": str(10**30)},
        {"from_store": str(10**30)},
        {"quantity": "1e9"},
        {"note": "a\x00b"},
        {"expected_on": "9999-99-99"},
    ],
)
def test_hostile_requests_answer_4xx_or_a_message_and_change_nothing(nearby, client, overrides):
    client.force_login(nearby.clerk.user)

    response = client.post(ASK, ask_form(nearby, **overrides))

    assert response.status_code in (302, 400)
    assert not Transfer.objects.exists()


def test_hostile_lookups_and_counts_answer_without_a_server_error(nearby, client, requested):
    transfer_ship(transfer=requested)
    client.force_login(nearby.clerk.user)

    assert client.get(ROOM, {"sku": "x" * 10_000}).status_code == 200
    # A NUL byte is refused by the request guard (400) or matches nothing (200).
    assert client.get(ROOM, {"sku": "a\x00b"}).status_code in (200, 400)
    assert client.get(ROOM, {"q": "a\x00b"}).status_code in (200, 400)
    huge = reverse("stock_backoffice:transfer", args=[10**30])
    assert client.get(huge).status_code == 404
    receive = url("receive", requested)
    assert client.post(receive, {f"line-{nearby.sku_m.pk}": str(10**30)}).status_code == 400
    assert client.post(receive, {f"line-{nearby.sku_m.pk}": "2", "note": "\x00"}).status_code == 400
    requested.refresh_from_db()
    assert requested.state == Transfer.State.SHIPPED
