"""Changes of on-hand stock that do not go through a reservation: receipts, counts, corrections,
direct sales (POS)."""

from __future__ import annotations

from django.db import transaction

from inventory.exceptions import InvalidQuantity
from inventory.models import StockLevel, StockMovement
from inventory.services.levels import (
    levels_apply,
    levels_ensure,
    lines_merge,
    quantity_check,
    store_check_active,
)
from o2o.parsing import is_whole_number

# Reasons an operator may give for a direct change of on-hand stock.
ADJUSTMENT_REASONS = {
    StockMovement.Reason.RECEIPT,
    StockMovement.Reason.RETURN,
    StockMovement.Reason.ADJUSTMENT,
    StockMovement.Reason.SALE,
}


@transaction.atomic
def stock_adjust(
    *, store, sku, delta: int, reason: str, reference: str = "", actor=None, note: str = ""
) -> StockLevel:
    """Add or remove units at a store (receipt, return, correction, direct sale).

    A removal that would take on-hand below zero or below what is reserved raises
    InsufficientStock and writes nothing. The returned level carries the new movement as
    `level.movement`.
    """
    quantity_check(delta, allow_negative=True)
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidQuantity(f"reason {reason!r} is not an adjustment reason")
    if reason in {StockMovement.Reason.RECEIPT, StockMovement.Reason.RETURN} and delta < 0:
        raise InvalidQuantity(f"a {reason} adds stock; use a positive change")
    if reason == StockMovement.Reason.SALE and delta > 0:
        raise InvalidQuantity("a sale removes stock; use a negative change")
    store_check_active(store)
    levels_ensure([(store.pk, sku.pk)])
    levels_apply({(store.pk, sku.pk): (delta, 0)})
    movement = StockMovement.objects.create(
        store=store,
        sku=sku,
        delta=delta,
        reason=reason,
        reference=reference,
        actor=actor,
        note=note,
    )
    level = StockLevel.objects.get(store=store, sku=sku)
    # The API answers with the movement it wrote (DESIGN §5); other callers just ignore it.
    level.movement = movement
    return level


@transaction.atomic
def stock_count_set(
    *, store, sku, count: int, reference: str = "", actor=None, note: str = ""
) -> StockLevel:
    """Record a stocktake: the counted number becomes on-hand through a movement of the difference.

    The level row is locked first so the difference is taken against a number no one else is
    changing at the same moment.
    """
    if not is_whole_number(count, minimum=0):
        raise InvalidQuantity("a counted quantity is a whole number, zero or more")
    store_check_active(store)
    levels_ensure([(store.pk, sku.pk)])
    level = StockLevel.objects.select_for_update().get(store=store, sku=sku)
    difference = count - level.on_hand
    movement = None
    if difference:
        levels_apply({(store.pk, sku.pk): (difference, 0)})
        movement = StockMovement.objects.create(
            store=store,
            sku=sku,
            delta=difference,
            reason=StockMovement.Reason.STOCKTAKE,
            reference=reference,
            actor=actor,
            note=note,
        )
        level.refresh_from_db()
    # The movement written (None when the count matched on-hand); the API answers with it.
    level.movement = movement
    return level


@transaction.atomic
def stock_sell(*, store, lines, reference: str, actor=None) -> list[StockMovement]:
    """An offline sale of [(sku_id, quantity), ...] at a store, all lines or none.

    Sells only available units: units reserved for online orders stay theirs.
    """
    store_check_active(store)
    merged = lines_merge(lines)
    levels_apply({(store.pk, sku_id): (-quantity, 0) for sku_id, quantity in merged.items()})
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                store=store,
                sku_id=sku_id,
                delta=-quantity,
                reason=StockMovement.Reason.SALE,
                reference=reference,
                actor=actor,
            )
            for sku_id, quantity in sorted(merged.items())
        ]
    )


@transaction.atomic
def stock_count_apply(
    *, store, counts: dict[int, int], reference: str, full: bool = False, actor=None
) -> list[StockMovement]:
    """A store's stocktake in one go: {sku_id: counted} becomes on-hand, each difference a
    stocktake movement; with `full`, levels of the store not counted are counted as zero.

    All or nothing: a count below what is reserved for shoppers raises InsufficientStock naming
    every such line. Applied once per `reference`: the store's row is locked first, so a second
    count with a reference that already moved stock writes nothing and returns those movements.
    """
    for count in counts.values():
        if not is_whole_number(count, minimum=0):
            raise InvalidQuantity("a counted quantity is a whole number, zero or more")
    store_check_active(store)
    type(store).objects.select_for_update().filter(pk=store.pk).first()
    done = list(
        StockMovement.objects.filter(
            store=store, reason=StockMovement.Reason.STOCKTAKE, reference=reference
        ).order_by("id")
    )
    if reference and done:
        return done
    levels_ensure([(store.pk, sku_id) for sku_id in counts])
    levels = StockLevel.objects.select_for_update().filter(store=store).order_by("sku_id")
    if not full:
        levels = levels.filter(sku_id__in=list(counts))
    differences = {
        level.sku_id: counts.get(level.sku_id, 0) - level.on_hand
        for level in levels
        if counts.get(level.sku_id, 0) != level.on_hand
    }
    levels_apply({(store.pk, sku_id): (delta, 0) for sku_id, delta in differences.items()})
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                store=store,
                sku_id=sku_id,
                delta=delta,
                reason=StockMovement.Reason.STOCKTAKE,
                reference=reference,
                actor=actor,
            )
            for sku_id, delta in sorted(differences.items())
        ]
    )
