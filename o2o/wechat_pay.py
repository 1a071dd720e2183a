"""WeChat Pay through wechatpy, or the local sandbox when it is explicitly switched on.

Both modes sign with MD5 exactly as WeChat Pay does (wechatpy 1.8 verifies payment results with
MD5 only), with `WECHAT_PAY_API_KEY` or, in the sandbox without a key, a fixed demo key.
`/wechat/pay/notify` verifies with the same key in both modes, so the sandbox exercises the
production path.

Payments fail closed (DESIGN §4 "Trust"): the sandbox runs only when `WECHAT_PAY_SANDBOX` is on
(by default only under `DEBUG` without a key); otherwise, without a merchant key, nothing is
signed or verified and taking a payment raises PaymentNotConfigured. The demo key is accepted
only while the sandbox is on. `o2o.checks` makes `check --deploy` fail in that state.

Nothing here may be called while database rows are locked: these are calls to the outside.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from o2o.errors import DomainError
from o2o.outgoing import OutgoingSession
from o2o.wechat_xml import WeChatXmlRejected, wechat_xml_parse

# Used only while the sandbox is on and no API key is configured (demo and tests); never valid
# at WeChat, and refused by the notify endpoint as soon as the sandbox is off.
DEMO_API_KEY = "o2o-sandbox-demo-key-000000000000"
DEMO_MCH_ID = "1900000000"
DEMO_APP_ID = "wx0000000000sandbox"
# A payment-result notification is about a kilobyte.
MAX_NOTIFICATION_BYTES = 16 * 1024


class PaymentNotConfigured(DomainError):
    """Online payment is not configured: no merchant key and the sandbox is off."""

    code = "payment_not_configured"
    http_status = 503

    def __init__(self):
        super().__init__(
            str(_("Online payment is not available right now. Please try again later."))
        )


class RefundNotConfigured(DomainError):
    """Refunds need the merchant certificate and key files (WeChat Pay v2 mutual TLS)."""

    code = "refund_not_configured"
    http_status = 503


class NotificationMalformed(ValueError):
    """The notification is not WeChat Pay's XML (unverifiable)."""


def is_sandbox() -> bool:
    return bool(settings.WECHAT_PAY_SANDBOX)


def is_configured() -> bool:
    """Can payments be taken? In the sandbox, or with a merchant key."""
    return is_sandbox() or bool(settings.WECHAT_PAY_API_KEY)


def api_key() -> str:
    """The key that signs and verifies; the demo key only while the sandbox is on."""
    if settings.WECHAT_PAY_API_KEY:
        return settings.WECHAT_PAY_API_KEY
    if is_sandbox():
        return DEMO_API_KEY
    raise PaymentNotConfigured()


class PaymentUnavailable(DomainError):
    """WeChat Pay did not answer in time (or is failing): the shopper tries again shortly."""

    code = "payment_unavailable"
    http_status = 503

    def __init__(self, detail: str = ""):
        super().__init__(
            str(_("Online payment is not available right now. Please try again later."))
        )
        self.detail = detail


class _PaySession(OutgoingSession):
    """WeChat Pay's HTTP: timeouts and breaker (o2o.outgoing); no answer reads as wechatpy's own
    WeChatPayException, which every caller already handles (a refund stays requested, the query
    sweep skips the trade)."""

    def request(self, method, url, **kwargs):
        try:
            return super().request(method, url, **kwargs)
        except requests.RequestException as error:
            raise WeChatPayException(
                return_code="UNREACHABLE", return_msg=f"{error.__class__.__name__}: {error}"
            ) from error


def refunds_check_configured() -> None:
    """Raise RefundNotConfigured unless refunds can be sent: in the sandbox, or with the
    merchant certificate and key files (checked before a refund is recorded)."""
    if is_sandbox():
        return
    if not (settings.WECHAT_PAY_CERT_PATH and settings.WECHAT_PAY_KEY_PATH):
        raise RefundNotConfigured(
            "WeChat Pay refunds need WECHAT_PAY_CERT_PATH and WECHAT_PAY_KEY_PATH"
        )


def pay_client() -> WeChatPay:
    """wechatpy's v2 client (XML, MD5 signatures) at WECHAT_PAY_BASE_URL, with the merchant
    certificate for the calls that need it (refunds). The one place v2 is spoken: a v3 backend
    (JSON, RSA signatures, platform certificates) would be a second implementation of the
    functions of this module."""
    client = WeChatPay(
        appid=settings.WECHAT_APP_ID or DEMO_APP_ID,
        api_key=api_key(),
        mch_id=settings.WECHAT_PAY_MCH_ID or DEMO_MCH_ID,
        mch_cert=settings.WECHAT_PAY_CERT_PATH or None,
        mch_key=settings.WECHAT_PAY_KEY_PATH or None,
    )
    client.API_BASE_URL = settings.WECHAT_PAY_BASE_URL
    # Timeouts from settings and a breaker of its own (o2o.outgoing).
    client._http = _PaySession("wechat-pay")
    return client


def notify_url() -> str:
    return f"{settings.SITE_URL}/wechat/pay/notify"


def unified_order(
    *,
    out_trade_no: str,
    amount: int,
    body: str,
    openid: str | None,
    client_ip: str,
    expires_at: datetime,
) -> str:
    """Create the WeChat order (JSAPI) and return its prepay id.

    `time_expire` equals the stock reservation's expiry, so WeChat stops taking the money at the
    moment the shop stops holding the goods.
    """
    if is_sandbox():
        return f"sandbox-{secrets.token_hex(12)}"
    try:
        result = pay_client().order.create(
            trade_type="JSAPI",
            body=body[:120],
            total_fee=amount,
            notify_url=notify_url(),
            client_ip=client_ip or "127.0.0.1",
            user_id=openid,
            out_trade_no=out_trade_no,
            time_expire=timezone.localtime(expires_at),
            sign_type="MD5",
        )
    except WeChatPayException as error:
        # The shopper reads "try again"; the page answers within the timeout, never a 500.
        raise PaymentUnavailable(str(error)) from error
    return result["prepay_id"]


def jsapi_params(prepay_id: str) -> dict:
    """Parameters for `wx.chooseWXPay` (JS-SDK)."""
    try:
        return pay_client().jsapi.get_jsapi_params(prepay_id, jssdk=True)
    except WeChatPayException as error:
        raise PaymentUnavailable(str(error)) from error


def order_query(out_trade_no: str) -> dict:
    """WeChat's view of a trade: {"trade_state": ..., "transaction_id": ..., "total_fee": ...}."""
    return pay_client().order.query(out_trade_no=out_trade_no)


def refund_apply(
    *, out_trade_no: str, out_refund_no: str, total: int, amount: int, reason: str
) -> str:
    """Ask WeChat to refund; returns WeChat's refund id (the sandbox answers at once)."""
    if is_sandbox():
        return f"sandbox-refund-{secrets.token_hex(8)}"
    refunds_check_configured()
    result = pay_client().refund.apply(
        total_fee=total,
        refund_fee=amount,
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        refund_desc=reason[:80],
    )
    return result.get("refund_id", "")


def signed_notification(fields: dict) -> bytes:
    """A payment-result notification signed as WeChat Pay signs it (used by the sandbox pay page
    and by tests)."""
    data = {k: v for k, v in fields.items() if v is not None}
    return dict_to_xml(data, calculate_signature(data, api_key())).encode("utf-8")


def sandbox_notification(
    *, out_trade_no: str, amount: int, transaction_id: str, openid: str = "sandbox-openid"
) -> bytes:
    return signed_notification(
        {
            "appid": settings.WECHAT_APP_ID or DEMO_APP_ID,
            "mch_id": settings.WECHAT_PAY_MCH_ID or DEMO_MCH_ID,
            "nonce_str": secrets.token_hex(16),
            "result_code": "SUCCESS",
            "return_code": "SUCCESS",
            "openid": openid,
            "trade_type": "JSAPI",
            "bank_type": "OTHERS",
            "total_fee": amount,
            "cash_fee": amount,
            "fee_type": "CNY",
            "transaction_id": transaction_id,
            "out_trade_no": out_trade_no,
            "time_end": timezone.localtime().strftime("%Y%m%d%H%M%S"),
        }
    )


def parse_notification(body: bytes) -> dict:
    """Parse and verify a payment-result notification; returns its fields (sign removed).

    Raises NotificationMalformed when the body is not WeChat Pay's XML, and wechatpy's
    InvalidSignatureException when the signature does not verify, or when there is no key to
    verify with (payments not configured): neither says anything trustworthy. Values are left as
    WeChat sent them (text, or a dict/list for a nested or repeated element); the caller checks
    the fields it uses.
    """
    try:
        data = wechat_xml_parse(body, max_bytes=MAX_NOTIFICATION_BYTES)
    except WeChatXmlRejected as error:
        raise NotificationMalformed(str(error)) from error
    try:
        key = api_key()
    except PaymentNotConfigured as error:
        raise InvalidSignatureException() from error
    sign = data.pop("sign", None)
    expected = calculate_signature(data, key)
    if not isinstance(sign, str) or not hmac.compare_digest(sign.encode(), expected.encode()):
        raise InvalidSignatureException()
    return data
