"""Refunds and returns, full or by line (DESIGN §4; commission reversal is a registered hook).

Three steps so that money and records cannot disagree: (1) in one transaction the refund is
recorded and its lines and amount are taken from what is still refundable; (2) WeChat is asked to
refund — outside any transaction, retry-safe because WeChat refunds one `out_refund_no` once;
(3) in one transaction the refund succeeds: stock goes back (unless damaged), points and
commission are reversed, and a fully refunded order becomes `refunded`.

Commissions sit above orders, so orders cannot call them: the commissions app registers what a
refund must undo on the `REFUND_SUCCEEDED` point of `orders.hooks` (from its AppConfig.ready), and
step 3 runs every hook of that point in its transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatPayException

from inventory.models import StockMovement
from inventory.services import stock_adjust
from members.services.notices import notice_language, notice_send
from members.services.points import points_reverse_for_refund
from o2o import wechat_pay
from o2o.money import format_yuan
from o2o.parsing import is_whole_number
from orders import hooks
from orders.exceptions import InvalidTransition, OrderError
from orders.models import Order, OrderEvent, OrderLine, Payment, Refund, RefundLine
from orders.services.status import order_event_add, order_transition
from orders.status import SOLD

logger = logging.getLogger(__name__)
REFUNDABLE = SOLD | {Order.Status.COMPLETED}


class InvalidRefund(OrderError):
    """The refund asks for more than was paid or bought."""

    code = "invalid_refund"


def _line_amount(line: OrderLine, quantity: int) -> int:
    """The paid amount of `quantity` units of a line; the last unit takes the remainder, so
    refunding a line unit by unit adds up to exactly what was paid for it."""
    remaining_units = line.quantity - line.refunded_quantity
    already = sum(
        RefundLine.objects.filter(order_line=line)
        .exclude(refund__status=Refund.Status.FAILED)
        .values_list("amount", flat=True)
    )
    remaining_amount = line.paid_total - already
    if quantity == remaining_units:
        return remaining_amount
    return remaining_amount * quantity // remaining_units


def _refund_lines(
    current: dict[int, OrderLine], lines: list[tuple[OrderLine, int]] | None
) -> list[tuple[OrderLine, int]]:
    """The (line, quantity) pairs a refund takes, checked against what is still refundable."""
    if lines is None:
        wanted = [(line, line.quantity - line.refunded_quantity) for line in current.values()]
        wanted = [(line, q) for line, q in wanted if q > 0]
    else:
        wanted = []
        for line, quantity in lines:
            line = current.get(line.pk)
            if line is None or not is_whole_number(quantity):
                raise InvalidRefund("unknown line or quantity")
            if not (0 < quantity <= line.quantity - line.refunded_quantity):
                raise InvalidRefund(
                    f"{line.product_name}: at most "
                    f"{line.quantity - line.refunded_quantity} can be refunded"
                )
            wanted.append((line, quantity))
    if not wanted:
        raise InvalidRefund("nothing left to refund")
    return wanted


@dataclass(frozen=True)
class RefundQuote:
    """What a refund would give back: (line, quantity, amount in fen) and the total."""

    lines: list[tuple[OrderLine, int, int]]

    @property
    def total(self) -> int:
        return sum(amount for _line, _quantity, amount in self.lines)


def refund_quote(*, order: Order, lines: list[tuple[OrderLine, int]] | None) -> RefundQuote:
    """What `refund_request` with these lines would refund now, recording nothing: the
    manager's confirmation step shows it before any money moves. Raises what it raises."""
    order = Order.objects.get(pk=order.pk)
    if order.status not in REFUNDABLE:
        raise InvalidTransition(f"order {order.number} is {order.get_status_display()}")
    current = {line.pk: line for line in order.lines.order_by("pk")}
    return RefundQuote(
        [(line, q, _line_amount(line, q)) for line, q in _refund_lines(current, lines)]
    )


@transaction.atomic
def refund_request(
    *,
    order: Order,
    lines: list[tuple[OrderLine, int]] | None,
    reason: str,
    damaged: bool = False,
    actor=None,
    restock: bool = True,
) -> Refund:
    """Record a refund of some lines (or, with lines=None, everything still refundable)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in REFUNDABLE:
        raise InvalidTransition(f"order {order.number} is {order.get_status_display()}")
    if not reason.strip():
        raise InvalidRefund("give a reason")
    current = {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
    wanted = _refund_lines(current, lines)
    amounts = [(line, quantity, _line_amount(line, quantity)) for line, quantity in wanted]
    total = sum(amount for _line, _q, amount in amounts)
    refund = Refund.objects.create(
        order=order,
        out_refund_no=f"R{order.number}{order.refunds.count() + 1:02d}",
        amount=max(total, 1),
        reason=reason[:200],
        damaged=damaged or not restock,
        created_by=actor,
    )
    for line, quantity, amount in amounts:
        RefundLine.objects.create(refund=refund, order_line=line, quantity=quantity, amount=amount)
        OrderLine.objects.filter(pk=line.pk).update(
            refunded_quantity=F("refunded_quantity") + quantity
        )
    Order.objects.filter(pk=order.pk).update(refunded_amount=F("refunded_amount") + total)
    order_event_add(
        order=order,
        kind=OrderEvent.Kind.REFUND_REQUESTED,
        actor=actor,
        note=f"{refund.out_refund_no}: ¥{total / 100:.2f} — {reason[:200]}",
    )
    return refund


def refund_execute(*, refund: Refund) -> Refund:
    """Ask WeChat for the money (no lock held), then finish the refund in one transaction."""
    refund = Refund.objects.select_related("order").get(pk=refund.pk)
    if refund.status != Refund.Status.REQUESTED:
        return refund
    payment = refund.order.payments.filter(status=Payment.Status.PAID).first()
    try:
        refund_id = (
            wechat_pay.refund_apply(
                out_trade_no=payment.out_trade_no,
                out_refund_no=refund.out_refund_no,
                total=payment.amount,
                amount=refund.amount,
                reason=refund.reason,
            )
            if payment
            else ""  # nothing was paid online (POS): the store refunds at the counter
        )
    except WeChatPayException as error:
        logger.warning("WeChat refund %s failed: %s", refund.out_refund_no, error)
        return _refund_failed(refund, str(error))
    return _refund_succeeded(refund, refund_id)


@transaction.atomic
def _refund_failed(refund: Refund, message: str) -> Refund:
    if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.REQUESTED).update(
        status=Refund.Status.FAILED
    ):
        return Refund.objects.get(pk=refund.pk)
    for line in refund.lines.all():
        OrderLine.objects.filter(pk=line.order_line_id).update(
            refunded_quantity=F("refunded_quantity") - line.quantity
        )
    total = sum(refund.lines.values_list("amount", flat=True))
    Order.objects.filter(pk=refund.order_id).update(refunded_amount=F("refunded_amount") - total)
    order_event_add(
        order=refund.order,
        kind=OrderEvent.Kind.REFUND_FAILED,
        note=f"{refund.out_refund_no}: {message}",
    )
    refund.refresh_from_db()
    return refund


@transaction.atomic
def _refund_succeeded(refund: Refund, refund_id: str) -> Refund:
    now = timezone.now()
    if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.REQUESTED).update(
        status=Refund.Status.SUCCEEDED, refund_id=refund_id[:64], completed_at=now
    ):
        return Refund.objects.get(pk=refund.pk)  # finished by a concurrent retry
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("member", "fulfilling_store")
        .get(pk=refund.order_id)
    )
    lines = list(refund.lines.select_related("order_line__sku"))
    goods_sold = order.paid_at is not None or order.channel == Order.Channel.POS
    if order.fulfillment == Order.Fulfillment.DELIVERY and order.status == Order.Status.PAID:
        # No store has accepted it yet: its goods are still only held (dispatch releases them).
        goods_sold = False
    if goods_sold and not refund.damaged:
        for line in lines:
            stock_adjust(
                store=order.fulfilling_store,
                sku=line.order_line.sku,
                delta=line.quantity,
                reason=StockMovement.Reason.RETURN,
                reference=f"refund:{refund.out_refund_no}",
            )
    elif refund.damaged:
        order_event_add(
            order=order,
            kind=OrderEvent.Kind.WRITTEN_OFF,
            note=f"{refund.out_refund_no}: returned goods written off as damaged",
        )
    paid = order.total_amount
    if order.member_id:
        points_reverse_for_refund(
            member=order.member,
            purchase_reference=order.reservation_owner,
            refund_reference=f"refund:{refund.out_refund_no}",
            refunded_fen=refund.amount,
            paid_fen=paid,
        )
    hooks.hooks_run(hooks.REFUND_SUCCEEDED, order=order, refund=refund)
    order_event_add(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        note=f"{refund.out_refund_no}: ¥{refund.amount / 100:.2f} refunded",
    )
    all_refunded = not order.lines.filter(refunded_quantity__lt=F("quantity")).exists()
    if all_refunded and order.status != Order.Status.REFUNDED:
        order_transition(order=order, to=Order.Status.REFUNDED, note="fully refunded")
    refund.refresh_from_db()
    _refunded_notice_send(order, refund)
    return refund


def _refunded_notice_send(order: Order, refund: Refund) -> None:
    """Tell the shopper her refund is done (in the app; by WeChat after commit when configured)."""
    if not order.member_id:
        return
    with notice_language():
        title = _("Refund of %(amount)s for order %(number)s completed") % {
            "amount": format_yuan(refund.amount),
            "number": order.number,
        }
        body = _(
            "The money goes back the way you paid; a refund to WeChat Pay may take a few days."
        )
    notice_send(
        member=order.member,
        kind="refund_completed",
        title=title,
        body=body,
        url=reverse("orders:detail", kwargs={"number": order.number}),
        dedupe_key=f"refund_completed:{refund.out_refund_no}",
    )
