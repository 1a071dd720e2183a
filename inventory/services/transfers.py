"""Transfers (调货 and 补货): request → ship (in transit) → receive, or cancel before shipping.

A requested transfer holds its units at the source with reservations owned by the transfer, so a
shopper cannot buy what is promised to another store; shipping commits them, receiving adds the
units at the destination.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.exceptions import InvalidQuantity, InvalidState
from inventory.models import Reservation, StockMovement, Transfer, TransferLine
from inventory.services.levels import levels_apply, levels_ensure, lines_merge, store_check_active
from inventory.services.reservations import (
    reservations_commit,
    reservations_release,
    stock_reserve,
)
from o2o.parsing import is_whole_number

# A count above this is a typo, not a delivery.
MAX_COUNTED_UNITS = 10_000


def _hold_until():
    return timezone.now() + timedelta(hours=getattr(settings, "TRANSFER_HOLD_HOURS", 72))


def _transition(transfer: Transfer, *, source: set[str], target: str, **fields) -> None:
    """Guarded state change: only one caller can move a transfer out of a given state."""
    updated = Transfer.objects.filter(pk=transfer.pk, state__in=source).update(
        state=target, updated_at=timezone.now(), **fields
    )
    if not updated:
        transfer.refresh_from_db(fields=["state"])
        raise InvalidState(f"transfer {transfer.pk} is {transfer.state}; cannot become {target}")
    transfer.state = target
    for name, value in fields.items():
        setattr(transfer, name, value)


def _hold(transfer: Transfer) -> list[Reservation]:
    lines = list(transfer.lines.values_list("sku_id", "quantity"))
    return stock_reserve(
        store=transfer.from_store,
        lines=lines,
        expires_at=_hold_until(),
        owner=transfer.reservation_owner,
    )


@transaction.atomic
def transfer_request(
    *,
    from_store,
    to_store,
    lines,
    actor=None,
    kind: str = Transfer.Kind.MANUAL,
    note: str = "",
    proposed: bool = False,
    expected_on: date | None = None,
    customer_reference: str = "",
) -> Transfer:
    """Ask for [(sku_id, quantity), ...] to move between two stores.

    A proposal (replenishment awaiting HQ) holds nothing yet; a request reserves the units at the
    source at once, all or nothing. A store asking for a customer (调货) says when the goods
    should arrive (`expected_on`) and for whom (`customer_reference`: member code, phone or
    order number), so both stores can tell her.
    """
    if from_store.pk == to_store.pk:
        raise InvalidQuantity("a transfer needs two different stores")
    if expected_on is not None and expected_on < timezone.localdate():
        raise InvalidQuantity("the expected arrival cannot be in the past")
    store_check_active(from_store)
    store_check_active(to_store)
    merged = lines_merge(lines)
    transfer = Transfer.objects.create(
        from_store=from_store,
        to_store=to_store,
        kind=kind,
        note=note[:200],
        requested_by=actor,
        state=Transfer.State.PROPOSED if proposed else Transfer.State.REQUESTED,
        expected_on=expected_on,
        customer_reference=customer_reference.strip()[:64],
    )
    TransferLine.objects.bulk_create(
        [TransferLine(transfer=transfer, sku_id=sku_id, quantity=q) for sku_id, q in merged.items()]
    )
    if not proposed:
        _hold(transfer)
    return transfer


@transaction.atomic
def transfer_approve(*, transfer: Transfer, actor=None) -> Transfer:
    """HQ approves a proposal: it becomes a request and reserves at the source (all or nothing)."""
    _transition(transfer, source={Transfer.State.PROPOSED}, target=Transfer.State.REQUESTED)
    _hold(transfer)
    return transfer


@transaction.atomic
def transfer_ship(*, transfer: Transfer, actor=None) -> Transfer:
    """The source ships: its held units leave on-hand and are in transit until received."""
    _transition(
        transfer,
        source={Transfer.State.REQUESTED},
        target=Transfer.State.SHIPPED,
        shipped_at=timezone.now(),
    )
    # Lock the holds first: the expiry sweep skips locked rows, so they cannot vanish mid-way.
    holds = list(
        Reservation.objects.select_for_update()
        .filter(owner=transfer.reservation_owner, state=Reservation.State.ACTIVE)
        .order_by("pk")
    )
    held = [r.pk for r in holds]
    # A hold that expired before shipping is taken again now, or the shipment is refused.
    held_skus = {r.sku_id for r in holds}
    missing = [
        (line.sku_id, line.quantity)
        for line in transfer.lines.all()
        if line.sku_id not in held_skus
    ]
    if missing:
        held += [
            r.pk
            for r in stock_reserve(
                store=transfer.from_store,
                lines=missing,
                expires_at=_hold_until(),
                owner=transfer.reservation_owner,
            )
        ]
    reservations_commit(
        reservations=held,
        reference=f"transfer:{transfer.pk}",
        reason=StockMovement.Reason.TRANSFER_OUT,
        actor=actor,
    )
    return transfer


def _counts_check(lines: list[TransferLine], counts: dict[int, int] | None) -> dict[int, int]:
    """{sku_id: units counted} for every line; no counts means everything arrived as shipped."""
    if counts is None:
        return {line.sku_id: line.quantity for line in lines}
    expected = {line.sku_id for line in lines}
    if set(counts) != expected:
        raise InvalidQuantity("count every line of the transfer, and only those")
    for sku_id, counted in counts.items():
        if not is_whole_number(counted):
            raise InvalidQuantity(f"the count of SKU {sku_id} must be a whole number")
        if not 0 <= counted <= MAX_COUNTED_UNITS:
            raise InvalidQuantity(f"the count of SKU {sku_id} must be 0 to {MAX_COUNTED_UNITS}")
    return dict(counts)


@transaction.atomic
def transfer_receive(
    *,
    transfer: Transfer,
    actor=None,
    counts: dict[int, int] | None = None,
    note: str = "",
) -> Transfer:
    """The destination receives the shipment: the units it counted join its on-hand stock.

    `counts` is {sku_id: units counted} for every line (None: all arrived as shipped). Each
    line keeps its count, so a difference with what was shipped stays on record (the line's
    `difference`, and the movement's note); the destination's stock is what it really has.
    The units that went missing left the source when it shipped: they are written off there,
    not put back.
    """
    lines = list(transfer.lines.order_by("sku_id"))
    received = _counts_check(lines, counts)
    _transition(
        transfer,
        source={Transfer.State.SHIPPED},
        target=Transfer.State.RECEIVED,
        received_at=timezone.now(),
        receipt_note=note.strip()[:200],
    )
    for line in lines:
        line.received_quantity = received[line.sku_id]
    TransferLine.objects.bulk_update(lines, ["received_quantity"])
    store_id = transfer.to_store_id
    arrived = [line for line in lines if line.received_quantity]
    levels_ensure([(store_id, line.sku_id) for line in arrived])
    levels_apply({(store_id, line.sku_id): (line.received_quantity, 0) for line in arrived})
    reason = (
        StockMovement.Reason.REPLENISHMENT
        if transfer.kind == Transfer.Kind.REPLENISHMENT
        else StockMovement.Reason.TRANSFER_IN
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                store_id=store_id,
                sku_id=line.sku_id,
                delta=line.received_quantity,
                reason=reason,
                reference=f"transfer:{transfer.pk}",
                note=(
                    f"counted {line.received_quantity} of {line.quantity} shipped"
                    if line.difference
                    else ""
                ),
                actor=actor,
            )
            for line in arrived
        ]
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, actor=None, note: str = "") -> Transfer:
    """Cancel before shipping; the held units become available again at the source. The
    reason (`note`) goes before the request's own note, which is kept."""
    fields = (
        {"note": " · ".join(part for part in (note, transfer.note) if part)[:200]} if note else {}
    )
    _transition(
        transfer,
        source={Transfer.State.PROPOSED, Transfer.State.REQUESTED},
        target=Transfer.State.CANCELLED,
        **fields,
    )
    reservations_release(
        reservations=Reservation.objects.filter(
            owner=transfer.reservation_owner, state=Reservation.State.ACTIVE
        ).values_list("pk", flat=True)
    )
    return transfer
