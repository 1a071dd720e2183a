"""Order numbers people can read out: the local date and a serial, e.g. 261122 000123."""

import secrets

from django.db import connection
from django.utils import timezone


def order_number_next() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (serial,) = cursor.fetchone()
    return f"{timezone.localdate():%y%m%d}{serial % 1_000_000:06d}"


def pickup_code_new() -> str:
    """The 6-digit code typed when the order QR cannot be scanned."""
    return f"{secrets.randbelow(1_000_000):06d}"
