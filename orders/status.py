"""The order status pipeline: which moves are allowed (DESIGN §4 "Orders").

    pending_payment ─paid→ paid ─(pickup) ready→ completed
         │                  ├─(in store / delivery) → completed
         │                  ├─(ship) shipped → completed
         │                  ├─(delivery) accepted → packed → out_for_delivery → completed
         ├→ expired         └→ refunded (full refund before completion)
         └→ cancelled
    booked (try in store) → completed (items kept became an in-store sale) | no_show | cancelled
    completed → refunded (every line returned)

An expired (or cancelled) order can still become paid when WeChat's notification arrives late
(the stock is taken again or the payment refunded).

A delivery order (网订店送) stays `paid` while dispatch offers it to stores; the store that
accepts it moves it to `accepted`, packs it, hands it to a courier (`out_for_delivery`) and the
hand-over at the door completes it (lines the shopper sends back are refunded by line). Any of
these may still be refunded in full.
"""

from orders.models import Order

S = Order.Status

TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.EXPIRED, S.CANCELLED},
    S.EXPIRED: {S.PAID},
    S.BOOKED: {S.COMPLETED, S.NO_SHOW, S.CANCELLED},
    S.PAID: {S.READY, S.SHIPPED, S.ACCEPTED, S.COMPLETED, S.REFUNDED},
    S.ACCEPTED: {S.PACKED, S.REFUNDED},
    S.PACKED: {S.OUT_FOR_DELIVERY, S.REFUNDED},
    S.OUT_FOR_DELIVERY: {S.COMPLETED, S.REFUNDED},
    S.READY: {S.COMPLETED, S.REFUNDED, S.NO_SHOW},
    S.SHIPPED: {S.COMPLETED, S.REFUNDED},
    S.COMPLETED: {S.REFUNDED},
    S.CANCELLED: {S.PAID},  # a payment arriving after the shopper cancelled (then refunded)
    S.NO_SHOW: set(),
    S.REFUNDED: set(),
}

# States in which the goods belong to the shopper (points and commission may be earned).
SOLD = {S.PAID, S.ACCEPTED, S.PACKED, S.OUT_FOR_DELIVERY, S.READY, S.SHIPPED, S.COMPLETED}


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())
