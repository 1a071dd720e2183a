"""The back office works on the order tests' small shop (a store with a manager and a clerk, a
second store with a clerk, stock); the stock room adds stores around it (`nearby`)."""

import pytest

from orders.models import BookingPolicy
from tests.backoffice.stock_fixtures import nearby  # noqa: F401
from tests.orders.conftest import shop  # noqa: F401


@pytest.fixture
def generous_policy():
    """Several open bookings for one member at one store: more than HQ's default allows."""
    BookingPolicy.objects.update_or_create(
        pk=BookingPolicy.current().pk,
        defaults={"max_open_per_member": 10, "max_open_per_member_per_store": 10},
    )
