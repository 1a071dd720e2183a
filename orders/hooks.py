"""Named points in an order's life where the apps above orders plug in (DESIGN §3).

Orders sits below dispatch, commissions and promotions, so it cannot call them. Instead each of
those apps registers, from its `AppConfig.ready()`, a function for the points it cares about:

    from orders import hooks
    hooks.hook_register(hooks.ORDER_PAID, commission_record_for_order)

and orders runs every function registered for a point at the moment it happens:

- `ORDER_PAID` (`order=`): an order's goods are paid for. WeChat Pay: online orders, scan and
  pay in store, items kept after a try-in-store visit, a late payment; or an order created
  already paid: a POS sale imported through the API.
- `ORDER_COMPLETED` (`order=`): a paid order reaches `completed`: handed over, pickup verified,
  delivered, received; a POS sale at once.
- `REFUND_SUCCEEDED` (`order=`, `refund=`): a refund has its money back: in full, by line, or a
  line returned at the door.
- `ORDER_LAPSED` (`order=`): an order gave back what it held without being paid: the payment
  window passed (expired), the shopper or staff cancelled it, or a try-in-store booking was not
  kept; its stock reservations and points are already released (a flash sale's quota goes
  back here).
- `COUPON_APPLY` (`order=`, `code=`): a shopper placing an order asks for the coupon `code` to be
  used on it. The order and its lines are written, not yet its stock reservation; the hook
  takes the coupon (once) and lowers the order's amounts with
  `orders.services.discounts.order_discount_add` (or adds a gift line at price 0 with
  `order_gift_line_add`: checkout then holds its stock with the other lines), or raises a domain
  error that refuses the whole checkout. Checkout refuses a coupon when nothing is registered here.

Rules every hook keeps:
- It runs inside the transaction of the change, after the order row and its event are written,
  with the order row locked by the caller. If it raises, the change is rolled back with it, so a
  hook does only database work; anything outside (WeChat, e-mail, a Celery task) goes through
  `transaction.on_commit`.
- It is idempotent (a unique constraint or a guarded update): the points are reached once per
  order or refund, but a retried task or a replay must never count twice.
- Hooks of one point run in the order they were registered; registering the same function again
  changes nothing (`ready()` may run twice in tests).
"""

from __future__ import annotations

from collections.abc import Callable

ORDER_PAID = "order_paid"
ORDER_COMPLETED = "order_completed"
REFUND_SUCCEEDED = "refund_succeeded"
ORDER_LAPSED = "order_lapsed"
COUPON_APPLY = "coupon_apply"
POINTS = (ORDER_PAID, ORDER_COMPLETED, REFUND_SUCCEEDED, ORDER_LAPSED, COUPON_APPLY)

_registry: dict[str, list[Callable[..., object]]] = {point: [] for point in POINTS}


def hook_register(point: str, hook: Callable[..., object]) -> None:
    """Have `hook(**arguments of the point)` called whenever `point` is reached."""
    if point not in _registry:
        raise ValueError(f"unknown order hook point {point!r}; one of {', '.join(POINTS)}")
    if hook not in _registry[point]:
        _registry[point].append(hook)


def hook_unregister(point: str, hook: Callable[..., object]) -> None:
    """Forget a registered hook (tests that register their own)."""
    if hook in _registry.get(point, []):
        _registry[point].remove(hook)


def hooks_registered(point: str) -> tuple[Callable[..., object], ...]:
    return tuple(_registry[point])


def hooks_run(point: str, **arguments) -> None:
    """Call every hook registered for `point`; orders calls this, nobody else."""
    for hook in tuple(_registry[point]):
        hook(**arguments)
