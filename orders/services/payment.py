"""Taking the money: WeChat Pay (or its sandbox), the payment notification, and the sweep that
asks WeChat about payments whose notification never came (DESIGN §4 "Orders")."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException

from inventory.exceptions import InsufficientStock
from inventory.models import Reservation
from inventory.services import reservations_commit, stock_reserve
from members.services.notices import notice_language, notice_send
from o2o import wechat_pay
from o2o.money import format_yuan
from o2o.throttle import throttle_hit
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
    if not wechat_pay.is_configured():
        # Fail closed: no merchant key and no sandbox means no way to take (or verify) money.
        raise wechat_pay.PaymentNotConfigured()
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


# Outcomes after which WeChat should stop resending; anything else answers FAIL.
ACKNOWLEDGED = frozenset(
    {Outcome.APPLIED, Outcome.DUPLICATE, Outcome.NOT_SUCCESS, Outcome.LATE_REFUNDED}
)
# Not recorded: the address sent too many unverifiable notifications (see _refusals_exceeded).
THROTTLED = "throttled"

# Unverifiable notifications (not XML, or not signed with our key) cost a row each, so an address
# gets this many recorded per window; beyond it they are refused without a row. Duplicates of a
# genuine notification count too (WeChat stops resending once acknowledged, so a stream of them
# is someone replaying a captured one): still acknowledged, no longer recorded.
UNVERIFIED_PER_ADDRESS = 20
UNVERIFIED_WINDOW_SECONDS = 10 * 60
REFUSALS_SCOPE = "pay-notify:address"
# How much of a body is kept: a genuine notification is about a kilobyte; of an unverifiable one
# a glimpse is enough for HQ to see what it was.
BODY_CHARS_VERIFIED = 4000
BODY_CHARS_UNVERIFIED = 500
# Refused and duplicate notifications are kept this long (the purge job); applied ones stay.
PURGED_OUTCOMES = (
    Outcome.BAD_SIGNATURE,
    Outcome.MALFORMED,
    Outcome.UNKNOWN_ORDER,
    Outcome.AMOUNT_MISMATCH,
    Outcome.DUPLICATE,
)


def _refusals_exceeded(remote_addr: str | None) -> bool:
    """Count one unverifiable (or duplicate) notification from this address; True once past the
    allowance (the platform's throttle: an atomic counter shared by every web process)."""
    decision = throttle_hit(
        scope=REFUSALS_SCOPE,
        key=remote_addr or "unknown",
        limit=UNVERIFIED_PER_ADDRESS,
        window=UNVERIFIED_WINDOW_SECONDS,
    )
    if decision.just_locked:
        logger.warning(
            "payment notifications from %s no longer recorded: more than %s unverifiable or "
            "duplicate in %s s",
            remote_addr,
            UNVERIFIED_PER_ADDRESS,
            UNVERIFIED_WINDOW_SECONDS,
        )
    return not decision.allowed


def _log(
    outcome: str, *, body: bytes = b"", remote_addr=None, verified: bool = True, **fields
) -> PaymentNotification:
    if outcome not in ACKNOWLEDGED:
        logger.warning("payment notification refused: %s %s", outcome, fields)
    limit = BODY_CHARS_VERIFIED if verified else BODY_CHARS_UNVERIFIED
    return PaymentNotification.objects.create(
        outcome=outcome,
        # NUL cannot be stored in a PostgreSQL text column.
        body=body[: limit * 4].decode("utf-8", "replace")[:limit].replace("\x00", "\ufffd"),
        remote_addr=remote_addr,
        **fields,
    )


def _text(data: dict, name: str) -> str:
    """A field as text: WeChat sends flat text elements; anything else counts as absent."""
    value = data.get(name)
    return value if isinstance(value, str) else ""


def payment_notification_handle(*, body: bytes, remote_addr: str | None = None) -> bool:
    """Handle a payment-result notification; True when WeChat should stop resending."""
    return payment_notification_receive(body=body, remote_addr=remote_addr) in ACKNOWLEDGED


def payment_notification_receive(*, body: bytes, remote_addr: str | None = None) -> str:
    """Handle a payment-result notification; returns its outcome (PaymentNotification.Outcome, or
    THROTTLED). WeChat should stop resending when the outcome is in ACKNOWLEDGED.

    Signature, out_trade_no and the exact amount are checked before anything changes; a forged,
    malformed or mismatched notification changes nothing and is recorded for HQ (unverifiable ones
    only up to a per-address allowance, with a shortened body). A repeated notification answers
    success and changes nothing (the payment is already paid under a unique transaction_id; the
    order moved once, through a guarded transition).
    """
    try:
        data = wechat_pay.parse_notification(body)
    except (wechat_pay.NotificationMalformed, InvalidSignatureException) as error:
        outcome = (
            Outcome.MALFORMED
            if isinstance(error, wechat_pay.NotificationMalformed)
            else Outcome.BAD_SIGNATURE
        )
        if _refusals_exceeded(remote_addr):
            return THROTTLED
        _log(outcome, body=body, remote_addr=remote_addr, verified=False)
        return outcome
    fields = {
        "out_trade_no": _text(data, "out_trade_no")[:64],
        "transaction_id": _text(data, "transaction_id")[:64],
    }
    if _text(data, "return_code") != "SUCCESS" or _text(data, "result_code") != "SUCCESS":
        _log(Outcome.NOT_SUCCESS, body=body, remote_addr=remote_addr, **fields)
        return Outcome.NOT_SUCCESS  # acknowledged: a failed payment changes nothing here
    total_fee = _text(data, "total_fee")
    # Strictly digits: int() would also take "+1", " 1" or "1_000".
    if not re.fullmatch(r"[0-9]{1,15}", total_fee) or not fields["transaction_id"]:
        _log(Outcome.MALFORMED, body=body, remote_addr=remote_addr, **fields)
        return Outcome.MALFORMED
    amount = int(total_fee)
    payment = Payment.objects.filter(out_trade_no=fields["out_trade_no"]).first()
    if payment is None:
        _log(Outcome.UNKNOWN_ORDER, body=body, remote_addr=remote_addr, amount=amount, **fields)
        return Outcome.UNKNOWN_ORDER
    if amount != payment.amount:
        _log(Outcome.AMOUNT_MISMATCH, body=body, remote_addr=remote_addr, amount=amount, **fields)
        return Outcome.AMOUNT_MISMATCH
    outcome = payment_apply(payment=payment, transaction_id=fields["transaction_id"])
    if outcome == Outcome.DUPLICATE and _refusals_exceeded(remote_addr):
        # A genuine notification replayed over and over: still acknowledged, no longer recorded.
        return outcome
    _log(outcome, body=body, remote_addr=remote_addr, amount=amount, **fields)
    return outcome


def payment_notifications_purge(*, before: datetime) -> int:
    """Delete refused and duplicate notifications received before `before`; returns how many.

    Applied, late-refunded and not-successful ones (WeChat's own word on a trade) are kept.
    """
    deleted, _per_model = PaymentNotification.objects.filter(
        outcome__in=PURGED_OUTCOMES, received_at__lt=before
    ).delete()
    return deleted


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
                _paid_notice_send(order)
            elif order.status in {Order.Status.EXPIRED, Order.Status.CANCELLED}:
                outcome, refund_id = _late_payment(order, transaction_id, now)
                _paid_notice_send(order)
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


def _paid_notice_send(order: Order) -> None:
    """Tell the shopper her payment arrived (in the app; by WeChat after commit when configured)."""
    if not order.member_id:
        return
    with notice_language():
        title = _("Order %(number)s is paid") % {"number": order.number}
        body = _("We received your payment of %(amount)s.") % {
            "amount": format_yuan(order.total_amount)
        }
    notice_send(
        member=order.member,
        kind="order_paid",
        title=title,
        body=body,
        url=reverse("orders:detail", kwargs={"number": order.number}),
        dedupe_key=f"order_paid:{order.number}",
    )


def _take_stock(order: Order, *, fresh: bool) -> None:
    """Commit the order's reservations (or, after expiry, reserve and commit anew).

    A delivery order's goods stay reserved: the store that accepts its offer takes them, and
    until then the hold follows the offer from store to store (the ORDER_PAID hook of dispatch).
    After expiry its lines are only reserved again, for the hook to move on.
    """
    if order.fulfillment == Order.Fulfillment.DELIVERY:
        if fresh:
            stock_reserve(
                store=order.fulfilling_store,
                lines=list(order.lines.values_list("sku_id", "quantity")),
                expires_at=timezone.now() + timedelta(minutes=5),
                owner=order.reservation_owner,
            )
        return
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
        except (WeChatPayException, wechat_pay.PaymentNotConfigured):
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
