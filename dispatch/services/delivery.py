"""Delivery by the store's own staff (DESIGN §4 "Routing", step 7): the accepted order is packed,
given to a courier (a clerk of the delivering store), and handed over at the door against the
shopper's 6-digit code. At the door she may try the goods and send lines back (try at home, 试穿):
those are refunded by line through the refund service, which returns them to the delivering
store's stock and takes back their share of points (and, through its hook, of commission).

Order states move through orders' one transition function:
paid → accepted (the offer, `order_accept_for_offer`) → packed → out_for_delivery → completed.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dispatch.exceptions import (
    InvalidCourier,
    InvalidHandOver,
    NotYourDelivery,
    TooManyCodeAttempts,
    WrongDeliveryCode,
)
from dispatch.models import Delivery, DispatchOffer
from o2o.parsing import whole_number
from orders.exceptions import InvalidTransition
from orders.models import Order, Refund
from orders.services.fulfilment import order_deliver
from orders.services.refunds import refund_request
from orders.services.status import order_transition
from orders.tasks import execute_refund
from stores.models import Staff

S = Order.Status
MAX_CODE_ATTEMPTS = 5
RETURN_REASON = "returned at the door (try at home)"


def _code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def order_accept_for_offer(*, order: Order, offer: DispatchOffer, actor) -> None:
    """dispatch.hooks.offer_accepted: in the accepting transaction, the order moves to
    `accepted` at the accepting store (its fulfilling store from now on; the credited store
    stays the customer's, DESIGN §4 "Attribution") and gets its delivery record and code."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.fulfillment != Order.Fulfillment.DELIVERY:
        return
    order_transition(
        order=order,
        to=S.ACCEPTED,
        actor=actor,
        note=f"accepted by {offer.store.name}",
        fulfilling_store=offer.store,
    )
    Delivery.objects.get_or_create(order=order, defaults={"store": offer.store, "code": _code()})


def check_delivery_staff(*, staff: Staff | None, delivery: Delivery) -> None:
    """Only an active staff member of the delivering store acts on its delivery."""
    if (
        staff is None
        or not staff.is_active
        or not staff.user.is_active
        or staff.store_id != delivery.store_id
    ):
        raise NotYourDelivery()


def _locked(order: Order) -> tuple[Order, Delivery]:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    delivery = Delivery.objects.select_for_update().select_related("store").get(order=order)
    return order, delivery


@transaction.atomic
def delivery_pack(*, order: Order, staff: Staff, now: datetime | None = None) -> Delivery:
    """The store packed the goods: accepted → packed."""
    order, delivery = _locked(order)
    check_delivery_staff(staff=staff, delivery=delivery)
    order_transition(order=order, to=S.PACKED, actor=staff.user, note="packed")
    delivery.packed_at = now or timezone.now()
    delivery.save(update_fields=["packed_at"])
    return delivery


@transaction.atomic
def delivery_courier_assign(
    *, order: Order, staff: Staff, courier: Staff, now: datetime | None = None
) -> Delivery:
    """A clerk of the store takes the packed order out: packed → out_for_delivery. While it is
    on the way the store may hand it to another clerk (no state change)."""
    order, delivery = _locked(order)
    check_delivery_staff(staff=staff, delivery=delivery)
    if (
        courier is None
        or not courier.is_active
        or courier.store_id != delivery.store_id
        or courier.role == Staff.Role.HQ
    ):
        raise InvalidCourier("the courier must be active staff of this store")
    if order.status == S.OUT_FOR_DELIVERY:
        delivery.courier = courier
        delivery.save(update_fields=["courier"])
        return delivery
    order_transition(
        order=order,
        to=S.OUT_FOR_DELIVERY,
        actor=staff.user,
        note=f"courier {courier.display_name}",
    )
    delivery.courier = courier
    delivery.out_at = now or timezone.now()
    delivery.save(update_fields=["courier", "out_at"])
    return delivery


def _returned_lines(order: Order, returned: dict) -> list[tuple]:
    """[(line, quantity), ...] from {line_id: quantity}, checked against the order."""
    lines = {line.pk: line for line in order.lines.all()}
    picked = []
    for line_id, quantity in returned.items():
        line = lines.get(whole_number(line_id, minimum=1))
        quantity = whole_number(quantity, minimum=0)
        if line is None or quantity is None:
            raise InvalidHandOver("unknown line or quantity")
        if quantity > line.quantity - line.refunded_quantity:
            raise InvalidHandOver(f"{line.product_name}: at most {line.quantity} can come back")
        if quantity:
            picked.append((line, quantity))
    return picked


def _code_attempt_failed(delivery_id: int) -> None:
    # Counted after the hand-over's transaction rolled back, so the count survives the error.
    Delivery.objects.filter(pk=delivery_id).update(failed_attempts=F("failed_attempts") + 1)


def delivery_hand_over(
    *,
    order: Order,
    staff: Staff,
    code: str,
    returned: dict | None = None,
    now: datetime | None = None,
) -> Delivery:
    """At the door: the shopper's 6-digit code confirms the hand-over; the order completes, and
    the lines she sends back ({line_id: quantity}) are refunded by line (the money goes back
    after commit; the refund returns them to this store's stock and reverses their points).

    The courier or any active staff of the delivering store may record it. A wrong code changes
    nothing but counts; after MAX_CODE_ATTEMPTS the manager must check. Idempotent: a delivered
    order raises InvalidTransition and nothing changes.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order, delivery = _locked(order)
        check_delivery_staff(staff=staff, delivery=delivery)
        if order.status != S.OUT_FOR_DELIVERY:
            raise InvalidTransition(f"order {order.number} is {order.get_status_display()}")
        if delivery.failed_attempts >= MAX_CODE_ATTEMPTS:
            raise TooManyCodeAttempts()
        code_ok = hmac.compare_digest(str(code or "").strip().encode(), delivery.code.encode())
        if code_ok:
            back = _returned_lines(order, returned or {})
            order_deliver(order=order, actor=staff.user, note="handed over at the door")
            refund = None
            if back:
                refund = refund_request(
                    order=order, lines=back, reason=RETURN_REASON, actor=staff.user
                )
                transaction.on_commit(lambda: execute_refund.delay(refund.pk))
            delivery.delivered_at = now
            delivery.returned = [{"line": line.pk, "quantity": q} for line, q in back]
            delivery.refund_number = refund.out_refund_no if refund else ""
            delivery.save(update_fields=["delivered_at", "returned", "refund_number"])
            return delivery
    _code_attempt_failed(delivery.pk)
    raise WrongDeliveryCode()


def delivery_refund(delivery: Delivery) -> Refund | None:
    if not delivery.refund_number:
        return None
    return Refund.objects.filter(out_refund_no=delivery.refund_number).first()
