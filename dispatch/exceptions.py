"""Dispatch's domain errors; each has a stable code that pages and the API show."""

from o2o.errors import DomainError


class DispatchError(DomainError):
    code = "dispatch_error"


class NoDeliveryRoute(DispatchError):
    """No store can deliver this basket to this address, and the warehouse cannot send it."""

    code = "no_delivery_route"
    http_status = 409

    def __init__(self, message: str = "", *, decision=None):
        super().__init__(message)
        self.decision = decision  # the stored RouteDecision that explains the refusal


class InvalidDeliveryPoint(DispatchError):
    """The delivery point is not a pair of finite GCJ-02 coordinates."""

    code = "invalid_delivery_point"


class InvalidOfferTransition(DispatchError):
    """The offer is no longer open (answered, expired or withdrawn)."""

    code = "offer_closed"
    http_status = 409


class InvalidDispatchTransition(DispatchError):
    """The order's dispatch is not in a state that allows this."""

    code = "invalid_dispatch_state"
    http_status = 409


class OfferExpired(DispatchError):
    """The deadline to accept this offer has passed."""

    code = "offer_expired"
    http_status = 409


class NotYourOffer(DispatchError):
    """Only active staff of the offered store (or HQ) may answer an offer."""

    code = "offer_not_yours"
    http_status = 403


class DeclineReasonRequired(DispatchError):
    """A store that declines says why."""

    code = "decline_reason_required"


class NoTransferSource(DispatchError):
    """No other store holds a line this store lacks."""

    code = "no_transfer_source"
    http_status = 409


class NotYourDelivery(DispatchError):
    """Only active staff of the delivering store act on its delivery."""

    code = "delivery_not_yours"
    http_status = 403


class WrongDeliveryCode(DispatchError):
    """The code the shopper gave does not match this order's."""

    code = "wrong_delivery_code"


class TooManyCodeAttempts(DispatchError):
    """Too many wrong delivery codes: the store manager confirms by hand."""

    code = "delivery_code_locked"
    http_status = 429


class InvalidHandOver(DispatchError):
    """What the courier recorded at the door does not match the order's lines."""

    code = "invalid_hand_over"


class InvalidCourier(DispatchError):
    """The courier must be an active clerk or manager of the delivering store."""

    code = "invalid_courier"
