"""The orders app's models, one module per concept (DESIGN §4 "Orders"):

- `order`: Order, OrderLine, OrderEvent (the timeline, with typed kinds);
- `payment`: Payment, PaymentNotification, Refund, RefundLine;
- `cart`: Cart, CartLine;
- `policy`: BookingPolicy (HQ's limits on try-in-store bookings).

Status changes only through `orders.services.status.order_transition`.
"""

from orders.models.cart import Cart, CartLine
from orders.models.order import Order, OrderEvent, OrderLine
from orders.models.payment import Payment, PaymentNotification, Refund, RefundLine
from orders.models.policy import BookingPolicy

__all__ = [
    "BookingPolicy",
    "Cart",
    "CartLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "PaymentNotification",
    "Refund",
    "RefundLine",
]
