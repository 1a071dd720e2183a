"""Reconciliation by payment serial: WeChat Pay's bill of a day against our payments and refunds.

Every bill line is matched by WeChat's transaction id, else the merchant's trade number (refunds
by the merchant's refund number), and its amount compared to the fen. Our side of a day is the
payments paid and the refunds completed on that local day. Outcomes: matched; in the bill but
missing here; here but missing in the bill; amount differs. HQ resolves each difference with a
note. Importing a day again (a corrected bill, a retried job) replaces the day's figures and
keeps the notes of differences that are still there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatPayException

from o2o import wechat_pay
from o2o.errors import Conflict, DomainError
from orders.models import Payment, Refund
from reports.models import PaymentBill, PaymentDifference
from reports.services.facts import local_bounds
from reports.wechat_bill import Bill, BillPayment, BillRefund, bill_parse, bill_time, bill_write
from stores.models import Staff

logger = logging.getLogger("reports.reconciliation")
Kind = PaymentDifference.Kind
Record = PaymentDifference.Record


class BillUnavailable(DomainError):
    code = "bill_unavailable"


@dataclass(frozen=True)
class _Difference:
    kind: str
    record: str
    reference: str
    wechat_id: str = ""
    order_id: int | None = None
    our_amount: int | None = None
    wechat_amount: int | None = None


def _payment_differences(bill: Bill, bill_date: date) -> tuple[int, list[_Difference]]:
    start, end = local_bounds(bill_date, bill_date)
    references = {line.out_trade_no for line in bill.payments}
    serials = {line.transaction_id for line in bill.payments}
    ours = Payment.objects.filter(status=Payment.Status.PAID).filter(
        # Today's payments, and any the bill names (paid here just across midnight).
        Q(paid_at__gte=start, paid_at__lt=end)
        | Q(out_trade_no__in=references)
        | Q(transaction_id__in=serials)
    )
    by_serial = {payment.transaction_id: payment for payment in ours if payment.transaction_id}
    by_reference = {payment.out_trade_no: payment for payment in ours}
    matched, differences, seen = 0, [], set()
    for line in bill.payments:
        payment = by_serial.get(line.transaction_id) or by_reference.get(line.out_trade_no)
        if payment is None:
            differences.append(
                _Difference(
                    Kind.MISSING_HERE,
                    Record.PAYMENT,
                    line.out_trade_no,
                    line.transaction_id,
                    wechat_amount=line.amount,
                )
            )
            continue
        seen.add(payment.pk)
        if payment.amount != line.amount:
            differences.append(
                _Difference(
                    Kind.AMOUNT,
                    Record.PAYMENT,
                    line.out_trade_no,
                    line.transaction_id,
                    payment.order_id,
                    payment.amount,
                    line.amount,
                )
            )
        else:
            matched += 1
    for payment in ours:
        if payment.pk not in seen and start <= payment.paid_at < end:
            differences.append(
                _Difference(
                    Kind.MISSING_AT_WECHAT,
                    Record.PAYMENT,
                    payment.out_trade_no,
                    payment.transaction_id or "",
                    payment.order_id,
                    our_amount=payment.amount,
                )
            )
    return matched, differences


def _refund_differences(bill: Bill, bill_date: date) -> tuple[int, list[_Difference]]:
    start, end = local_bounds(bill_date, bill_date)
    lines = [line for line in bill.refunds if line.succeeded]
    references = {line.out_refund_no for line in lines}
    ours = {
        refund.out_refund_no: refund
        for refund in Refund.objects.filter(status=Refund.Status.SUCCEEDED).filter(
            Q(completed_at__gte=start, completed_at__lt=end) | Q(out_refund_no__in=references)
        )
    }
    matched, differences, seen = 0, [], set()
    for line in lines:
        refund = ours.get(line.out_refund_no)
        if refund is None:
            differences.append(
                _Difference(
                    Kind.MISSING_HERE,
                    Record.REFUND,
                    line.out_refund_no,
                    line.refund_id,
                    wechat_amount=line.amount,
                )
            )
            continue
        seen.add(refund.out_refund_no)
        if refund.amount != line.amount:
            differences.append(
                _Difference(
                    Kind.AMOUNT,
                    Record.REFUND,
                    line.out_refund_no,
                    line.refund_id,
                    refund.order_id,
                    refund.amount,
                    line.amount,
                )
            )
        else:
            matched += 1
    for reference, refund in ours.items():
        if reference not in seen and start <= refund.completed_at < end:
            differences.append(
                _Difference(
                    Kind.MISSING_AT_WECHAT,
                    Record.REFUND,
                    reference,
                    refund.refund_id,
                    refund.order_id,
                    our_amount=refund.amount,
                )
            )
    return matched, differences


@transaction.atomic
def bill_import(*, bill_date: date, content: bytes | str, source: str, actor=None) -> PaymentBill:
    """Parse WeChat Pay's bill of `bill_date`, match it and record the differences.

    A bill that does not parse raises `BillRejected` before anything is written. Re-importing
    replaces the day's figures; a difference found again keeps its note and resolution.
    """
    bill = bill_parse(content)
    matched_payments, payment_differences = _payment_differences(bill, bill_date)
    matched_refunds, refund_differences = _refund_differences(bill, bill_date)
    found = payment_differences + refund_differences
    record, _created = PaymentBill.objects.select_for_update().update_or_create(
        bill_date=bill_date,
        defaults={
            "source": source,
            "payment_lines": len(bill.payments),
            "refund_lines": len(bill.refunds),
            "paid_total": bill.paid_total,
            "refunded_total": bill.refunded_total,
            "matched": matched_payments + matched_refunds,
            "differences": len(found),
            "imported_at": timezone.now(),
            "imported_by": actor,
        },
    )
    kept = {(d.record, d.reference): d for d in record.lines.all()}
    for difference in found:
        fields = {
            "kind": difference.kind,
            "wechat_id": difference.wechat_id[:64],
            "order_id": difference.order_id,
            "our_amount": difference.our_amount,
            "wechat_amount": difference.wechat_amount,
        }
        existing = kept.pop((difference.record, difference.reference), None)
        if existing is None:
            PaymentDifference.objects.create(
                bill=record, record=difference.record, reference=difference.reference, **fields
            )
        elif any(getattr(existing, name) != value for name, value in fields.items()):
            PaymentDifference.objects.filter(pk=existing.pk).update(**fields)
    PaymentDifference.objects.filter(pk__in=[d.pk for d in kept.values()]).delete()
    return record


@transaction.atomic
def difference_resolve(*, difference: PaymentDifference, note: str, actor) -> PaymentDifference:
    """HQ closes a difference with what was done about it (once; a second answer conflicts)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say how the difference was resolved."), code="note_required")
    updated = PaymentDifference.objects.filter(pk=difference.pk, resolved_at__isnull=True).update(
        resolution_note=note[:300], resolved_at=timezone.now(), resolved_by=actor
    )
    if not updated:
        raise Conflict(_("This difference is already resolved."))
    difference.refresh_from_db()
    return difference


def sandbox_bill(bill_date: date) -> str:
    """The bill WeChat would send for the sandbox's own payments and refunds of the day."""
    start, end = local_bounds(bill_date, bill_date)
    payments = Payment.objects.filter(
        sandbox=True, status=Payment.Status.PAID, paid_at__gte=start, paid_at__lt=end
    )
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, completed_at__gte=start, completed_at__lt=end
    ).prefetch_related("order__payments")
    refund_lines = []
    for refund in refunds:
        paid = [p for p in refund.order.payments.all() if p.sandbox and p.status == "paid"]
        if paid:
            refund_lines.append(
                BillRefund(
                    transaction_id=paid[0].transaction_id or "",
                    out_trade_no=paid[0].out_trade_no,
                    refund_id=refund.refund_id,
                    out_refund_no=refund.out_refund_no,
                    amount=refund.amount,
                    succeeded=True,
                )
            )
    return bill_write(
        app_id=settings.WECHAT_APP_ID or wechat_pay.DEMO_APP_ID,
        mch_id=settings.WECHAT_PAY_MCH_ID or wechat_pay.DEMO_MCH_ID,
        payments=[
            BillPayment(
                transaction_id=payment.transaction_id or "",
                out_trade_no=payment.out_trade_no,
                amount=payment.amount,
                paid_at=bill_time(timezone.localtime(payment.paid_at)),
            )
            for payment in payments
        ],
        refunds=refund_lines,
    )


def bill_fetch(*, bill_date: date, actor=None) -> PaymentBill:
    """Download the day's bill through the pay client (the sandbox makes its own) and import it.

    No lock is held across the download: it is a call to the outside.
    """
    if wechat_pay.is_sandbox():
        return bill_import(
            bill_date=bill_date,
            content=sandbox_bill(bill_date),
            source=PaymentBill.Source.SANDBOX,
            actor=actor,
        )
    try:
        content = wechat_pay.pay_client().tools.download_bill(bill_date, bill_type="ALL")
    except WeChatPayException as error:
        raise BillUnavailable(
            _("WeChat Pay gave no bill for %(day)s: %(reason)s")
            % {"day": bill_date, "reason": error.errmsg or error.return_msg or error}
        ) from error
    except OSError as error:
        raise BillUnavailable(_("WeChat Pay could not be reached: %s") % error) from error
    if not isinstance(content, str):
        raise BillUnavailable(_("WeChat Pay answered without a bill."))
    return bill_import(
        bill_date=bill_date, content=content, source=PaymentBill.Source.DOWNLOAD, actor=actor
    )


def differences_alert(bill: PaymentBill) -> int:
    """Tell HQ when a bill left open differences: an error in the log (for monitoring) and an
    e-mail to every active HQ staff member with an address. Returns the open count."""
    open_count = bill.lines.filter(resolved_at__isnull=True).count()
    if not open_count:
        return 0
    logger.error("WeChat Pay bill %s: %s unmatched lines", bill.bill_date, open_count)
    users = (
        get_user_model()
        .objects.filter(staff__role=Staff.Role.HQ, staff__is_active=True, is_active=True)
        .exclude(email="")
    )
    recipients = sorted(set(users.values_list("email", flat=True)))
    if recipients:
        send_mail(
            subject=_("WeChat Pay reconciliation: %(n)s differences on %(day)s")
            % {"n": open_count, "day": bill.bill_date},
            message=_("Open the reconciliation page in the back office to resolve them.")
            + f"\n{settings.SITE_URL}/staff/hq/reports/reconciliation/",
            from_email=None,
            recipient_list=recipients,
            fail_silently=True,
        )
    return open_count
