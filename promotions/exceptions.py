"""Promotions' domain errors with stable codes (coupons add theirs beside these)."""

from o2o.errors import Conflict, DomainError


class PromotionError(DomainError):
    code = "promotion_error"


class FlashSaleClosed(PromotionError):
    """This flash sale is not open now."""

    code = "flash_sale_closed"
    http_status = 409


class FlashSoldOut(Conflict):
    """This store's share of the flash sale is gone."""

    code = "flash_sold_out"


class FlashLimitReached(Conflict):
    """You already have as many as one member may buy in this sale."""

    code = "flash_limit_reached"


class EventFull(Conflict):
    """Every place of this event is taken."""

    code = "event_full"


class BookingNotAllowed(PromotionError):
    """This booking cannot be changed now."""

    code = "booking_not_allowed"
    http_status = 409


class VoucherUnknown(PromotionError):
    """No booking of this event has that voucher."""

    code = "voucher_unknown"
    http_status = 404


class RepriceNotAllowed(PromotionError):
    """HQ does not allow this price at this store."""

    code = "reprice_not_allowed"
