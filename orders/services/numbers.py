"""Order numbers people can read out: the local date and a serial, e.g. 261122 000123; and the
6-digit pickup codes typed at the counter."""

import secrets

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orders.models import Order

PICKUP_CODE_CONSTRAINT = "order_pickup_code_open_unique"
PICKUP_CODE_TRIES = 20


def order_number_next() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (serial,) = cursor.fetchone()
    return f"{timezone.localdate():%y%m%d}{serial % 1_000_000:06d}"


def pickup_code_new() -> str:
    """A random 6-digit code (assign it with pickup_code_assign, which makes it unique)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def is_pickup_code_clash(error: IntegrityError) -> bool:
    cause = getattr(error, "__cause__", None)
    return getattr(getattr(cause, "diag", None), "constraint_name", "") == PICKUP_CODE_CONSTRAINT


def pickup_code_assign(*, order: Order) -> str:
    """Give an open order a pickup code that no other open order of its store has.

    The database decides (the partial unique constraint on the store's open orders): each try
    writes a random code in a savepoint and another is drawn when it clashes, so two checkouts
    at the same moment can never end up with one code. A clash is rare (open orders per store
    are few against a million codes); twenty in a row means something else is wrong.
    """
    for _attempt in range(PICKUP_CODE_TRIES):
        code = pickup_code_new()
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(pickup_code=code)
        except IntegrityError as error:
            if not is_pickup_code_clash(error):
                raise
            continue
        order.pickup_code = code
        return code
    raise RuntimeError(f"no free pickup code for order {order.number}")
