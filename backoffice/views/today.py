"""The Today screen (the clerk's landing page at /staff/): everything the store has to do now.

The board is a list of sections, each a loader and a partial template; a new kind of work is one
more `Section` in `SECTIONS` and one partial. Delivery orders offered to the store come first,
each with a countdown to its accept deadline (`backoffice/today.js` ticks it every second). The
board fetches itself again every few seconds with htmx (`board` answers the fragment) and
`backoffice/today.js` beeps and badges the tab title when an item appears that was not there
before. The loaders read through the apps' selectors, each a fixed number of queries, so the board
costs the same for three orders or three hundred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from backoffice.access import follow_up_tasks_visible, staff_required
from dispatch.selectors import offers_open_for_store
from inventory.selectors import StoreTransfers, store_transfers_open
from orders import selectors as order_selectors
from stores.models import Staff

FOLLOW_UPS_FETCHED = 50  # counted up to this many; the board lists the first few
FOLLOW_UPS_LISTED = 5
POLL_SECONDS = 5

# Suggestions offered when a store declines a delivery order (any reason may be typed).
DECLINE_REASONS = [
    _("A size or item is missing"),
    _("Nobody free to deliver in time"),
    _("The store closes soon"),
]


def stock_room_url(**query) -> str:
    """The stock room page (built beside this one) with `query`, or "" while it does not exist,
    so links to it appear by themselves once it is there."""
    path = reverse("backoffice:home") + "stock/"
    try:
        resolve(path)
    except Resolver404:
        return ""
    return f"{path}?{urlencode(query)}" if query else path


class TodayReads:
    """What the sections read, each read done once per board however many sections use it."""

    def __init__(self, staff: Staff, now: datetime):
        self.staff = staff
        self.store = staff.store
        self.now = now
        self.today = timezone.localdate(now)

    @cached_property
    def queue(self) -> order_selectors.StoreQueue:
        return order_selectors.store_order_queue(self.store)

    @cached_property
    def visits(self) -> list:
        return [
            booking
            for booking in order_selectors.store_bookings(self.store, now=self.now)
            if timezone.localdate(booking.appointment_at) == self.today
        ]

    @cached_property
    def transfers(self) -> StoreTransfers:
        return store_transfers_open(store=self.store)

    @cached_property
    def follow_ups(self) -> list:
        tasks = follow_up_tasks_visible(self.staff).filter(outcome="", due_date__lte=self.today)
        return list(tasks.order_by("due_date", "id")[:FOLLOW_UPS_FETCHED])


@dataclass(frozen=True)
class Section:
    """One block of the board: `load` gives its template's data, with `count` for the chips."""

    key: str
    title: Promise
    template: str
    load: Callable[[TodayReads], dict]


def _offers(reads: TodayReads) -> dict:
    """Delivery orders offered to the store, soonest deadline first, each with its seconds left
    (the board's script counts them down between polls)."""
    offers = list(offers_open_for_store(reads.store).prefetch_related("order__lines"))
    for offer in offers:
        offer.seconds_left = max(0, int((offer.deadline - reads.now).total_seconds()))
    return {
        "offers": offers,
        "reasons": DECLINE_REASONS,
        "remind_seconds": settings.DISPATCH_REMIND_BEFORE_MINUTES * 60,
        "count": len(offers),
    }


def _hand_over(reads: TodayReads) -> dict:
    orders = reads.queue.to_hand_over
    return {"orders": orders, "count": len(orders)}


def _pickups(reads: TodayReads) -> dict:
    queue = reads.queue
    return {
        "to_pack": queue.to_pack,
        "ready": queue.ready,
        "count": len(queue.to_pack) + len(queue.ready),
    }


def _visits(reads: TodayReads) -> dict:
    visits = reads.visits
    return {
        "visits": visits,
        "pick_list": order_selectors.booking_pick_list(visits),
        "now": reads.now,
        "count": len(visits),
    }


def _transfers(reads: TodayReads) -> dict:
    transfers = reads.transfers
    return {
        "arriving": transfers.arriving,
        "to_ship": transfers.to_ship,
        "stock_url": stock_room_url(),
        "count": len(transfers.arriving) + len(transfers.to_ship),
    }


def _follow_ups(reads: TodayReads) -> dict:
    tasks = reads.follow_ups
    return {
        "tasks": tasks[:FOLLOW_UPS_LISTED],
        "more": max(0, len(tasks) - FOLLOW_UPS_LISTED),
        "today": reads.today,
        "count": len(tasks),
        "count_capped": len(tasks) >= FOLLOW_UPS_FETCHED,
    }


SECTIONS: list[Section] = [
    Section("offers", _("Delivery orders to accept"), "backoffice/today/offers.html", _offers),
    Section(
        "hand_over", _("Hand over at the counter"), "backoffice/today/hand_over.html", _hand_over
    ),
    Section("pickups", _("Pickups"), "backoffice/today/pickups.html", _pickups),
    Section("visits", _("Try-in-store visits today"), "backoffice/today/visits.html", _visits),
    Section("transfers", _("Transfers"), "backoffice/today/transfers.html", _transfers),
    Section("follow_ups", _("Follow-ups due"), "backoffice/today/follow_ups.html", _follow_ups),
]


def today_board_context(staff: Staff, *, now: datetime | None = None) -> dict:
    """The board's template context: `board_sections` [(section, data)], in the board's order."""
    now = now or timezone.now()
    reads = TodayReads(staff, now)
    blocks = [{"section": section, "data": section.load(reads)} for section in SECTIONS]
    return {
        "board_sections": blocks,
        "board_updated": timezone.localtime(now),
        "board_poll_seconds": POLL_SECONDS,
        # Actions on the board come back to the landing page, also when the board was fetched
        # on its own by the poll.
        "board_next": reverse("backoffice:home"),
    }


@staff_required
def board(request):
    """The board alone (what the home page polls), or as a page of its own without htmx."""
    context = today_board_context(request.staff)
    if request.headers.get("HX-Request"):
        return TemplateResponse(request, "backoffice/today/board.html", context)
    return TemplateResponse(request, "backoffice/today/page.html", context)
