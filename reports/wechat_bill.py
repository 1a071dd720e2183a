"""WeChat Pay's daily bill (对账单, `downloadbill` with bill_type=ALL): parse and write it.

The format: a CSV header row in Chinese; one row per trade, each value prefixed with a backtick
(so spreadsheet programs keep long numbers as text); then a summary header and one summary row
(trade count and totals). Amounts are yuan with two decimals. A refund is its own row with the
trade status `REFUND`, the merchant's refund number and the refunded amount.

The parser trusts nothing: the whole text is checked (size, NUL bytes, columns, every amount,
the summary's count and totals) before anything is returned, and any fault is a `BillRejected`
with the line number, so a bad bill changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from o2o.money import parse_yuan

AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
MAX_BILL_BYTES = 64 * 1024 * 1024
MAX_FIELD = 256

TRADE_TIME = "交易时间"
TRANSACTION_ID = "微信订单号"
OUT_TRADE_NO = "商户订单号"
TRADE_STATE = "交易状态"
SETTLEMENT_AMOUNT = "应结订单金额"
ORDER_AMOUNT = "订单金额"
REFUND_ID = "微信退款单号"
OUT_REFUND_NO = "商户退款单号"
REFUND_AMOUNT = "退款金额"
REFUND_REQUESTED = "申请退款金额"
REFUND_STATE = "退款状态"
REQUIRED = (TRADE_TIME, TRANSACTION_ID, OUT_TRADE_NO, TRADE_STATE, SETTLEMENT_AMOUNT)

# The columns of the ALL bill (27 since WeChat added order amount, requested refund and the
# fee note); the sandbox writes exactly these.
COLUMNS = [
    TRADE_TIME, "公众账号ID", "商户号", "特约商户号", "设备号", TRANSACTION_ID, OUT_TRADE_NO,
    "用户标识", "交易类型", TRADE_STATE, "付款银行", "货币种类", SETTLEMENT_AMOUNT, "代金券金额",
    REFUND_ID, OUT_REFUND_NO, REFUND_AMOUNT, "充值券退款金额", "退款类型", REFUND_STATE,
    "商品名称", "商户数据包", "手续费", "费率", ORDER_AMOUNT, REFUND_REQUESTED, "费率备注",
]  # fmt: skip
SUMMARY_COLUMNS = [
    "总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额",
    "申请退款总金额",
]  # fmt: skip


class BillRejected(ValueError):
    """The bill is not a WeChat Pay bill we can trust; the message says where and why."""


@dataclass(frozen=True)
class BillPayment:
    transaction_id: str
    out_trade_no: str
    amount: int  # fen
    paid_at: str


@dataclass(frozen=True)
class BillRefund:
    transaction_id: str
    out_trade_no: str
    refund_id: str
    out_refund_no: str
    amount: int  # fen
    succeeded: bool


@dataclass(frozen=True)
class Bill:
    payments: list[BillPayment]
    refunds: list[BillRefund]

    @property
    def paid_total(self) -> int:
        return sum(line.amount for line in self.payments)

    @property
    def refunded_total(self) -> int:
        return sum(line.amount for line in self.refunds)


def _value(text: str) -> str:
    return text[1:] if text.startswith("`") else text


def _amount(text: str, *, where: str) -> int:
    value = _value(text).strip() or "0"
    # Digits and at most two decimals: no sign, exponent, NaN or thousands separator.
    if not AMOUNT.fullmatch(value):
        raise BillRejected(f"{where}: {text[:32]!r} is not an amount")
    try:
        fen = parse_yuan(value)
    except ValueError as error:
        raise BillRejected(f"{where}: {text[:32]!r} is not an amount") from error
    if fen < 0:
        raise BillRejected(f"{where}: negative amount {text[:32]!r}")
    return fen


def bill_parse(content: bytes | str) -> Bill:
    """Parse a bill's text; BillRejected on anything but a well-formed, self-consistent bill."""
    if isinstance(content, bytes):
        if len(content) > MAX_BILL_BYTES:
            raise BillRejected("the bill is larger than 64 MB")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise BillRejected(f"the bill is not UTF-8 text (byte {error.start})") from error
    if not isinstance(content, str):
        raise BillRejected("the bill is not text")
    if len(content) > MAX_BILL_BYTES:
        raise BillRejected("the bill is larger than 64 MB")
    content = content.removeprefix("\ufeff")
    if "\x00" in content:
        raise BillRejected("the bill contains NUL bytes")
    if content.lstrip().startswith("<"):
        raise BillRejected("WeChat Pay answered with an error, not a bill")
    try:
        rows = [row for row in csv.reader(io.StringIO(content, newline="")) if row]
    except csv.Error as error:
        raise BillRejected(f"not CSV: {error}") from error
    if len(rows) < 3:
        raise BillRejected("the bill has no header, lines and summary")
    header = [name.strip() for name in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BillRejected(f"line 1: missing columns {', '.join(missing)}")
    index = {name: position for position, name in enumerate(header)}
    try:
        summary_at = next(
            number for number, row in enumerate(rows) if row[0].strip() == SUMMARY_COLUMNS[0]
        )
    except StopIteration as error:
        raise BillRejected("the bill has no summary (总交易单数)") from error
    if summary_at + 2 != len(rows):
        raise BillRejected(f"line {summary_at + 1}: the summary must be the last two lines")

    payments, refunds = [], []
    for number, row in enumerate(rows[1:summary_at], start=2):
        where = f"line {number}"
        if len(row) != len(header):
            raise BillRejected(f"{where}: {len(row)} columns, the header has {len(header)}")
        if any(len(value) > MAX_FIELD for value in row):
            raise BillRejected(f"{where}: a value is too long")

        def get(name, row=row):
            return _value(row[index[name]]).strip() if name in index else ""

        state = get(TRADE_STATE)
        transaction_id, out_trade_no = get(TRANSACTION_ID), get(OUT_TRADE_NO)
        if not transaction_id or not out_trade_no:
            raise BillRejected(f"{where}: no WeChat or merchant trade number")
        if state == "REFUND":
            out_refund_no = get(OUT_REFUND_NO)
            if not out_refund_no:
                raise BillRejected(f"{where}: a refund without its merchant refund number")
            column = REFUND_REQUESTED if get(REFUND_REQUESTED) else REFUND_AMOUNT
            refunds.append(
                BillRefund(
                    transaction_id=transaction_id,
                    out_trade_no=out_trade_no,
                    refund_id=get(REFUND_ID),
                    out_refund_no=out_refund_no,
                    amount=_amount(row[index[column]], where=where),
                    succeeded=get(REFUND_STATE) in ("SUCCESS", ""),
                )
            )
        elif state == "SUCCESS":
            column = ORDER_AMOUNT if get(ORDER_AMOUNT) else SETTLEMENT_AMOUNT
            payments.append(
                BillPayment(
                    transaction_id=transaction_id,
                    out_trade_no=out_trade_no,
                    amount=_amount(row[index[column]], where=where),
                    paid_at=get(TRADE_TIME),
                )
            )
        elif state not in ("REVOKED", "CLOSED", "NOTPAY", "PAYERROR", "USERPAYING"):
            raise BillRejected(f"{where}: unknown trade status {state[:16]!r}")

    summary = rows[summary_at + 1]
    if len(summary) < 3:
        raise BillRejected(f"line {summary_at + 2}: the summary is incomplete")
    try:
        count = int(_value(summary[0]).strip())
    except ValueError as error:
        raise BillRejected(f"line {summary_at + 2}: the trade count is not a number") from error
    if count != summary_at - 1:
        raise BillRejected(
            f"line {summary_at + 2}: the summary counts {count} trades, the bill lists "
            f"{summary_at - 1}"
        )
    settled = _amount(summary[1], where=f"line {summary_at + 2}")
    listed = sum(_amount(row[index[SETTLEMENT_AMOUNT]], where="") for row in rows[1:summary_at])
    if settled != listed:
        raise BillRejected(
            f"line {summary_at + 2}: the summary's total {settled} fen differs from the lines' "
            f"{listed} fen"
        )
    return Bill(payments=payments, refunds=refunds)


def _yuan(fen: int) -> str:
    return f"`{fen // 100}.{fen % 100:02d}"


def bill_write(
    *, app_id: str, mch_id: str, payments: list[BillPayment], refunds: list[BillRefund]
) -> str:
    """A bill in WeChat Pay's format (the sandbox's bill, and tests' synthetic ones)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    settled = 0
    blank = "`"
    for line in payments:
        settled += line.amount
        writer.writerow(
            [f"`{line.paid_at}", f"`{app_id}", f"`{mch_id}", "`0", blank,
             f"`{line.transaction_id}", f"`{line.out_trade_no}", "`sandbox-openid", "`JSAPI",
             "`SUCCESS", "`OTHERS", "`CNY", _yuan(line.amount), "`0.00", "`0", "`0", "`0.00",
             "`0.00", blank, blank, "`order", blank, "`0.00000", "`0.60%", _yuan(line.amount),
             "`0.00", blank]
        )  # fmt: skip
    for line in refunds:
        writer.writerow(
            [blank, f"`{app_id}", f"`{mch_id}", "`0", blank, f"`{line.transaction_id}",
             f"`{line.out_trade_no}", "`sandbox-openid", "`JSAPI", "`REFUND", "`OTHERS", "`CNY",
             "`0.00", "`0.00", f"`{line.refund_id}", f"`{line.out_refund_no}",
             _yuan(line.amount), "`0.00", "`ORIGINAL", "`SUCCESS" if line.succeeded else "`FAIL",
             "`order", blank, "`0.00000", "`0.60%", "`0.00", _yuan(line.amount), blank]
        )  # fmt: skip
    writer.writerow(SUMMARY_COLUMNS)
    refunded = sum(line.amount for line in refunds)
    writer.writerow(
        [f"`{len(payments) + len(refunds)}", _yuan(settled), _yuan(refunded), "`0.00",
         "`0.00000", _yuan(settled), _yuan(refunded)]
    )  # fmt: skip
    return out.getvalue()


def bill_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")
