"""Offline sales from the chain's POS: the same order and member services as online orders."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.services import stock_sell
from members.models import Member
from members.services.accounts import member_get_or_create_by_phone
from members.services.purchases import member_purchase_record
from o2o.errors import Conflict
from orders.exceptions import AmountMismatch, EmptyOrder, UnknownMember
from orders.models import Order, OrderEvent
from orders.services.attribution import credited_clerk_for
from orders.services.creation import order_create
from orders.services.tiers import member_tier_refresh


@dataclass(frozen=True)
class SaleLine:
    sku: object  # catalog.SKU
    quantity: int
    unit_price: int  # fen, as the POS sold it


def _same_sale(order: Order, *, store, lines: list[SaleLine], amount_paid: int, member) -> bool:
    recorded = sorted(order.lines.values_list("sku_id", "quantity", "unit_price"))
    sent = sorted((line.sku.pk, line.quantity, line.unit_price) for line in lines)
    return (
        order.fulfilling_store_id == store.pk
        and order.total_amount == amount_paid
        and recorded == sent
        and order.member_id == (member.pk if member else None)
    )


def pos_sale_record(
    *,
    store,
    lines: list[SaleLine],
    amount_paid: int,
    external_id: str,
    clerk=None,
    member=None,
    sold_at=None,
) -> tuple[Order, bool]:
    """Record an offline sale; returns (order, created).

    Idempotent on `external_id`: the same sale sent again returns the first order and changes
    nothing; the same id with different content is a conflict. Stock leaves the store's available
    units (InsufficientStock, nothing written, when it would go below zero); the member earns
    points, gets a home store and follow-up tasks; the clerk is credited.
    """
    existing = Order.objects.filter(external_id=external_id).first()
    if existing:
        return _replayed(existing, store=store, lines=lines, amount_paid=amount_paid, member=member)
    try:
        return _record(
            store=store,
            lines=lines,
            amount_paid=amount_paid,
            external_id=external_id,
            clerk=clerk,
            member=member,
            sold_at=sold_at,
        ), True
    except IntegrityError:
        # A concurrent request with the same external id won the unique constraint.
        existing = Order.objects.filter(external_id=external_id).first()
        if existing is None:
            raise
        return _replayed(existing, store=store, lines=lines, amount_paid=amount_paid, member=member)


@transaction.atomic
def pos_sale_import(
    *,
    store,
    lines: list[SaleLine],
    amount_paid: int,
    external_id: str,
    clerk=None,
    member=None,
    member_phone: str | None = None,
    sold_at=None,
) -> tuple[Order, bool]:
    """A sale sent by the POS, which may name the shopper only by phone.

    A phone that is not yet a member becomes one (joined via POS) in the same transaction as the
    sale, so a refused sale (no stock, a reused external id) leaves no new member behind.
    """
    if member is None and member_phone:
        member, _created = member_get_or_create_by_phone(
            phone=member_phone, joined_via=Member.JoinedVia.POS
        )
        if not member.is_active:
            raise UnknownMember("the member with this phone is deactivated")
    return pos_sale_record(
        store=store,
        lines=lines,
        amount_paid=amount_paid,
        external_id=external_id,
        clerk=clerk,
        member=member,
        sold_at=sold_at,
    )


def _replayed(order, **sale) -> tuple[Order, bool]:
    if not _same_sale(order, **sale):
        raise Conflict(
            f"external id {order.external_id} was already used for a different sale",
            code="external_id_reused",
        )
    return order, False


@transaction.atomic
def _record(*, store, lines, amount_paid, external_id, clerk, member, sold_at) -> Order:
    if not lines:
        raise EmptyOrder()
    goods = sum(line.unit_price * line.quantity for line in lines)
    if amount_paid < 0 or amount_paid > goods:
        raise AmountMismatch(f"amount paid {amount_paid} does not fit goods of {goods}")
    sold_at = sold_at or timezone.now()
    order = order_create(
        lines=[(line.sku, line.quantity, line.unit_price) for line in lines],
        channel=Order.Channel.POS,
        fulfillment=Order.Fulfillment.IN_STORE,
        status=Order.Status.COMPLETED,
        store=store,
        event=OrderEvent.Kind.POS_SALE,
        event_note=f"POS sale {external_id}",
        actor_label=clerk.display_name if clerk else OrderEvent.ACTOR_POS,
        discount_amount=goods - amount_paid,
        member=member,
        credited_store=store,  # an in-store sale counts for the store where it happened
        credited_clerk=credited_clerk_for(member=member, assisting=clerk),
        assisted_by=clerk,
        external_id=external_id,
        paid_at=sold_at,
        completed_at=sold_at,
    )
    # After the order row: a replayed external id stops at its unique constraint before any
    # stock moves.
    stock_sell(
        store=store,
        lines=[(line.sku.pk, line.quantity) for line in lines],
        reference=order.reservation_owner,
    )
    if member is not None:
        member_purchase_record(
            member=member,
            store=store,
            amount_paid=amount_paid,
            reference=order.reservation_owner,
            lines=[(line.sku.product, line.quantity) for line in lines],
            purchased_at=sold_at,
        )
        member_tier_refresh(member=member)
    return order
