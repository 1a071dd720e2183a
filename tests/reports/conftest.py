"""Reports work on the order tests' small shop (two stores, a manager, clerks, a member)."""

from tests.orders.conftest import shop  # noqa: F401
