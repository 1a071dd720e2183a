"""Reads of orders, carts and favorites used by the shopper pages (reads for the store
back-office may follow below)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.selectors import sku_stock_search
from members.models import FollowUpTask, Member
from orders.models import Cart, CartLine, Order, OrderEvent, OrderLine
from orders.services.fulfilment import PICKUP_SALT
from orders.status import SOLD
from stores.models import Store

# ---- Shopper side ------------------------------------------------------------------------------


def cart_lines(cart: Cart | None) -> list[CartLine]:
    if cart is None:
        return []
    return list(
        CartLine.objects.filter(cart=cart).select_related("sku__product").order_by("added_at", "id")
    )


def cart_count(cart: Cart | None) -> int:
    return (
        0
        if cart is None
        else sum(CartLine.objects.filter(cart=cart).values_list("quantity", flat=True))
    )


def cart_by_token(token: str) -> Cart | None:
    """A clerk-built cart (导购代下单) by its link token."""
    if not token or len(token) > 32:
        return None
    return (
        Cart.objects.filter(token=token, built_by__isnull=False)
        .select_related("built_by", "store", "claimed_order")
        .first()
    )


def member_orders(member) -> QuerySet[Order]:
    """The member's orders, newest first, with what the list shows (no per-row queries)."""
    return (
        Order.objects.filter(member=member)
        .select_related("fulfilling_store")
        .annotate(line_count=Count("lines"))
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-created_at", "-id")
    )


def member_order_get(*, member, number: str) -> Order | None:
    """One of the member's orders with its lines, timeline and store; None for anyone else's."""
    return (
        Order.objects.filter(member=member, number=number)
        .select_related(
            "fulfilling_store",
            "credited_store",
            "member__bound_clerk__store",
            "member__home_store",
        )
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
        )
        .first()
    )


# ---- Store back office -------------------------------------------------------------------------


@dataclass
class StoreQueue:
    """What a store has to do now (扫码购 hand-over, pickups to pack, parcels to ship)."""

    to_hand_over: list[Order]
    to_pack: list[Order]
    ready: list[Order]
    to_ship: list[Order]

    @property
    def waiting_count(self) -> int:
        """Orders waiting for the store to act (ready pickups wait for the shopper)."""
        return len(self.to_hand_over) + len(self.to_pack) + len(self.to_ship)


def store_order_queue(store: Store) -> StoreQueue:
    """The store's paid orders waiting for it, oldest paid first, in two queries."""
    F = Order.Fulfillment
    orders = list(
        Order.objects.filter(
            fulfilling_store=store,
            status__in=[Order.Status.PAID, Order.Status.READY],
            fulfillment__in=[F.IN_STORE, F.PICKUP, F.SHIP],
        )
        .select_related("member")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("paid_at", "id")
    )

    def pick(fulfillment, status):
        return [o for o in orders if o.fulfillment == fulfillment and o.status == status]

    return StoreQueue(
        to_hand_over=pick(F.IN_STORE, Order.Status.PAID),
        to_pack=pick(F.PICKUP, Order.Status.PAID),
        ready=pick(F.PICKUP, Order.Status.READY),
        to_ship=pick(F.SHIP, Order.Status.PAID),
    )


def store_waiting_count(store: Store) -> int:
    """The queue's badge number in one query."""
    F = Order.Fulfillment
    return (
        Order.objects.filter(fulfilling_store=store, status=Order.Status.PAID)
        .filter(fulfillment__in=[F.IN_STORE, F.PICKUP, F.SHIP])
        .count()
    )


def store_order_get(number: str, *, lock: bool = False) -> Order | None:
    """One order with everything the back-office detail page shows (the caller checks the
    store). `lock` takes the order's row lock, inside the caller's transaction."""
    orders = Order.objects.select_for_update(of=("self",)) if lock else Order.objects
    return (
        orders.filter(number=number)
        .select_related(
            "member", "fulfilling_store", "credited_store", "credited_clerk", "assisted_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
            "refunds",
        )
        .first()
    )


def store_bookings(store: Store, *, now: datetime | None = None) -> list[Order]:
    """网订店试: the store's bookings still waiting for a visit up to the end of tomorrow
    (including any whose time has passed but that the expiry sweep has not reached yet)."""
    now = timezone.localtime(now or timezone.now())
    midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    day_after_tomorrow = (now + timedelta(days=2)).replace(**midnight)
    return list(
        Order.objects.filter(
            fulfilling_store=store,
            status=Order.Status.BOOKED,
            appointment_at__lt=day_after_tomorrow,
        )
        .select_related("member")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("appointment_at", "id")
    )


def assisted_carts(staff) -> list[Cart]:
    """The clerk's carts built for customers: open ones and those paid in the last week."""
    from django.db.models import Q

    since = timezone.now() - timedelta(days=7)
    return list(
        Cart.objects.filter(built_by=staff)
        .filter(Q(claimed_order__isnull=True) | Q(updated_at__gte=since))
        .select_related("claimed_order")
        .annotate(line_count=Count("lines"))
        .order_by("-created_at", "-id")[:50]
    )


def assisted_cart_note(order: Order) -> str:
    """The clerk's own note on the cart an assisted order was paid from (shown to staff only)."""
    if order.channel != Order.Channel.CLERK_ASSISTED:
        return ""
    return Cart.objects.filter(claimed_order=order).values_list("note", flat=True).first() or ""


def assist_sku_search(*, store: Store, query: str, limit: int = 20) -> list:
    """SKUs for a clerk's cart by product name, product or SKU code or barcode, with what the
    store has available (`available`, None when the store never stocked it)."""
    return sku_stock_search(store=store, query=query, limit=limit)


def assist_sku_search_by_id(sku_id: int):
    """A SKU a clerk picked from the search (with its product), or None."""
    from catalog.models import SKU

    return SKU.objects.select_related("product").filter(pk=sku_id).first()


# ---- Store desk: the today screen, the scanner, the clerk's customers ---------------------------


def booking_pick_list(bookings) -> list[dict]:
    """网订店试: what to fetch from the stockroom for these bookings, one row per SKU:
    {"line": a booked line (name, colour, size), "quantity": units, "orders": [numbers]}.
    Reads the prefetched lines, so it adds no query."""
    pick: dict[int, dict] = {}
    for booking in bookings:
        for line in booking.lines.all():
            item = pick.setdefault(line.sku_id, {"line": line, "quantity": 0, "orders": []})
            item["quantity"] += line.quantity
            item["orders"].append(booking.number)
    return sorted(pick.values(), key=lambda item: (item["line"].product_name, item["line"].pk))


def order_by_pickup_token(token: str) -> Order | None:
    """The order a scanned pickup QR names, with its store; None when the text is not one of
    our order QRs (the signature is checked; nothing is changed, nothing counted)."""
    try:
        number = signing.loads(str(token or ""), salt=PICKUP_SALT)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not isinstance(number, str):
        return None
    return Order.objects.select_related("fulfilling_store").filter(number=number).first()


def customers_with_activity(members: QuerySet[Member], *, staff) -> QuerySet[Member]:
    """Members annotated with what a clerk's customer list shows, in the same query:
    `spend` (fen paid for sold orders, net of refunds, ever), `open_follow_ups` and
    `next_follow_up` (the staff member's own open tasks for her)."""
    sold = (
        Order.objects.filter(member=OuterRef("pk"), status__in=SOLD)
        .order_by()
        .values("member")
        .annotate(total=Sum(F("total_amount") - F("refunded_amount")))
        .values("total")
    )
    open_tasks = FollowUpTask.objects.filter(member=OuterRef("pk"), assignee=staff, outcome="")
    open_count = open_tasks.order_by().values("member").annotate(n=Count("id")).values("n")
    next_due = open_tasks.order_by().values("member").annotate(d=Min("due_date")).values("d")
    return members.select_related("home_store").annotate(
        spend=Coalesce(Subquery(sold, output_field=IntegerField()), 0),
        open_follow_ups=Coalesce(Subquery(open_count, output_field=IntegerField()), 0),
        next_follow_up=Subquery(next_due),
    )


def clerk_customers(staff, *, search: str = "") -> QuerySet[Member]:
    """Members bound to the clerk (her customers), those with a follow-up due soonest first,
    then the most recent buyers; `search` matches a name, a phone number or the member code."""
    members = Member.objects.filter(bound_clerk=staff, is_active=True)
    search = (search or "").strip()
    if search:
        members = members.filter(
            Q(nickname__icontains=search)
            | Q(phone__contains=search)
            | Q(member_code__iexact=search)
        )
    return customers_with_activity(members, staff=staff).order_by(
        F("next_follow_up").asc(nulls_last=True),
        F("last_purchase_at").desc(nulls_last=True),
        "pk",
    )


def customer_get(member_code: str, *, staff) -> Member | None:
    """One active member by her code, annotated like the customer list, with her home store and
    bound clerk; None when there is no such member. (Who may see her is the caller's check.)"""
    members = Member.objects.filter(member_code=(member_code or "").upper(), is_active=True)
    return (
        customers_with_activity(members, staff=staff).select_related("bound_clerk__store").first()
    )
