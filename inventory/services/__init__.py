"""Inventory services: the only way stock changes (DESIGN §4 "Inventory")."""

from inventory.services.levels import sku_resolve, store_resolve
from inventory.services.replenishment import ReplenishmentResult, replenishment_run
from inventory.services.reservations import (
    reservations_commit,
    reservations_expire,
    reservations_move,
    reservations_move_many,
    reservations_release,
    stock_reserve,
)
from inventory.services.stock import stock_adjust, stock_count_apply, stock_count_set, stock_sell
from inventory.services.transfers import (
    transfer_approve,
    transfer_cancel,
    transfer_receive,
    transfer_request,
    transfer_ship,
)

__all__ = [
    "ReplenishmentResult",
    "replenishment_run",
    "reservations_commit",
    "reservations_expire",
    "reservations_move",
    "reservations_move_many",
    "reservations_release",
    "sku_resolve",
    "stock_adjust",
    "stock_count_apply",
    "stock_count_set",
    "stock_reserve",
    "stock_sell",
    "store_resolve",
    "transfer_approve",
    "transfer_cancel",
    "transfer_receive",
    "transfer_request",
    "transfer_ship",
]
