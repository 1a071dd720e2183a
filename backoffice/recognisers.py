"""What the desk scanner read, and what the desk does with it.

The scanner page posts the raw text (decoded by the camera, WeChat's scanner, or typed) to one
endpoint, which calls `scan_dispatch`: each recogniser in turn says whether the text is its kind
(`matches`: a format check, without side effects) and the first that does handles it, calling
the apps' services. A new kind of code (coupons, booking vouchers) is one more `@recogniser`
function and one result partial; the page and the endpoint do not change. The order below is
the order of the checks: signed tokens first (they cannot be mistaken), then our label URLs,
then the typed codes, whose formats overlap least to most.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.access import member_is_the_stores, member_presented_remember
from backoffice.responses import domain_error_message
from backoffice.views.today import stock_room_url
from catalog import selectors as catalog_selectors
from catalog.qr import sku_qr_parse
from inventory.selectors import sku_availability_nearby, sku_available_at
from members.card import CardTokenError, card_token_is_signed, card_token_verify
from members.exceptions import InvalidPhone
from members.models import Member
from members.services.accounts import phone_normalize
from o2o.errors import DomainError
from orders import selectors as order_selectors
from orders.exceptions import InvalidTransition
from orders.models import Cart, CartLine
from orders.services.assisted import MAX_UNITS_PER_LINE, assisted_cart_line_set
from orders.services.fulfilment import (
    AlreadyCollected,
    NotYourStore,
    TooManyAttempts,
    WrongPickupCode,
    pickup_verify,
)
from promotions.selectors import event_booking_by_voucher
from promotions.services.events import VOUCHER_PATTERN, event_check_in
from stores.models import Staff

logger = logging.getLogger(__name__)

RESULTS = "backoffice/scanner/results/"
PICKUP_CODE = re.compile(r"^\d{6}$")
MEMBER_CODE = re.compile(r"^M\d{9}$", re.IGNORECASE)
PHONE_LIKE = re.compile(r"^(\+?86)?1\d{10}$")
NEARBY_STORES = 3


@dataclass(frozen=True)
class ScanContext:
    """Who scanned, and from where: `cart` is the assisted cart the scanner was opened from."""

    request: HttpRequest
    staff: Staff
    cart: Cart | None = None


@dataclass
class ScanOutcome:
    """What the desk shows: a result partial with its context and HTTP status, or a page to go
    to instead (`redirect`). `kind` names the recogniser that handled the text."""

    template: str = RESULTS + "problem.html"
    context: dict = field(default_factory=dict)
    status: int = 200
    redirect: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Recogniser:
    name: str
    matches: Callable[[str], bool]
    handle: Callable[[ScanContext, str], ScanOutcome]


RECOGNISERS: list[Recogniser] = []


def recogniser(name: str, *, matches: Callable[[str], bool]):
    """Register the decorated `handle(context, text) -> ScanOutcome` for texts `matches` accepts."""

    def register(handle):
        RECOGNISERS.append(Recogniser(name=name, matches=matches, handle=handle))
        return handle

    return register


def problem(message: str, *, status: int = 400, **context) -> ScanOutcome:
    """A refusal the clerk reads: why, and what to do next."""
    return ScanOutcome(context={"message": message, **context}, status=status)


def scan_dispatch(context: ScanContext, text: str) -> ScanOutcome:
    """The outcome of one scanned or typed text: the first recogniser that matches handles it;
    nothing matching is an unknown code, explained."""
    text = (text or "").strip()
    for candidate in RECOGNISERS:
        if candidate.matches(text):
            outcome = candidate.handle(context, text)
            outcome.kind = candidate.name
            return outcome
    logger.info("desk scan by staff %s: unknown code (%d chars)", context.staff.pk, len(text))
    outcome = problem(unknown_message(text))
    outcome.kind = "unknown"
    return outcome


def unknown_message(text: str) -> str:
    url = urlsplit(text) if "://" in text else None
    if url is not None and url.scheme in ("http", "https") and url.netloc:
        return _("This QR code is a link to %(site)s, not a code of ours. Nothing was done.") % {
            "site": url.netloc
        }
    return _(
        "This code is not one the desk knows: not an order QR, a member card, an item label "
        "or a pickup code of ours."
    )


# ---- orders: the pickup QR on the shopper's phone, and the 6-digit code she reads out ----------


def _pickup(context: ScanContext, *, token: str = "", code: str = "") -> ScanOutcome:
    """Verify a pickup through the one service door (rate limited, checked again there)."""
    try:
        order = pickup_verify(staff=context.staff, token=token, code=code)
    except NotYourStore:
        return problem(_("This order belongs to another store."), status=403)
    except TooManyAttempts:
        return problem(_("Too many attempts. Wait a few minutes, then try again."), status=429)
    except AlreadyCollected:
        return problem(_("Already collected: this order was handed over before."), status=409)
    except WrongPickupCode:
        return problem(
            _("This QR code is not an order of ours.")
            if token
            else _("Wrong code: no order waiting for pickup here has this code."),
            status=400 if token else 404,
        )
    except InvalidTransition as error:
        return problem(domain_error_message(error), status=409)
    return ScanOutcome(
        template=RESULTS + "pickup_verified.html",
        context={"order": order, "lines": list(order.lines.all())},
    )


def _is_order_qr(text: str) -> bool:
    return order_selectors.order_by_pickup_token(text) is not None


@recogniser("order_pickup_qr", matches=_is_order_qr)
def order_pickup_qr(context: ScanContext, text: str) -> ScanOutcome:
    """The order QR a pickup shopper shows: verified and completed here, or refused with the
    store it belongs to."""
    order = order_selectors.order_by_pickup_token(text)
    if order.fulfilling_store_id != context.staff.store_id:
        store = order.fulfilling_store
        return problem(
            _("This order belongs to %(store)s. It can only be collected there.")
            % {"store": store.name}
            if store
            else _("This order belongs to another store."),
            status=403,
        )
    return _pickup(context, token=text)


@recogniser("pickup_code", matches=lambda text: bool(PICKUP_CODE.match(text)))
def pickup_code(context: ScanContext, text: str) -> ScanOutcome:
    """The 6-digit pickup code, typed when her phone cannot show the QR."""
    return _pickup(context, code=text)


# ---- members: the member card QR, or her member code or phone typed --------------------------


def _member_page(context: ScanContext, member: Member) -> ScanOutcome:
    return ScanOutcome(redirect=reverse("customers_backoffice:detail", args=[member.member_code]))


@recogniser("member_card_qr", matches=card_token_is_signed)
def member_card_qr(context: ScanContext, text: str) -> ScanOutcome:
    """Her member card: accepted once while fresh; her page opens here whatever her store."""
    try:
        member = card_token_verify(text)
    except CardTokenError as error:
        return problem(domain_error_message(error), status=400)
    member_presented_remember(context.request, member)
    return _member_page(context, member)


def _is_member_code_or_phone(text: str) -> bool:
    compact = re.sub(r"[\s-]", "", text)
    return bool(MEMBER_CODE.match(compact) or PHONE_LIKE.match(compact))


@recogniser("member_typed", matches=_is_member_code_or_phone)
def member_typed(context: ScanContext, text: str) -> ScanOutcome:
    """A typed member code or phone: her page when she is one of the store's members."""
    compact = re.sub(r"[\s-]", "", text)
    members = Member.objects.select_related("bound_clerk").filter(is_active=True)
    if MEMBER_CODE.match(compact):
        member = members.filter(member_code=compact.upper()).first()
    else:
        try:
            member = members.filter(phone=phone_normalize(compact)).first()
        except InvalidPhone:
            member = None
    if member is None:
        return problem(_("No member has this member code or phone number."), status=404)
    if not member_is_the_stores(context.staff, member):
        return problem(
            _(
                "She is a member of another store: her page opens here when she shows her "
                "member card."
            ),
            status=403,
        )
    return _member_page(context, member)


# ---- items: the shelf label QR, or an item code or barcode typed ------------------------------


def _item(context: ScanContext, sku, *, label_store_code: str = "") -> ScanOutcome:
    if sku is None:
        return problem(_("No item of ours has this code."), status=404)
    if not (sku.is_active and sku.product.is_active):
        return problem(_("%(item)s is no longer sold.") % {"item": sku.product.name}, status=410)
    if context.cart is not None:
        return _add_to_cart(context, sku)
    store = context.staff.store
    return ScanOutcome(
        template=RESULTS + "item.html",
        context={
            "sku": sku,
            "available_here": sku_available_at(sku=sku, store=store),
            "nearby": sku_availability_nearby(sku=sku, exclude_store=store, limit=NEARBY_STORES),
            "label_of_other_store": label_store_code not in ("", store.code),
            "label_store_code": label_store_code,
            "stock_url": stock_room_url(sku=sku.code),
        },
    )


def _add_to_cart(context: ScanContext, sku) -> ScanOutcome:
    """From an assisted cart: one more unit of the item in the customer's cart."""
    cart = context.cart
    held = (
        CartLine.objects.filter(cart=cart, sku=sku).values_list("quantity", flat=True).first() or 0
    )
    try:
        line = assisted_cart_line_set(
            cart=cart,
            staff=context.staff,
            sku=sku,
            quantity=min(held + 1, MAX_UNITS_PER_LINE),
        )
    except DomainError as error:
        return problem(domain_error_message(error), status=409)
    return ScanOutcome(
        template=RESULTS + "item_added.html",
        context={"sku": sku, "line": line, "cart": cart},
    )


# ---- store events: the voucher of a booking, shown at the door ------------------------------


@recogniser("event_voucher", matches=lambda text: bool(VOUCHER_PATTERN.match(text)))
def event_voucher(context: ScanContext, text: str) -> ScanOutcome:
    """A store event's voucher on the shopper's phone: she is checked in, once, at her store."""
    booking = event_booking_by_voucher(code=text)
    if booking is None:
        return problem(_("No booking of this event has that voucher."), status=404)
    if booking.event.store_id != context.staff.store_id:
        return problem(
            _("This voucher is for an event of %(store)s.") % {"store": booking.event.store.name},
            status=403,
        )
    try:
        booking = event_check_in(event=booking.event, voucher_code=text, staff=context.staff)
    except DomainError as error:
        return problem(
            _("This voucher cannot be checked in: %(detail)s") % {"detail": error}, status=409
        )
    return ScanOutcome(
        template=RESULTS + "event_checked_in.html",
        context={"booking": booking, "event": booking.event},
    )


@recogniser("item_label", matches=lambda text: sku_qr_parse(text) is not None)
def item_label(context: ScanContext, text: str) -> ScanOutcome:
    """A shelf label (`SITE_URL/q/<sku>?s=<store>`): the item's stock, or into the cart."""
    label = sku_qr_parse(text)
    sku = catalog_selectors.sku_for_scan_get(code=label.sku_code)
    return _item(context, sku, label_store_code=label.store_code)


def _is_item_code(text: str) -> bool:
    return catalog_selectors.sku_by_code_or_barcode(text) is not None


@recogniser("item_code", matches=_is_item_code)
def item_code(context: ScanContext, text: str) -> ScanOutcome:
    """An item code or barcode, typed or read from the product's own barcode."""
    return _item(context, catalog_selectors.sku_by_code_or_barcode(text))
