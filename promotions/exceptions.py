"""Promotions' domain errors with stable codes (the API answers with them); for coupons, the
sentence a shopper or clerk reads for each code too (`str(error)`, in the active language)."""

from django.utils.translation import gettext_lazy as _

from o2o.errors import Conflict, DomainError, NotFound


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


class InvalidEventStart(PromotionError):
    """An event starts in the future, at most 12 months ahead."""

    code = "invalid_event_start"


class VoucherUnknown(PromotionError):
    """No booking of this event has that voucher."""

    code = "voucher_unknown"
    http_status = 404


class RepriceNotAllowed(PromotionError):
    """HQ does not allow this price at this store."""

    code = "reprice_not_allowed"


# ---- coupons ----------------------------------------------------------------------------------


class CouponRefusal:
    """Mixin: without an explicit message, the error reads as the sentence for its code."""

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message, code=code)
        self.explicit = bool(message)

    def __str__(self):
        if self.explicit:
            return super().__str__()
        return coupon_error_text(self.code)


class CouponNotFound(CouponRefusal, NotFound):
    code = "coupon_not_found"


class CouponUsed(CouponRefusal, Conflict):
    code = "coupon_used"


class CouponNotValid(CouponRefusal, PromotionError):
    code = "coupon_not_valid"

    EXPIRED = "coupon_expired"
    NOT_YET = "coupon_not_yet_valid"
    WITHDRAWN = "coupon_withdrawn"
    WRONG_STORE = "coupon_wrong_store"
    WRONG_CHANNEL = "coupon_wrong_channel"
    NO_ELIGIBLE_ITEMS = "coupon_no_eligible_items"
    BELOW_MIN_SPEND = "coupon_below_min_spend"
    NOTHING_TO_DISCOUNT = "coupon_nothing_to_discount"
    GIFT_UNAVAILABLE = "coupon_gift_unavailable"


class CouponUnavailable(CouponRefusal, PromotionError):
    code = "coupon_unavailable"

    INACTIVE = "coupon_inactive"
    SOLD_OUT = "coupon_sold_out"
    MEMBER_LIMIT = "coupon_member_limit"
    ENDED = "coupon_ended"


class CouponShareInvalid(CouponRefusal, PromotionError):
    code = "coupon_share_invalid"


V, U = CouponNotValid, CouponUnavailable

COUPON_MESSAGES = {
    "coupon_not_found": _("No coupon with this code. Check the code and try again."),
    "coupon_used": _("This coupon has already been used."),
    "coupon_not_valid": _("This coupon cannot be used here or now."),
    "coupon_unavailable": _("This coupon cannot be issued."),
    "coupon_share_invalid": _(
        "This share link is not valid. Ask your friend to share it again, or claim the coupon "
        "without it."
    ),
    V.EXPIRED: _("This coupon has expired."),
    V.NOT_YET: _("This coupon cannot be used yet."),
    V.WITHDRAWN: _("This coupon has been withdrawn."),
    V.WRONG_STORE: _("This coupon cannot be used at this store."),
    V.WRONG_CHANNEL: _("This coupon cannot be used here: check where it is valid."),
    V.NO_ELIGIBLE_ITEMS: _("None of these items is covered by this coupon."),
    V.BELOW_MIN_SPEND: _("Spend more on covered items to use this coupon."),
    V.NOTHING_TO_DISCOUNT: _("There is nothing left to discount on this order."),
    V.GIFT_UNAVAILABLE: _(
        "The gift of this coupon is out of stock at this store: choose another store, or keep "
        "the coupon for later."
    ),
    U.INACTIVE: _("This coupon is not offered any more."),
    U.ENDED: _("This coupon offer has ended."),
    U.SOLD_OUT: _("All of these coupons have been claimed."),
    U.MEMBER_LIMIT: _("You already have this coupon."),
}


def coupon_error_text(error: DomainError | str) -> str:
    code = error if isinstance(error, str) else error.code
    message = COUPON_MESSAGES.get(code)
    return str(message) if message is not None else str(_("This coupon cannot be used."))
