"""Store-to-store transfers (调货) asked for a customer: the expected arrival and the customer are
kept, and the receiving store's count is what joins its stock, with any difference on record."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.exceptions import InvalidQuantity, InvalidState
from inventory.models import StockLevel, StockMovement, Transfer
from inventory.services import (
    stock_adjust,
    transfer_receive,
    transfer_request,
    transfer_ship,
)

pytestmark = pytest.mark.django_db
R = StockMovement.Reason


def level(store, sku):
    return StockLevel.objects.get(store=store, sku=sku)


def ledger_sum(store, sku) -> int:
    return StockMovement.objects.filter(store=store, sku=sku).aggregate(s=Sum("delta"))["s"] or 0


@pytest.fixture
def shipped(make_store, make_sku):
    """Given 3 + 2 units shipped from one store to another."""
    source, destination = make_store("src"), make_store("dst")
    dress, scarf = make_sku("dress"), make_sku("scarf")
    for sku in (dress, scarf):
        stock_adjust(store=source, sku=sku, delta=5, reason=R.RECEIPT)
    transfer = transfer_request(
        from_store=source, to_store=destination, lines=[(dress.pk, 3), (scarf.pk, 2)]
    )
    transfer_ship(transfer=transfer)
    return transfer, source, destination, dress, scarf


def test_a_request_keeps_the_expected_arrival_and_the_customer(make_store, sku):
    source, destination = make_store(), make_store()
    stock_adjust(store=source, sku=sku, delta=2, reason=R.RECEIPT)
    tomorrow = timezone.localdate() + timedelta(days=1)

    transfer = transfer_request(
        from_store=source,
        to_store=destination,
        lines=[(sku.pk, 1)],
        expected_on=tomorrow,
        customer_reference=" M000000001 ",
        note="她周六来试",
    )

    transfer.refresh_from_db()
    assert (transfer.expected_on, transfer.customer_reference) == (tomorrow, "M000000001")
    assert transfer.state == Transfer.State.REQUESTED
    assert level(source, sku).reserved == 1


def test_an_expected_arrival_in_the_past_is_refused_and_holds_nothing(make_store, sku):
    source, destination = make_store(), make_store()
    stock_adjust(store=source, sku=sku, delta=2, reason=R.RECEIPT)

    with pytest.raises(InvalidQuantity):
        transfer_request(
            from_store=source,
            to_store=destination,
            lines=[(sku.pk, 1)],
            expected_on=timezone.localdate() - timedelta(days=1),
        )

    assert not Transfer.objects.exists()
    assert level(source, sku).reserved == 0


def test_receiving_everything_as_shipped_records_the_counts(shipped):
    transfer, _source, destination, dress, scarf = shipped

    transfer_receive(transfer=transfer, counts={dress.pk: 3, scarf.pk: 2})

    assert (level(destination, dress).on_hand, level(destination, scarf).on_hand) == (3, 2)
    assert {line.sku_id: line.difference for line in transfer.lines.all()} == {
        dress.pk: 0,
        scarf.pk: 0,
    }
    assert not StockMovement.objects.filter(store=destination).exclude(note="").exists()


def test_a_short_delivery_adds_only_what_was_counted_and_records_the_difference(shipped):
    transfer, source, destination, dress, scarf = shipped

    transfer_receive(transfer=transfer, counts={dress.pk: 2, scarf.pk: 0}, note="one box torn open")

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.RECEIVED
    assert transfer.receipt_note == "one box torn open"
    lines = {line.sku_id: line for line in transfer.lines.all()}
    assert (lines[dress.pk].received_quantity, lines[dress.pk].difference) == (2, -1)
    assert (lines[scarf.pk].received_quantity, lines[scarf.pk].difference) == (0, -2)
    assert level(destination, dress).on_hand == 2
    # Nothing arrived of the scarf: no level is made up and no zero movement written.
    assert not StockLevel.objects.filter(store=destination, sku=scarf).exists()
    movement = StockMovement.objects.get(store=destination)
    assert (movement.delta, movement.reason, movement.note) == (
        2,
        R.TRANSFER_IN,
        "counted 2 of 3 shipped",
    )
    # The missing units left the source when it shipped; the ledgers still add up.
    assert level(source, dress).on_hand == 2
    for store, sku in [(source, dress), (destination, dress), (source, scarf)]:
        assert ledger_sum(store, sku) == level(store, sku).on_hand


def test_an_extra_unit_found_in_the_box_is_added_and_recorded(shipped):
    transfer, _source, destination, dress, scarf = shipped

    transfer_receive(transfer=transfer, counts={dress.pk: 4, scarf.pk: 2})

    assert level(destination, dress).on_hand == 4
    assert transfer.lines.get(sku=dress).difference == 1


@pytest.mark.parametrize(
    "counts",
    [
        "nothing",
        "dress only",
        "a stranger SKU",
        "negative",
        "fraction",
        "too many",
    ],
)
def test_wrong_counts_are_refused_and_change_nothing(shipped, make_sku, counts):
    transfer, _source, destination, dress, scarf = shipped
    counts = {
        "nothing": {},
        "dress only": {dress.pk: 3},
        "a stranger SKU": {dress.pk: 3, scarf.pk: 2, make_sku().pk: 1},
        "negative": {dress.pk: -1, scarf.pk: 2},
        "fraction": {dress.pk: 1.5, scarf.pk: 2},
        "too many": {dress.pk: 10_001, scarf.pk: 2},
    }[counts]

    with pytest.raises(InvalidQuantity):
        transfer_receive(transfer=transfer, counts=counts)

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SHIPPED
    assert not StockLevel.objects.filter(store=destination).exists()
    assert not transfer.lines.exclude(received_quantity=None).exists()


def test_a_transfer_is_received_once(shipped):
    transfer, _source, destination, dress, scarf = shipped
    transfer_receive(transfer=transfer, counts={dress.pk: 3, scarf.pk: 2})

    with pytest.raises(InvalidState):
        transfer_receive(
            transfer=Transfer.objects.get(pk=transfer.pk), counts={dress.pk: 1, scarf.pk: 1}
        )

    assert level(destination, dress).on_hand == 3
    assert transfer.lines.get(sku=dress).received_quantity == 3
