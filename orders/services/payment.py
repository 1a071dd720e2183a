"""Taking the money: WeChat Pay (or its sandbox), the payment notification, and the sweep that
asks WeChat about payments whose notification never came (DESIGN §4 "Orders")."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException

from inventory.exceptions import InsufficientStock
from inventory.models import Reservation
from inventory.services import reservations_commit, stock_reserve
from o2o import wechat_pay
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, Payment, PaymentNotification
from orders.services.status import order_event_add, order_transition

logger = logging.getLogger(__name__)
Outcome = PaymentNotification.Outcome


@dataclass
class PaymentStart:
    payment: Payment
    jsapi: dict | None  # wx.chooseWXPay parameters (WeChat mode)
    sandbox_url: str | None  # the local pay page (sandbox mode)


def payment_start(*, order: Order, openid: str | None = None, client_ip: str = "") -> PaymentStart:
    """Create (or reuse) the order's payment and its WeChat prepay.

    Called without any lock held: the unified-order request goes to WeChat. The same order
    always uses the same out_trade_no, so asking twice does not create two WeChat trades.
    """
    if order.status != Order.Status.PENDING_PAYMENT:
        raise InvalidTransition(f"order {order.number} is {order.get_status_display()}")
    if order.expires_at and order.expires_at <= timezone.now():
        raise InvalidTransition(f"order {order.number} is past its payment deadline")
    payment, _created = Payment.objects.get_or_create(
        out_trade_no=order.number,
        defaults={
            "order": order,
            "amount": order.total_amount,
            "expires_at": order.expires_at,
            "sandbox": wechat_pay.is_sandbox(),
        },
    )
    if not payment.prepay_id:
        prepay_id = wechat_pay.unified_order(
            out_trade_no=payment.out_trade_no,
            amount=payment.amount,
            body=f"订单 {order.number}",
            openid=openid,
            client_ip=client_ip,
            expires_at=payment.expires_at,
        )
        Payment.objects.filter(pk=payment.pk, prepay_id="").update(prepay_id=prepay_id)
        payment.refresh_from_db()
    if payment.sandbox:
        return PaymentStart(payment, None, f"/pay/sandbox/{payment.out_trade_no}/")
    return PaymentStart(payment, wechat_pay.jsapi_params(payment.prepay_id), None)


def _log(outcome: str, *, body: bytes = b"", remote_addr=None, **fields) -> PaymentNotification:
    if outcome not in {Outcome.APPLIED, Outcome.DUPLICATE}:
        logger.warning("payment notification refused: %s %s", outcome, fields)
    return PaymentNotification.objects.create(
        outcome=outcome,
        body=body.decode("utf-8", "replace")[:5000],
        remote_addr=remote_addr,
        **fields,
    )


def payment_notification_handle(*, body: bytes, remote_addr: str | None = None) -> bool:
    """Handle a payment-result notification; returns True when WeChat should stop resending.

    Signature, out_trade_no and the exact amount are checked before anything changes; a forged or
    mismatched notification changes nothing and is recorded for HQ. A repeated notification
    answers success and changes nothing (the payment is already paid under a unique
    transaction_id; the order moved once, through a guarded transition).
    """
    try:
        data = wechat_pay.parse_notification(body)
    except InvalidSignatureException:
        _log(Outcome.BAD_SIGNATURE, body=body, remote_addr=remote_addr)
        return False
    fields = {
        "out_trade_no": str(data.get("out_trade_no", ""))[:64],
        "transaction_id": str(data.get("transaction_id", ""))[:64],
    }
    if data.get("return_code") != "SUCCESS" or data.get("result_code") != "SUCCESS":
        _log(Outcome.NOT_SUCCESS, body=body, remote_addr=remote_addr, **fields)
        return True  # acknowledged: a failed payment changes nothing here
    try:
        amount = int(data.get("total_fee", ""))
    except (TypeError, ValueError):
        _log(Outcome.MALFORMED, body=body, remote_addr=remote_addr, **fields)
        return False
    if not fields["transaction_id"]:
        _log(Outcome.MALFORMED, body=body, remote_addr=remote_addr, amount=amount, **fields)
        return False
    payment = Payment.objects.filter(out_trade_no=fields["out_trade_no"]).first()
    if payment is None:
        _log(Outcome.UNKNOWN_ORDER, body=body, remote_addr=remote_addr, amount=amount, **fields)
        return False
    if amount != payment.amount:
        _log(Outcome.AMOUNT_MISMATCH, body=body, remote_addr=remote_addr, amount=amount, **fields)
        return False
    outcome = payment_apply(payment=payment, transaction_id=fields["transaction_id"])
    _log(outcome, body=body, remote_addr=remote_addr, amount=amount, **fields)
    return True


def payment_apply(*, payment: Payment, transaction_id: str) -> str:
    """Record a confirmed payment once and move the order to paid (stock leaves on-hand).

    A payment for an order that already expired takes the stock again if it can; otherwise the
    order is marked paid and refunded in full at once (the refund runs after commit).
    """
    refund_id = None
    try:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            if payment.status == Payment.Status.PAID:
                return Outcome.DUPLICATE
            order = Order.objects.select_for_update().get(pk=payment.order_id)
            now = timezone.now()
            payment.transaction_id = transaction_id
            payment.status = Payment.Status.PAID
            payment.paid_at = now
            payment.save(update_fields=["transaction_id", "status", "paid_at"])
            if order.status == Order.Status.PENDING_PAYMENT:
                _take_stock(order, fresh=False)
                order_transition(
                    order=order,
                    to=Order.Status.PAID,
                    paid_at=now,
                    actor_label="WeChat Pay",
                    note=f"transaction {transaction_id}",
                )
                outcome = Outcome.APPLIED
            elif order.status in {Order.Status.EXPIRED, Order.Status.CANCELLED}:
                outcome, refund_id = _late_payment(order, transaction_id, now)
            else:
                # Paid twice for one order (two trades): keep the money visible to HQ.
                order_event_add(
                    order=order,
                    kind=OrderEvent.Kind.DUPLICATE_PAYMENT,
                    note=f"second payment {transaction_id} needs a refund by HQ",
                )
                outcome = Outcome.APPLIED
    except IntegrityError:
        # The same transaction id was recorded by a concurrent notification.
        return Outcome.DUPLICATE
    if refund_id:
        from orders.tasks import execute_refund

        transaction.on_commit(lambda: execute_refund.delay(refund_id))
    return outcome


def _take_stock(order: Order, *, fresh: bool) -> None:
    """Commit the order's reservations (or, after expiry, reserve and commit anew)."""
    if fresh:
        reserved = stock_reserve(
            store=order.fulfilling_store,
            lines=list(order.lines.values_list("sku_id", "quantity")),
            expires_at=timezone.now() + timedelta(minutes=5),
            owner=order.reservation_owner,
        )
    else:
        reserved = list(
            Reservation.objects.filter(
                owner=order.reservation_owner, state=Reservation.State.ACTIVE
            )
        )
    reservations_commit(reservations=reserved, reference=order.reservation_owner)


def _late_payment(order: Order, transaction_id: str, now) -> tuple[str, int | None]:
    from orders.services.refunds import refund_request

    try:
        with transaction.atomic():
            _take_stock(order, fresh=True)
            order_transition(
                order=order,
                to=Order.Status.PAID,
                paid_at=now,
                actor_label="WeChat Pay",
                note=f"late payment {transaction_id}; stock taken again",
            )
        return Outcome.APPLIED, None
    except InsufficientStock:
        order_transition(
            order=order,
            to=Order.Status.PAID,
            paid_at=now,
            actor_label="WeChat Pay",
            note=f"late payment {transaction_id}; stock gone, refunding",
        )
        refund = refund_request(
            order=order, lines=None, reason="late payment, stock gone", restock=False
        )
        return Outcome.LATE_REFUNDED, refund.pk


def sandbox_pay(*, payment: Payment) -> str:
    """The sandbox pay page's "pay" button: remember the trade as paid (for the query sweep) and
    build the signed notification it posts to /wechat/pay/notify."""
    transaction_id = f"SBX{timezone.now():%Y%m%d%H%M%S}{payment.pk:08d}"
    cache.set(f"sandbox:paid:{payment.out_trade_no}", transaction_id, 7 * 24 * 3600)
    return transaction_id


def _query(payment: Payment) -> tuple[str, str]:
    """(trade_state, transaction_id) from WeChat, or from the sandbox's own record."""
    if payment.sandbox:
        transaction_id = cache.get(f"sandbox:paid:{payment.out_trade_no}")
        return ("SUCCESS", transaction_id) if transaction_id else ("NOTPAY", "")
    result = wechat_pay.order_query(payment.out_trade_no)
    if int(result.get("total_fee", -1)) != payment.amount:
        return "AMOUNT_MISMATCH", ""
    return result.get("trade_state", ""), result.get("transaction_id", "")


def payments_reconcile(*, older_than: timedelta = timedelta(minutes=2), limit: int = 200) -> int:
    """Ask WeChat (or the sandbox) about unpaid prepays whose notification never arrived.

    Selects by state, so running it twice or in two processes at once is harmless: applying a
    payment is idempotent.
    """
    now = timezone.now()
    candidates = Payment.objects.filter(
        status=Payment.Status.CREATED,
        created_at__lte=now - older_than,
        created_at__gte=now - timedelta(days=2),
    ).exclude(prepay_id="")[:limit]
    applied = 0
    for payment in candidates:
        try:
            state, transaction_id = _query(payment)
        except WeChatPayException:
            logger.warning("order query failed for %s", payment.out_trade_no, exc_info=True)
            continue
        if state == "SUCCESS" and transaction_id:
            if payment_apply(payment=payment, transaction_id=transaction_id) == Outcome.APPLIED:
                applied += 1
        elif state in {"CLOSED", "REVOKED", "PAYERROR"} or payment.expires_at < now - timedelta(
            hours=1
        ):
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
                status=Payment.Status.CLOSED
            )
    return applied
