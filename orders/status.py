"""The order status pipeline: which moves are allowed (DESIGN §4 "Orders").

    pending_payment ─paid→ paid ─(pickup) ready→ completed
         │                  ├─(in store / delivery) → completed
         │                  ├─(ship) shipped → completed
         ├→ expired         └→ refunded (full refund before completion)
         └→ cancelled
    booked (try in store) → completed (items kept became an in-store sale) | no_show | cancelled
    completed → refunded (every line returned)

An expired (or cancelled) order can still become paid when WeChat's notification arrives late
(the stock is taken again or the payment refunded).
"""

from orders.models import Order

S = Order.Status

TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.EXPIRED, S.CANCELLED},
    S.EXPIRED: {S.PAID},
    S.BOOKED: {S.COMPLETED, S.NO_SHOW, S.CANCELLED},
    S.PAID: {S.READY, S.SHIPPED, S.COMPLETED, S.REFUNDED},
    S.READY: {S.COMPLETED, S.REFUNDED, S.NO_SHOW},
    S.SHIPPED: {S.COMPLETED, S.REFUNDED},
    S.COMPLETED: {S.REFUNDED},
    S.CANCELLED: {S.PAID},  # a payment arriving after the shopper cancelled (then refunded)
    S.NO_SHOW: set(),
    S.REFUNDED: set(),
}

# States in which the goods belong to the shopper (points and commission may be earned).
SOLD = {S.PAID, S.READY, S.SHIPPED, S.COMPLETED}


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())
