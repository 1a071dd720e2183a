"""HQ's stock admin: pages load, and every change goes through the services with a message."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from inventory.models import (
    ReplenishmentPolicy,
    Reservation,
    StockLevel,
    StockMovement,
    Transfer,
)
from inventory.services import stock_adjust, stock_reserve, transfer_request
from stores.models import Store

pytestmark = pytest.mark.django_db
R = StockMovement.Reason


@pytest.fixture
def warehouse(make_store):
    return make_store("wh", kind=Store.Kind.WAREHOUSE)


@pytest.fixture
def stocked(warehouse, store, sku):
    """10 units at the warehouse, 1 at the store (a low-stock level)."""
    stock_adjust(store=warehouse, sku=sku, delta=10, reason=R.RECEIPT)
    stock_adjust(store=store, sku=sku, delta=1, reason=R.RECEIPT)
    return sku


def level(store, sku):
    return StockLevel.objects.get(store=store, sku=sku)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(admin_client, model, action, objects):
    return admin_client.post(
        reverse(f"admin:inventory_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


# --- Pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "admin:inventory_stocklevel_changelist",
        "admin:inventory_stockmovement_changelist",
        "admin:inventory_reservation_changelist",
        "admin:inventory_transfer_changelist",
        "admin:inventory_replenishmentproposal_changelist",
        "admin:inventory_replenishmentpolicy_changelist",
        "admin:inventory_stocklevel_adjust",
        "admin:inventory_transfer_request",
        "admin:o2o_idempotencyrecord_changelist",
    ],
)
def test_admin_pages_load(admin_client, warehouse, store, stocked, url):
    transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 2)])

    response = admin_client.get(reverse(url))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", ["low_stock=yes", "low_stock=no", "q=hot", "o=5", "store__region__id__exact=1"]
)
def test_stock_level_list_filters_and_sorts(admin_client, warehouse, store, stocked, query):
    response = admin_client.get(reverse("admin:inventory_stocklevel_changelist") + "?" + query)

    assert response.status_code == 200


def test_low_stock_filter_lists_only_levels_at_or_under_the_threshold(
    admin_client, warehouse, store, stocked
):
    response = admin_client.get(
        reverse("admin:inventory_stocklevel_changelist"), {"low_stock": "yes"}
    )

    assert [row.store for row in response.context["cl"].result_list] == [store]


def changelist_row(body: str, marker: str) -> str:
    """The changelist row (<tr>…</tr>) that mentions `marker`."""
    rows = [chunk.split("</tr>")[0] for chunk in body.split("<tr")[1:]]
    [row] = [row for row in rows if marker in row]
    return row


def test_low_stock_column_warns_and_never_shows_a_green_tick(
    admin_client, warehouse, store, make_store, stocked
):
    empty = make_store("empty")
    stock_adjust(store=empty, sku=stocked, delta=1, reason=R.RECEIPT)
    stock_adjust(store=empty, sku=stocked, delta=-1, reason=R.SALE)

    body = admin_client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()

    assert "icon-yes" not in body and "icon-no" not in body
    assert "Out of stock" in changelist_row(body, "门店 empty")
    assert "Low: 1 left" in changelist_row(body, "门店 main")
    assert "low-stock" not in changelist_row(body, "门店 wh")


@pytest.mark.parametrize(
    "url",
    [
        "admin:inventory_stocklevel_changelist",
        "admin:inventory_stockmovement_changelist",
        "admin:inventory_reservation_changelist",
    ],
)
def test_sku_columns_name_the_product(admin_client, store, stocked, url):
    stock_reserve(
        store=store,
        lines=[(stocked.pk, 1)],
        owner="order:1",
        expires_at=timezone.now() + timedelta(minutes=5),
    )

    body = admin_client.get(reverse(url)).content.decode()

    assert f"hot · {stocked.product.name} · 黑色 / M" in body


def test_change_pages_load(admin_client, warehouse, store, stocked):
    transfer = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 2)])
    pages = [
        reverse("admin:inventory_stocklevel_change", args=[level(store, stocked).pk]),
        reverse("admin:inventory_stockmovement_change", args=[StockMovement.objects.first().pk]),
        reverse("admin:inventory_reservation_change", args=[Reservation.objects.get().pk]),
        reverse("admin:inventory_transfer_change", args=[transfer.pk]),
    ]

    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_stock_numbers_cannot_be_saved_from_the_level_page(admin_client, store, stocked):
    page = reverse("admin:inventory_stocklevel_change", args=[level(store, stocked).pk])

    response = admin_client.post(page, {"on_hand": 99, "reserved": 0})

    assert response.status_code == 403
    assert level(store, stocked).on_hand == 1


def test_the_movement_ledger_is_read_only(admin_client, store, stocked):
    movement = StockMovement.objects.first()

    assert admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    delete = reverse("admin:inventory_stockmovement_delete", args=[movement.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert StockMovement.objects.filter(pk=movement.pk).exists()


# --- Adjust stock ------------------------------------------------------------------------------


def adjust(admin_client, store, **fields):
    return admin_client.post(
        reverse("admin:inventory_stocklevel_adjust"),
        {"store": store.pk, "reference": "", "note": "", **fields},
        follow=True,
    )


def test_adjust_form_records_a_receipt_under_the_admin_user(admin_client, admin_user, store, sku):
    response = adjust(admin_client, store, sku="hot", reason="receipt", quantity=6, reference="DN")

    assert response.status_code == 200
    assert level(store, sku).on_hand == 6
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.reason, movement.actor) == (6, "receipt", admin_user)
    assert any("now 6 on hand" in message for message in messages_of(response))


def test_adjust_form_records_a_stocktake_count(admin_client, store, stocked):
    adjust(admin_client, store, sku="hot", reason="stocktake", quantity=4)

    assert level(store, stocked).on_hand == 4
    assert StockMovement.objects.order_by("-pk").first().reason == "stocktake"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"sku": "hot", "reason": "adjustment", "quantity": -5}, "not enough stock"),
        ({"sku": "nothing", "reason": "receipt", "quantity": 1}, "unknown SKU"),
        ({"sku": "hot", "reason": "receipt", "quantity": -1}, "adds stock"),
    ],
)
def test_adjust_form_shows_a_refusal_and_changes_nothing(
    admin_client, store, stocked, fields, message
):
    before = StockMovement.objects.count()

    response = adjust(admin_client, store, **fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert level(store, stocked).on_hand == 1
    assert StockMovement.objects.count() == before


def test_adjust_form_refuses_an_inactive_store(admin_client, make_store, sku):
    closed = make_store("closed", is_active=False)

    response = adjust(admin_client, closed, sku="hot", reason="receipt", quantity=1)

    assert "not active" in response.content.decode()
    assert not StockMovement.objects.exists()


def test_adjust_form_needs_the_change_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user(
        "viewer", password="viewer-pass-1", is_staff=True
    )
    client.force_login(viewer)

    assert client.get(reverse("admin:inventory_stocklevel_adjust")).status_code == 403


# --- Transfers ---------------------------------------------------------------------------------


def test_ship_and_receive_through_the_admin_actions_move_the_stock(
    admin_client, warehouse, store, stocked
):
    transfer = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 3)])

    shipped = run_action(admin_client, "transfer", "ship", [transfer])
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SHIPPED
    assert (level(warehouse, stocked).on_hand, level(warehouse, stocked).reserved) == (7, 0)
    assert "1 transfer(s) shipped." in messages_of(shipped)

    run_action(admin_client, "transfer", "receive", [transfer])
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.RECEIVED
    assert level(store, stocked).on_hand == 4


def test_a_failing_action_reports_each_failure_and_changes_nothing(
    admin_client, warehouse, store, stocked
):
    requested = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 2)])
    movements = StockMovement.objects.count()

    response = run_action(admin_client, "transfer", "receive", [requested])

    assert response.status_code == 200
    errors = [m for m in messages_of(response) if "cannot become received" in m]
    assert len(errors) == 1
    requested.refresh_from_db()
    assert requested.state == Transfer.State.REQUESTED
    assert StockMovement.objects.count() == movements


def test_an_action_applies_to_the_transfers_it_can_and_reports_the_others(
    admin_client, warehouse, store, stocked
):
    requested = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 2)])
    cancelled = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 1)])
    run_action(admin_client, "transfer", "cancel", [cancelled])

    response = run_action(admin_client, "transfer", "cancel", [requested, cancelled])

    requested.refresh_from_db()
    assert requested.state == Transfer.State.CANCELLED
    assert level(warehouse, stocked).reserved == 0
    messages = messages_of(response)
    assert "1 transfer(s) cancelled; held stock released." in messages
    assert any("cannot become cancelled" in m for m in messages)


def test_transfers_cannot_be_added_or_deleted_in_the_admin(admin_client, warehouse, store, stocked):
    transfer = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 1)])

    assert admin_client.get(reverse("admin:inventory_transfer_add")).status_code == 403
    delete = reverse("admin:inventory_transfer_delete", args=[transfer.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_hq_requests_a_transfer_that_holds_the_units_at_once(
    admin_client, admin_user, warehouse, store, stocked
):
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = admin_client.get(reverse("admin:inventory_transfer_changelist"))
    assert reverse("admin:inventory_transfer_request") in page.content.decode()

    response = admin_client.post(
        reverse("admin:inventory_transfer_request"),
        {
            "from_store": warehouse.pk,
            "to_store": store.pk,
            "lines": f"{stocked.code} 3\n\n{stocked.code}, 1",
            "kind": Transfer.Kind.MANUAL,
            "expected_on": tomorrow.isoformat(),
            "customer_reference": "M000000009",
            "note": "VIP",
        },
        follow=True,
    )

    transfer = Transfer.objects.get()
    assert (transfer.state, transfer.requested_by, transfer.expected_on) == (
        Transfer.State.REQUESTED,
        admin_user,
        tomorrow,
    )
    assert [(line.sku_id, line.quantity) for line in transfer.lines.all()] == [(stocked.pk, 4)]
    assert level(warehouse, stocked).reserved == 4
    assert f"T{transfer.pk} requested" in " ".join(messages_of(response))


@pytest.mark.parametrize(
    "lines, error",
    [
        ("hot three", "write the SKU code and a number of units above zero"),
        ("hot 0", "write the SKU code and a number of units above zero"),
        ("   ", "This field is required."),
        ("nope 1", "unknown SKU"),
        ("hot 11", "10 available, 11 needed"),
    ],
)
def test_a_wrong_admin_request_shows_the_form_again_and_holds_nothing(
    admin_client, warehouse, store, stocked, lines, error
):
    response = admin_client.post(
        reverse("admin:inventory_transfer_request"),
        {
            "from_store": warehouse.pk,
            "to_store": store.pk,
            "lines": lines,
            "kind": Transfer.Kind.MANUAL,
        },
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Transfer.objects.exists()
    assert level(warehouse, stocked).reserved == 0


def test_the_admin_request_needs_two_stores_and_the_change_permission(
    admin_client, client, django_user_model, warehouse, stocked
):
    same = admin_client.post(
        reverse("admin:inventory_transfer_request"),
        {"from_store": warehouse.pk, "to_store": warehouse.pk, "lines": "hot 1", "kind": "manual"},
    )
    assert "A transfer needs two different stores." in same.content.decode()
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    assert client.get(reverse("admin:inventory_transfer_request")).status_code == 403


# --- Replenishment proposals -------------------------------------------------------------------


def propose(warehouse, store, sku, quantity, *, kind=Transfer.Kind.REPLENISHMENT):
    return transfer_request(
        from_store=warehouse, to_store=store, lines=[(sku.pk, quantity)], kind=kind, proposed=True
    )


def test_the_proposals_page_lists_only_proposed_replenishment_and_rebalance(
    admin_client, warehouse, store, stocked, make_store
):
    replenishment = propose(warehouse, store, stocked, 2)
    other = make_store("east")
    rebalance = propose(warehouse, other, stocked, 1, kind=Transfer.Kind.REBALANCE)
    propose(warehouse, other, stocked, 1, kind=Transfer.Kind.MANUAL)
    transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 1)])

    response = admin_client.get(reverse("admin:inventory_replenishmentproposal_changelist"))

    listed = {transfer.pk for transfer in response.context["cl"].result_list}
    assert listed == {replenishment.pk, rebalance.pk}


def test_approving_a_proposal_reserves_its_stock(admin_client, warehouse, store, stocked):
    proposal = propose(warehouse, store, stocked, 4)

    response = run_action(admin_client, "replenishmentproposal", "approve", [proposal])

    proposal.refresh_from_db()
    assert proposal.state == Transfer.State.REQUESTED
    assert level(warehouse, stocked).reserved == 4
    assert "1 transfer(s) approved; their stock is reserved." in messages_of(response)


def test_approving_a_proposal_without_stock_at_the_source_fails_with_a_message(
    admin_client, warehouse, store, stocked
):
    proposal = propose(warehouse, store, stocked, 50)

    response = run_action(admin_client, "replenishmentproposal", "approve", [proposal])

    proposal.refresh_from_db()
    assert proposal.state == Transfer.State.PROPOSED
    assert level(warehouse, stocked).reserved == 0
    assert any("not enough stock" in m and "10 available" in m for m in messages_of(response))


def inline_post(transfer, quantity):
    line = transfer.lines.get()
    return {
        "note": "checked by HQ",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-transfer": transfer.pk,
        "lines-0-sku": line.sku_id,
        "lines-0-quantity": quantity,
    }


def test_hq_can_change_a_proposals_quantities_before_approving(
    admin_client, warehouse, store, stocked
):
    proposal = propose(warehouse, store, stocked, 2)
    page = reverse("admin:inventory_replenishmentproposal_change", args=[proposal.pk])

    response = admin_client.post(page, inline_post(proposal, 5))

    assert response.status_code == 302
    assert proposal.lines.get().quantity == 5
    run_action(admin_client, "replenishmentproposal", "approve", [proposal])
    assert level(warehouse, stocked).reserved == 5


def test_a_proposal_line_of_zero_units_is_refused(admin_client, warehouse, store, stocked):
    proposal = propose(warehouse, store, stocked, 2)
    page = reverse("admin:inventory_replenishmentproposal_change", args=[proposal.pk])

    response = admin_client.post(page, inline_post(proposal, 0))

    assert response.status_code == 200  # the form again, with the error
    assert proposal.lines.get().quantity == 2


def test_lines_of_a_requested_transfer_cannot_be_changed(admin_client, warehouse, store, stocked):
    transfer = transfer_request(from_store=warehouse, to_store=store, lines=[(stocked.pk, 2)])
    page = reverse("admin:inventory_transfer_change", args=[transfer.pk])

    admin_client.post(page, inline_post(transfer, 9))

    assert transfer.lines.get().quantity == 2
    assert level(warehouse, stocked).reserved == 2


# --- Reservations and policy -------------------------------------------------------------------


def test_release_selected_frees_the_reserved_units(admin_client, store, stocked):
    reservation = stock_reserve(
        store=store,
        lines=[(stocked.pk, 1)],
        expires_at=timezone.now() + timedelta(minutes=15),
        owner="order:1",
    )[0]

    response = run_action(admin_client, "reservation", "release_selected", [reservation])

    reservation.refresh_from_db()
    assert reservation.state == Reservation.State.RELEASED
    assert level(store, stocked).reserved == 0
    assert any("1 reservation released" in m for m in messages_of(response))


def test_the_policy_is_a_single_row(admin_client):
    add = reverse("admin:inventory_replenishmentpolicy_add")
    assert admin_client.get(add).status_code == 200

    policy = ReplenishmentPolicy.current()

    assert admin_client.get(add).status_code == 403
    change = reverse("admin:inventory_replenishmentpolicy_change", args=[policy.pk])
    assert admin_client.get(change).status_code == 200
    delete = reverse("admin:inventory_replenishmentpolicy_delete", args=[policy.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
