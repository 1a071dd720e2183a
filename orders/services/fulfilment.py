"""What a store does with an order: hand over, get ready for pickup, verify the pickup, ship,
turn a try-in-store visit into a sale. Every action checks the staff member first."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from inventory.models import Reservation
from inventory.services import reservations_release, stock_reserve
from members.services.notices import notice_send
from members.services.purchases import member_purchase_record
from o2o.errors import TooManyAttempts
from o2o.models import SecurityEvent
from o2o.throttle import (
    Decision,
    lockout_record,
    security_event_record,
    throttle_give_back,
    throttle_hit,
)
from orders.exceptions import InvalidTransition, OrderError
from orders.models import Order, OrderEvent
from orders.services.checkout import payment_window
from orders.services.creation import order_create
from orders.services.status import order_event_add, order_transition
from orders.services.tiers import member_tier_refresh

PICKUP_SALT = "orders.pickup"
# Guesses at pickup codes, typed or scanned, per window (o2o.throttle). A clerk has her own
# allowance, and her store one that all its clerks share, so a second clerk cannot start over;
# an order named by a code or QR has one too. Right answers give their attempts back, so a
# busy counter is never locked out.
PICKUP_WINDOW_SECONDS = 10 * 60
PICKUP_ATTEMPTS = 10  # per staff member
PICKUP_ATTEMPTS_PER_STORE = 15
PICKUP_ATTEMPTS_PER_ORDER = 10
CLERK_SCOPE = "pickup:clerk"
STORE_SCOPE = "pickup:store"
ORDER_SCOPE = "pickup:order"


class NotYourStore(OrderError):
    """Only an active clerk of the fulfilling store can do this."""

    code = "not_your_store"
    http_status = 403


class WrongPickupCode(OrderError):
    """The code or QR does not match a pickup waiting at this store."""

    code = "wrong_pickup_code"


class AlreadyCollected(OrderError):
    """This order has already been collected."""

    code = "already_collected"
    http_status = 409


def check_store_staff(*, staff, order: Order) -> None:
    """Only an active staff member of the order's fulfilling store acts on it."""
    if staff is None or not staff.is_active or staff.store_id != order.fulfilling_store_id:
        raise NotYourStore()


def _completed(order: Order, *, actor, note: str) -> Order:
    now = timezone.now()
    order_transition(
        order=order, to=Order.Status.COMPLETED, actor=actor, note=note, completed_at=now
    )
    if order.member_id:
        member_purchase_record(
            member=order.member,
            store=order.fulfilling_store,
            amount_paid=order.total_amount - order.refunded_amount,
            reference=order.reservation_owner,
            lines=[
                (line.sku.product, line.quantity - line.refunded_quantity)
                for line in order.lines.select_related("sku__product")
            ],
            purchased_at=now,
        )
        member_tier_refresh(member=order.member)
    return order


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("member", "fulfilling_store")
        .get(pk=order.pk)
    )


@transaction.atomic
def order_hand_over(*, order: Order, staff) -> Order:
    """扫码购: the clerk hands the paid goods over at the door; the order completes."""
    order = _locked(order)
    check_store_staff(staff=staff, order=order)
    if order.fulfillment != Order.Fulfillment.IN_STORE:
        raise InvalidTransition("only in-store orders are handed over at the counter")
    return _completed(order, actor=staff.user, note="handed over")


@transaction.atomic
def order_mark_ready(*, order: Order, staff) -> Order:
    """Pickup order packed: the shopper is told (in the app; by WeChat when configured)."""
    order = _locked(order)
    check_store_staff(staff=staff, order=order)
    if order.fulfillment != Order.Fulfillment.PICKUP:
        raise InvalidTransition("only pickup orders wait for collection")
    order_transition(order=order, to=Order.Status.READY, actor=staff.user, note="ready for pickup")
    if order.member_id:
        notice_send(
            member=order.member,
            kind="order_ready",
            title=f"订单 {order.number} 可以取货了",
            body=f"{order.fulfilling_store.name} · {order.fulfilling_store.address}",
            url=f"/orders/{order.number}/",
            dedupe_key=f"order_ready:{order.number}",
        )
    return order


def pickup_token(order: Order) -> str:
    """What the order QR carries: the order number, signed."""
    return signing.dumps({"n": order.number}, salt=PICKUP_SALT, compress=True)


def _attempt_count(*, scope: str, key, limit: int, staff, client_ip: str) -> Decision:
    decision = throttle_hit(scope=scope, key=key, limit=limit, window=PICKUP_WINDOW_SECONDS)
    if not decision.allowed:
        lockout_record(
            decision,
            secret=SecurityEvent.Secret.PICKUP_CODE,
            target=f"{scope.split(':')[1]} {key}",
            client_ip=client_ip,
            user=staff.user,
        )
        raise TooManyAttempts(retry_after=decision.retry_after)
    return decision


def _pickup_find(*, staff, token: str, code: str) -> Order:
    if token:
        try:
            number = signing.loads(token, salt=PICKUP_SALT)["n"]
        except (signing.BadSignature, KeyError, TypeError) as error:
            raise WrongPickupCode("this QR code is not an order of ours") from error
        order = Order.objects.filter(number=number).first()
    else:
        code = (code or "").strip()
        if not (len(code) == 6 and code.isdigit()):
            raise WrongPickupCode("the pickup code has 6 digits")
        # Codes are unique among the store's open pickups, not globally: look only there, and
        # prefer a pickup waiting for collection over an older (or newer) order with the same
        # code that is not ready yet or was collected already.
        candidates = Order.objects.filter(fulfilling_store=staff.store, pickup_code=code)
        order = None
        for status in (Order.Status.READY, Order.Status.PAID, Order.Status.COMPLETED):
            order = candidates.filter(status=status).order_by("-created_at").first()
            if order is not None:
                break
    if order is None:
        raise WrongPickupCode()
    return order


def pickup_verify(*, staff, token: str = "", code: str = "", client_ip: str = "") -> Order:
    """Verify a pickup by the order QR (signed token) or its 6-digit code; completes the order.

    Only an active clerk of the fulfilling store may verify; attempts are limited per clerk, per
    store and per order (TooManyAttempts), and wrong codes are recorded for HQ; a collected order
    cannot be verified again. `client_ip` is the clerk's address, for the audit row.
    """
    if staff is None or not staff.is_active:
        raise NotYourStore()
    # Counted before anything is looked up, each in its own statement outside the transaction
    # below, so the count stands whatever happens next.
    hits = [
        _attempt_count(
            scope=CLERK_SCOPE, key=staff.pk, limit=PICKUP_ATTEMPTS, staff=staff, client_ip=client_ip
        ),
        _attempt_count(
            scope=STORE_SCOPE,
            key=staff.store_id,
            limit=PICKUP_ATTEMPTS_PER_STORE,
            staff=staff,
            client_ip=client_ip,
        ),
    ]
    try:
        order = _pickup_find(staff=staff, token=token, code=code)
    except WrongPickupCode:
        security_event_record(
            kind=SecurityEvent.Kind.FAILED,
            secret=SecurityEvent.Secret.PICKUP_CODE,
            target=f"store {staff.store.code}",
            client_ip=client_ip,
            user=staff.user,
            note="scanned QR" if token else "typed code",
        )
        raise
    hits.append(
        _attempt_count(
            scope=ORDER_SCOPE,
            key=order.number,
            limit=PICKUP_ATTEMPTS_PER_ORDER,
            staff=staff,
            client_ip=client_ip,
        )
    )
    with transaction.atomic():
        order = _locked(order)
        check_store_staff(staff=staff, order=order)
        if order.status == Order.Status.COMPLETED:
            raise AlreadyCollected(f"order {order.number} was collected already")
        if order.status != Order.Status.READY:
            raise InvalidTransition(f"order {order.number} is not ready for pickup yet")
        order = _completed(order, actor=staff.user, note="pickup verified")
    # The limit is on guessing: a successful verification gives its attempts back.
    for hit in hits:
        throttle_give_back(hit)
    return order


@transaction.atomic
def order_ship(*, order: Order, staff, tracking: str = "") -> Order:
    order = _locked(order)
    check_store_staff(staff=staff, order=order)
    if order.fulfillment not in {Order.Fulfillment.SHIP, Order.Fulfillment.DELIVERY}:
        raise InvalidTransition("only parcels and deliveries are shipped")
    return order_transition(
        order=order,
        to=Order.Status.SHIPPED,
        actor=staff.user,
        note=f"tracking {tracking}" if tracking else "shipped",
    )


@transaction.atomic
def order_confirm_received(*, order: Order, member) -> Order:
    order = _locked(order)
    if order.member_id != member.pk:
        raise NotYourStore("not your order")
    if order.status != Order.Status.SHIPPED:
        raise InvalidTransition("the parcel has not been shipped")
    return _completed(order, actor=None, note="received by the shopper")


@transaction.atomic
def try_visit_checkout(*, order: Order, staff, kept: dict[int, int]) -> Order | None:
    """网订店试 visit: the items she keeps become an in-store sale paid on her phone.

    `kept` maps order line ids to the quantities kept. The booking's stock is released and the
    kept units are reserved for the new order in the same transaction, so nobody else can take
    them in between. Returns the new order to pay, or None when she kept nothing.
    """
    order = _locked(order)
    check_store_staff(staff=staff, order=order)
    if order.status != Order.Status.BOOKED:
        raise InvalidTransition(f"order {order.number} is not a booking waiting for a visit")
    lines = {line.pk: line for line in order.lines.select_related("sku__product")}
    for line_id, quantity in kept.items():
        line = lines.get(line_id)
        if line is None or not (0 <= quantity <= line.quantity):
            raise InvalidTransition("kept quantities must be within the booked lines")
    reservations_release(
        reservations=Reservation.objects.filter(
            owner=order.reservation_owner, state=Reservation.State.ACTIVE
        ).values_list("pk", flat=True)
    )
    kept_lines = [(lines[i], q) for i, q in sorted(kept.items()) if q > 0]
    if not kept_lines:
        order_transition(
            order=order,
            to=Order.Status.CANCELLED,
            actor=staff.user,
            note="tried in store, kept nothing",
        )
        return None
    now = timezone.now()
    sale = order_create(
        lines=[(line.sku, q, line.unit_price) for line, q in kept_lines],
        channel=Order.Channel.IN_STORE,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=Order.Status.PENDING_PAYMENT,
        store=order.fulfilling_store,
        actor=staff.user,
        actor_label=staff.display_name,
        event_note=f"kept after trying booking {order.number}",
        member=order.member,
        credited_store=order.credited_store,
        credited_clerk=order.credited_clerk or (staff if staff.is_active else None),
        assisted_by=staff,
        shared_by=order.shared_by,
        expires_at=now + payment_window(),
    )
    stock_reserve(
        store=order.fulfilling_store,
        lines=[(line.sku_id, q) for line, q in kept_lines],
        expires_at=sale.expires_at,
        owner=sale.reservation_owner,
    )
    order_transition(
        order=order,
        to=Order.Status.COMPLETED,
        actor=staff.user,
        note=f"visited; kept items became order {sale.number}",
        completed_at=now,
    )
    order_event_add(
        order=sale, kind=OrderEvent.Kind.CONVERTED_FROM, note=order.number, actor=staff.user
    )
    return sale


@transaction.atomic
def order_deliver(*, order: Order, actor, note: str = "delivered") -> Order:
    """网订店送: the goods were handed over at the door; the order completes as a purchase at
    the delivering store (points, home store, tier). Who may deliver is checked by dispatch;
    lines sent back at the door are refunded after this, by line."""
    order = _locked(order)
    if order.fulfillment != Order.Fulfillment.DELIVERY:
        raise InvalidTransition("only delivery orders are handed over at the door")
    return _completed(order, actor=actor, note=note)
