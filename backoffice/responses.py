"""How the back office answers: back where the form came from, a sentence for a domain error,
the 403 page. One home for each, used by every back-office view."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.exceptions import (
    DeclineReasonRequired,
    InvalidOfferTransition,
    NotYourOffer,
    OfferExpired,
)
from inventory.exceptions import InactiveStore, InsufficientStock
from inventory.exceptions import InvalidState as InventoryInvalidState
from members.card import CardTokenError
from members.services import gifts
from o2o.errors import DomainError, TooManyAttempts
from o2o.redirects import redirect_to_next
from o2o.throttle import throttled_message
from orders.exceptions import InvalidTransition
from orders.services.assisted import AssistedCartClaimed
from orders.services.refunds import InvalidRefund

# What the clerk reads for each refusal; the exception text is for logs.
ERROR_MESSAGES = {
    InsufficientStock: gettext_lazy("Not enough stock in the store for this."),
    AssistedCartClaimed: gettext_lazy(
        "The customer has already paid for this cart; it cannot change any more."
    ),
    gifts.GiftUnavailable: gettext_lazy("This gift is no longer available."),
    gifts.GiftNotFound: gettext_lazy("No gift pickup with this code at your store."),
    gifts.GiftNotAllowed: gettext_lazy(
        "Only a clerk or manager of the pickup store can hand it over."
    ),
    gifts.GiftAlreadyClosed: gettext_lazy("This gift was already picked up or cancelled."),
    gifts.GiftPickupExpired: gettext_lazy(
        "The pickup period has passed; the gift is no longer held."
    ),
    InventoryInvalidState: gettext_lazy(
        "Someone has already shipped, received or cancelled this. Reload to see where it stands."
    ),
    InactiveStore: gettext_lazy("That store is not open for business."),
    DeclineReasonRequired: gettext_lazy(
        "Say why the store declines (for example: a size is missing): the order was not declined."
    ),
    OfferExpired: gettext_lazy(
        "The time to accept this delivery order has passed; it goes to the next store."
    ),
    InvalidOfferTransition: gettext_lazy(
        "This delivery order was already answered or has moved on. The list shows where it stands."
    ),
    NotYourOffer: gettext_lazy("This delivery order was offered to another store."),
}
# Refusals whose detail helps the clerk (which line, which status).
ERROR_MESSAGES_WITH_DETAIL = {
    InvalidRefund: gettext_lazy("The refund cannot be made: %(detail)s"),
    InvalidTransition: gettext_lazy("This cannot be done now: %(detail)s"),
}


# Why a scanned member card QR is refused, by CardTokenError code.
CARD_ERROR_MESSAGES = {
    CardTokenError.EXPIRED: gettext_lazy(
        "This card code has expired. Ask the shopper to open her member card again."
    ),
    CardTokenError.REPLAYED: gettext_lazy(
        "This card code was already used. Ask the shopper to show her card again: "
        "it changes every minute."
    ),
    CardTokenError.INVALID: gettext_lazy("This is not a valid member card code."),
}


def domain_error_message(error: DomainError) -> str:
    """A sentence for the clerk about a refused action."""
    if isinstance(error, TooManyAttempts):
        return throttled_message(error.retry_after)
    if isinstance(error, CardTokenError):
        return str(CARD_ERROR_MESSAGES.get(error.code, CARD_ERROR_MESSAGES[error.INVALID]))
    for kind, message in ERROR_MESSAGES.items():
        if isinstance(error, kind):
            return str(message)
    for kind, message in ERROR_MESSAGES_WITH_DETAIL.items():
        if isinstance(error, kind):
            return message % {"detail": error}
    return _("This cannot be done: %(detail)s") % {"detail": error}


def forbidden(request, reason: str) -> TemplateResponse:
    """The back office's 403 page: why, a way to the admin for HQ, and "log in as someone else"."""
    return TemplateResponse(
        request,
        "backoffice/forbidden.html",
        {"reason": reason, "user_is_admin": request.user.is_staff},
        status=403,
    )


def redirect_back(request, default: str):
    """Back where the form came from (a same-site `next`), else `default`."""
    return redirect_to_next(request, request.POST.get("next"), default=default)
