"""Franchise settlement: one statement per franchise store and month, draft → issued → settled.

What the statement counts (orders paid through the platform, so HQ holds the money; POS sales
were taken at the store's own till and stay out):
- credited sales: orders credited to the store paid in the month, minus the refunds completed in
  the month on orders credited to it (a refund after the statement was issued lands in the month
  it happened: issued statements never change);
- the platform fee: HQ's rate of the credited net sales;
- fulfilment: for each order one store fulfilled for another, the credited store pays the
  fulfilling store HQ's fulfilment rate of its net amount;
- coupons: the store bears its share of the discounts on its sales; HQ pays back the rest;
- commissions its clerks earned in the month (HQ pays the clerks on the store's behalf).
net due to the store = credited net − platform fee + fulfilment fees earned − fulfilment fees
paid + coupon costs HQ pays back − commissions. Each share is rounded toward zero to the fen.

State moves only along `TRANSITIONS` through `statement_transition` (a guarded update and a
typed event row).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from commissions.models import CommissionEntry
from o2o.errors import Conflict, DomainError
from orders.models import Order, Refund
from reports.models import SettlementEvent, SettlementPolicy, SettlementStatement
from reports.services.facts import local_bounds
from stores.models import Store

State = SettlementStatement.State
Kind = SettlementEvent.Kind
TRANSITIONS = {
    (State.DRAFT, State.CONFIRMED): Kind.CONFIRMED,
    (State.CONFIRMED, State.PAID): Kind.PAID,
}
FULL = 10_000


class InvalidSettlement(DomainError):
    code = "invalid_settlement"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_bounds(month: date):
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local_bounds(month, next_month - timedelta(days=1))


def share(amount: int, rate_bp: int) -> int:
    """`rate_bp` of `amount`, rounded toward zero to the fen (a refund-heavy month gives a
    negative share back exactly as a positive one takes it)."""
    sign = -1 if amount < 0 else 1
    return sign * (abs(amount) * rate_bp // FULL)


def settled_orders(store: Store, month: date):
    """Orders behind a statement: paid in the month through the platform, credited to the
    store or fulfilled by it."""
    start, end = month_bounds(month)
    return (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .exclude(channel=Order.Channel.POS)
        .filter(Q(credited_store=store) | Q(fulfilling_store=store))
    )


def settled_refunds(store: Store, month: date):
    """Refunds behind a statement: completed in the month, of platform orders credited to the
    store or fulfilled by it."""
    start, end = month_bounds(month)
    return (
        Refund.objects.filter(
            status=Refund.Status.SUCCEEDED, completed_at__gte=start, completed_at__lt=end
        )
        .exclude(order__channel=Order.Channel.POS)
        .filter(Q(order__credited_store=store) | Q(order__fulfilling_store=store))
    )


def statement_figures(*, store: Store, month: date, policy: SettlementPolicy) -> dict:
    """Every figure of the store's statement for `month`, from the ledgers (four queries)."""
    start, end = month_bounds(month)
    own = Q(credited_store=store)
    for_others = (
        Q(fulfilling_store=store) & ~Q(credited_store=store) & Q(credited_store__isnull=False)
    )
    by_others = own & ~Q(fulfilling_store=store) & Q(fulfilling_store__isnull=False)
    orders = settled_orders(store, month).aggregate(
        credited_sales=Coalesce(Sum("total_amount", filter=own), 0),
        discounts=Coalesce(Sum(F("discount_amount") + F("points_discount_amount"), filter=own), 0),
        for_others=Coalesce(Sum("total_amount", filter=for_others), 0),
        by_others=Coalesce(Sum("total_amount", filter=by_others), 0),
    )

    refunds = settled_refunds(store, month).aggregate(
        credited=Coalesce(Sum("amount", filter=Q(order__credited_store=store)), 0),
        for_others=Coalesce(
            Sum(
                "amount",
                filter=Q(order__fulfilling_store=store)
                & ~Q(order__credited_store=store)
                & Q(order__credited_store__isnull=False),
            ),
            0,
        ),
        by_others=Coalesce(
            Sum(
                "amount",
                filter=Q(order__credited_store=store)
                & ~Q(order__fulfilling_store=store)
                & Q(order__fulfilling_store__isnull=False),
            ),
            0,
        ),
    )
    commissions = CommissionEntry.objects.filter(
        wallet__staff__store=store, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    credited_net = orders["credited_sales"] - refunds["credited"]
    fulfilled_for_others = orders["for_others"] - refunds["for_others"]
    fulfilled_by_others = orders["by_others"] - refunds["by_others"]
    platform_fee = share(credited_net, policy.platform_fee_bp)
    fees_earned = share(fulfilled_for_others, policy.fulfilment_fee_bp)
    fees_paid = share(fulfilled_by_others, policy.fulfilment_fee_bp)
    coupon_cost = share(orders["discounts"], policy.coupon_store_share_bp)
    return {
        "platform_fee_bp": policy.platform_fee_bp,
        "fulfilment_fee_bp": policy.fulfilment_fee_bp,
        "coupon_store_share_bp": policy.coupon_store_share_bp,
        "credited_sales": orders["credited_sales"],
        "credited_refunds": refunds["credited"],
        "fulfilled_for_others": fulfilled_for_others,
        "fulfilled_by_others": fulfilled_by_others,
        "discounts": orders["discounts"],
        "coupon_cost": coupon_cost,
        "commissions": commissions,
        "platform_fee": platform_fee,
        "fulfilment_fees_earned": fees_earned,
        "fulfilment_fees_paid": fees_paid,
        "net_due": credited_net
        - platform_fee
        + fees_earned
        - fees_paid
        + (orders["discounts"] - coupon_cost)
        - commissions,
    }


def _event(statement, kind, *, from_state="", to_state="", actor=None, note=""):
    SettlementEvent.objects.create(
        statement=statement,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        net_due=statement.net_due,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note[:300],
    )


@transaction.atomic
def statement_prepare(*, store: Store, month: date, actor=None) -> SettlementStatement:
    """Create or recompute the draft statement of a franchise store for a month that has begun.

    Idempotent: the same ledgers give the same figures. An issued statement is frozen: asking
    again answers Conflict and changes nothing.
    """
    month = month_start(month)
    if store.kind != Store.Kind.FRANCHISE:
        raise InvalidSettlement(_("Only franchise stores are settled."))
    if month > month_start(timezone.localdate()):
        raise InvalidSettlement(_("That month has not begun."))
    Store.objects.select_for_update().filter(pk=store.pk).first()  # one preparer per store
    figures = statement_figures(store=store, month=month, policy=SettlementPolicy.current())
    statement = SettlementStatement.objects.filter(store=store, month=month).first()
    if statement is None:
        statement = SettlementStatement.objects.create(
            store=store, month=month, computed_at=timezone.now(), **figures
        )
        _event(statement, Kind.PREPARED, to_state=State.DRAFT, actor=actor)
        return statement
    if statement.state != State.DRAFT:
        raise Conflict(_("This statement has been issued; its figures are frozen."))
    changed = any(getattr(statement, name) != value for name, value in figures.items())
    SettlementStatement.objects.filter(pk=statement.pk).update(
        computed_at=timezone.now(), **figures
    )
    statement.refresh_from_db()
    if changed:
        _event(statement, Kind.RECOMPUTED, actor=actor)
    return statement


@transaction.atomic
def statement_transition(
    *, statement: SettlementStatement, to_state: str, actor=None, note: str = ""
) -> SettlementStatement:
    """Move a statement along `TRANSITIONS`: a guarded update (`WHERE state = <from>`) and an
    event. A repeated move (the same target again) returns the statement unchanged."""
    current = SettlementStatement.objects.get(pk=statement.pk)
    if current.state == to_state:
        return current
    kind = TRANSITIONS.get((current.state, to_state))
    if kind is None:
        raise InvalidSettlement(
            _("A statement cannot go from %(from)s to %(to)s.")
            % {"from": current.get_state_display(), "to": State(to_state).label}
        )
    if to_state == State.CONFIRMED:
        _start, end = month_bounds(current.month)
        if timezone.now() < end:
            raise InvalidSettlement(_("A month is issued once it has ended."))
    from_state = current.state
    updated = SettlementStatement.objects.filter(pk=current.pk, state=from_state).update(
        state=to_state
    )
    if not updated:
        raise Conflict(_("The statement changed meanwhile; reload and try again."))
    current.state = to_state
    _event(current, kind, from_state=from_state, to_state=to_state, actor=actor, note=note)
    return current


@transaction.atomic
def statement_issue(*, statement: SettlementStatement, actor=None) -> SettlementStatement:
    """Recompute the draft from the ledgers, then issue it (its figures freeze)."""
    statement = statement_prepare(store=statement.store, month=statement.month, actor=actor)
    return statement_transition(statement=statement, to_state=State.CONFIRMED, actor=actor)


def statements_prepare(*, month: date, actor=None) -> list[SettlementStatement]:
    """Drafts for every active franchise store (those already issued are left as they are)."""
    prepared = []
    for store in Store.objects.filter(kind=Store.Kind.FRANCHISE, is_active=True).order_by("code"):
        try:
            prepared.append(statement_prepare(store=store, month=month, actor=actor))
        except Conflict:
            continue
    return prepared
