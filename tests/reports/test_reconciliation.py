"""Reconciliation: a synthetic WeChat Pay bill with planted differences finds each of them and
nothing else; a hostile bill changes nothing; the bill comes from the fake WeChat server through
wechatpy, or from the sandbox's own payments."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from o2o.errors import Conflict
from orders.models import Payment
from reports.models import PaymentBill, PaymentDifference
from reports.services.reconciliation import (
    BillUnavailable,
    bill_fetch,
    bill_import,
    difference_resolve,
)
from reports.wechat_bill import BillPayment, BillRefund, BillRejected, bill_parse, bill_write
from tests.reports.synthetic import at, order_make, refund_make
from tests.wechat_fake import FakeResponse, WeChatFake

pytestmark = pytest.mark.django_db
DAY = date(2026, 4, 8)
Kind = PaymentDifference.Kind


def paid(shop, amount: int, *, hour: int = 12, day: date = DAY) -> Payment:
    order = order_make(shop, paid_at=at(day, hour), amount=amount)
    return Payment.objects.create(
        order=order,
        out_trade_no=f"P{order.number}",
        amount=amount,
        transaction_id=f"4200{order.number}",
        status=Payment.Status.PAID,
        paid_at=at(day, hour),
        expires_at=at(day, hour),
    )


def line(payment: Payment, amount: int | None = None) -> BillPayment:
    return BillPayment(
        transaction_id=payment.transaction_id,
        out_trade_no=payment.out_trade_no,
        amount=payment.amount if amount is None else amount,
        paid_at=f"{DAY} 12:00:00",
    )


def refund_line(refund, amount: int | None = None) -> BillRefund:
    payment = refund.order.payments.get()
    return BillRefund(
        transaction_id=payment.transaction_id,
        out_trade_no=payment.out_trade_no,
        refund_id=f"5000{refund.out_refund_no}",
        out_refund_no=refund.out_refund_no,
        amount=refund.amount if amount is None else amount,
        succeeded=True,
    )


def write(payments, refunds=()):
    return bill_write(app_id="wxapp", mch_id="1900000109", payments=payments, refunds=list(refunds))


@pytest.fixture
def planted(shop):
    """Three matching payments and a matching refund; then one of each difference."""
    matching = [paid(shop, amount) for amount in (9900, 15900, 59900)]
    refunded = paid(shop, 30000, hour=9)
    refund_ok = refund_make(refunded.order, amount=10000, completed_at=at(DAY, 15))
    refund_short = refund_make(refunded.order, amount=5000, completed_at=at(DAY, 16))
    refund_unknown_here = BillRefund(
        transaction_id=refunded.transaction_id,
        out_trade_no=refunded.out_trade_no,
        refund_id="5000ghost",
        out_refund_no="R-GHOST",
        amount=700,
        succeeded=True,
    )
    refund_not_at_wechat = refund_make(refunded.order, amount=2000, completed_at=at(DAY, 17))
    differs = paid(shop, 12000)
    not_at_wechat = paid(shop, 8800, hour=23)
    ghost = BillPayment(
        transaction_id="4200ghost", out_trade_no="PGHOST", amount=4500, paid_at=f"{DAY} 08:00:00"
    )
    # Another day's payment is not today's business.
    paid(shop, 100, day=DAY + timedelta(days=1))
    content = write(
        [*map(line, matching), line(refunded), line(differs, 12100), ghost],
        [refund_line(refund_ok), refund_line(refund_short, 5500), refund_unknown_here],
    )
    expected = {
        ("payment", "PGHOST", Kind.MISSING_HERE, None, 4500),
        ("payment", differs.out_trade_no, Kind.AMOUNT, 12000, 12100),
        ("payment", not_at_wechat.out_trade_no, Kind.MISSING_AT_WECHAT, 8800, None),
        ("refund", "R-GHOST", Kind.MISSING_HERE, None, 700),
        ("refund", refund_short.out_refund_no, Kind.AMOUNT, 5000, 5500),
        ("refund", refund_not_at_wechat.out_refund_no, Kind.MISSING_AT_WECHAT, 2000, None),
    }
    return content, expected


def found(bill):
    return {
        (d.record, d.reference, d.kind, d.our_amount, d.wechat_amount) for d in bill.lines.all()
    }


def test_a_synthetic_bill_finds_each_planted_difference_and_nothing_else(planted):
    content, expected = planted

    bill = bill_import(bill_date=DAY, content=content, source=PaymentBill.Source.UPLOAD)

    assert found(bill) == expected
    assert (bill.matched, bill.differences) == (4 + 1, 6)
    assert (bill.payment_lines, bill.refund_lines) == (6, 3)


def test_importing_again_keeps_hqs_notes_and_drops_what_was_fixed(planted, shop):
    content, expected = planted
    bill = bill_import(bill_date=DAY, content=content, source=PaymentBill.Source.UPLOAD)
    ghost = bill.lines.get(reference="PGHOST")
    difference_resolve(difference=ghost, note="Paid twice by the shopper; refunded", actor=None)

    again = bill_import(bill_date=DAY, content=content, source=PaymentBill.Source.UPLOAD)

    assert again.pk == bill.pk and found(again) == expected
    assert again.lines.get(reference="PGHOST").resolution_note.startswith("Paid twice")
    with pytest.raises(Conflict):
        difference_resolve(difference=ghost, note="again", actor=None)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe garbage", "not UTF-8"),
        ("交易时间,微信订单号\n`x,`y\n", "no header, lines and summary"),
        ("<xml><return_code>FAIL</return_code></xml>", "an error, not a bill"),
        ("a,b,c\n1,2,3\n4,5,6\n", "missing columns"),
        ("abc\x00def", "NUL"),
    ],
)
def test_a_hostile_bill_is_refused_with_a_reason_and_changes_nothing(shop, content, message):
    with pytest.raises(BillRejected, match=message):
        bill_import(bill_date=DAY, content=content, source=PaymentBill.Source.UPLOAD)
    assert not PaymentBill.objects.exists()


def test_a_bill_whose_lines_disagree_with_its_summary_is_refused(shop):
    good = write([line(paid(shop, 9900))])
    bad_amount = good.replace("`99.00", "`1e9", 1)
    bad_count = good.replace("\r\n`1,", "\r\n`2,")
    lines = good.rstrip("\r\n").split("\r\n")
    bad_total = "\r\n".join([*lines[:-1], lines[-1].replace("`99.00", "`98.00", 1)])
    short_row = good.replace("`JSAPI,", "", 1)

    for content, message in [
        (bad_amount, "not an amount"),
        (bad_count, "counts 2 trades"),
        (bad_total, "differs from the lines"),
        (short_row, "columns, the header has"),
    ]:
        with pytest.raises(BillRejected, match=message):
            bill_parse(content)
    assert bill_parse(good).paid_total == 9900


def test_the_bill_is_downloaded_through_wechatpy_from_the_fake_server(shop, settings):
    payment = paid(shop, 9900)
    fake = WeChatFake(app_id="wxbill", secret=secrets.token_hex(8)).start()
    try:
        settings.WECHAT_PAY_SANDBOX = False
        settings.WECHAT_PAY_API_KEY = "k" * 32
        settings.WECHAT_PAY_MCH_ID = "1900000109"
        settings.WECHAT_PAY_BASE_URL = fake.pay_base_url
        fake.add_route(
            "POST",
            "/pay/pay/downloadbill",
            lambda request: FakeResponse(write([line(payment)]), content_type="text/plain"),
        )

        bill = bill_fetch(bill_date=DAY)

        request = fake.calls("/pay/pay/downloadbill")[0]
        assert "<bill_date>20260408</bill_date>" in request.text
        assert (bill.source, bill.matched, bill.differences) == ("download", 1, 0)

        no_bill = "<xml><return_code>FAIL</return_code><return_msg>No Bill Exist</return_msg></xml>"
        fake.add_route(
            "POST",
            "/pay/pay/downloadbill",
            lambda request: FakeResponse(no_bill, content_type="text/xml"),
        )
        with pytest.raises(BillUnavailable, match="No Bill Exist"):
            bill_fetch(bill_date=DAY + timedelta(days=1))
    finally:
        fake.stop()


def test_the_sandbox_bill_of_its_own_payments_matches_them(shop, settings):
    settings.WECHAT_PAY_SANDBOX = True
    for amount in (9900, 15900):
        Payment.objects.filter(pk=paid(shop, amount).pk).update(sandbox=True)

    bill = bill_fetch(bill_date=DAY)

    assert (bill.source, bill.payment_lines, bill.matched, bill.differences) == ("sandbox", 2, 2, 0)


def test_the_command_exits_non_zero_on_differences(planted, tmp_path):
    content, _expected = planted
    path = tmp_path / "bill.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="6 differences"):
        call_command("reports_reconcile", "--date", str(DAY), "--file", str(path))
    with pytest.raises(CommandError, match="not a date"):
        call_command("reports_reconcile", "--date", "yesterday")
