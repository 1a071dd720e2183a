"""The cross-cutting page tests (translations) render pages of the order tests' small shop."""

from tests.orders.conftest import shop  # noqa: F401
