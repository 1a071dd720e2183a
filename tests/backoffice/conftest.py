"""The back office works on the order tests' small shop (a store with a manager and a clerk, a
second store with a clerk, stock)."""

from tests.orders.conftest import shop  # noqa: F401
