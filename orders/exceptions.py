"""Orders' domain errors with stable codes."""

from o2o.errors import DomainError


class OrderError(DomainError):
    code = "order_error"


class InvalidTransition(OrderError):
    """The order is not in a state that allows this."""

    code = "invalid_transition"
    http_status = 409


class EmptyOrder(OrderError):
    """An order needs at least one line."""

    code = "empty_order"


class UnknownMember(OrderError):
    """No member with that code or phone."""

    code = "unknown_member"


class UnknownClerk(OrderError):
    """No active clerk with that code at this store."""

    code = "unknown_clerk"


class AmountMismatch(OrderError):
    """The amount does not match the lines."""

    code = "amount_mismatch"
