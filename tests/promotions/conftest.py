"""Promotions tests run on the order tests' small shop; flash sales add stores around it."""

from tests.orders.conftest import shop  # noqa: F401
from tests.promotions.flash_fixtures import flash_shop  # noqa: F401
