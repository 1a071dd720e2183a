"""The back office works on the order tests' small shop (a store with a manager and a clerk, a
second store with a clerk, stock); the stock room adds stores around it (`nearby`)."""

from tests.backoffice.stock_fixtures import nearby  # noqa: F401
from tests.orders.conftest import shop  # noqa: F401
