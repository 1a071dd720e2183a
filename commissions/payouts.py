"""Payout backends: how an approved withdrawal's money reaches the payee.

Pluggable (`COMMISSION_PAYOUT_BACKEND`, a dotted path): by default the sandbox while the WeChat
Pay sandbox is on, else WeChat Pay's merchant transfer to the payee's balance (商家转账到零钱,
API v3). Both behave alike, so the sandbox exercises the production states:

- a transfer is sent once per `out_bill_no` (WeChat refuses a second transfer with the same
  number, so a retried payout cannot pay twice);
- WeChat then waits for the payee to accept it in WeChat (`WAIT_USER_CONFIRM`, with a
  `package_info` her page hands to WeChat's JS-SDK); accepted, it is `SUCCESS`; not accepted in
  time (24 h), `FAIL`;
- a transfer of ¥2,000 or more needs the payee's real name, sent encrypted; without it WeChat
  refuses the transfer.

Nothing here may be called while database rows are locked: these are calls to the outside.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from o2o.errors import DomainError
from o2o.expiring import expiring_get, expiring_set
from o2o.outgoing import outgoing_session

# WeChat's rule: from this amount (fen) on, a transfer must name the payee.
REAL_NAME_THRESHOLD = 200_000

SUCCESS = "SUCCESS"
WAIT_USER_CONFIRM = "WAIT_USER_CONFIRM"
PROCESSING = "PROCESSING"
FAIL = "FAIL"


class PayoutNotConfigured(DomainError):
    """Payouts are not configured: no merchant transfer keys and the sandbox is off."""

    code = "payout_not_configured"
    http_status = 503

    def __init__(self, message: str = ""):
        super().__init__(message or str(_("Payouts are not configured.")))


class PayoutUnavailable(Exception):
    """WeChat could not be reached or answered something unreadable: the outcome is unknown,
    ask again (same transfer number) later."""


@dataclass(frozen=True)
class TransferResult:
    state: str  # SUCCESS, WAIT_USER_CONFIRM, PROCESSING or FAIL
    transfer_id: str = ""
    package_info: str = ""
    fail_reason: str = ""


class SandboxPayoutBackend:
    """No money moves; the transfer's state is kept as WeChat would keep it, in PostgreSQL
    (`o2o.expiring`: a Redis outage must not forget a transfer and let it be made twice)."""

    name = "sandbox"
    needs_openid = False
    TTL = 30 * 24 * 3600

    def _key(self, out_bill_no: str) -> str:
        return f"payout-sandbox:{out_bill_no}"

    def transfer(
        self, *, out_bill_no: str, openid: str, amount: int, real_name: str, remark: str
    ) -> TransferResult:
        known = expiring_get(self._key(out_bill_no))
        if known:
            return TransferResult(**known)
        if amount >= REAL_NAME_THRESHOLD and not real_name:
            result = TransferResult(FAIL, fail_reason="NAME_REQUIRED")
        else:
            result = TransferResult(
                WAIT_USER_CONFIRM,
                transfer_id=f"SBXT{out_bill_no}",
                package_info=f"sandbox-package-{secrets.token_hex(8)}",
            )
        expiring_set(self._key(out_bill_no), result.__dict__, ttl=self.TTL)
        return result

    def query(self, *, out_bill_no: str) -> TransferResult:
        known = expiring_get(self._key(out_bill_no))
        if not known:
            raise PayoutUnavailable(f"unknown sandbox transfer {out_bill_no}")
        return TransferResult(**known)

    def sandbox_accept(self, *, out_bill_no: str) -> None:
        """What the payee's tap on "accept" in WeChat does, in the sandbox."""
        known = expiring_get(self._key(out_bill_no))
        if known and known["state"] == WAIT_USER_CONFIRM:
            known["state"] = SUCCESS
            expiring_set(self._key(out_bill_no), known, ttl=self.TTL)


class WeChatTransferBackend:
    """WeChat Pay API v3 merchant transfer (发起转账 / 查询转账单), signed with the merchant's
    RSA key; WeChat's answers are verified with WeChat Pay's public key; the real name is
    encrypted with it (RSA-OAEP)."""

    name = "wechat"
    needs_openid = True
    TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"
    QUERY_PATH = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}"

    def __init__(self):
        missing = [
            name
            for name in (
                "WECHAT_APP_ID",
                "WECHAT_PAY_MCH_ID",
                "WECHAT_PAY_PRIVATE_KEY",
                "WECHAT_PAY_CERT_SERIAL",
                "WECHAT_PAY_PUBLIC_KEY",
                "WECHAT_PAY_PUBLIC_KEY_ID",
            )
            if not getattr(settings, name, "")
        ]
        if missing:
            raise PayoutNotConfigured(f"payouts need {', '.join(missing)}")
        self.private_key = serialization.load_pem_private_key(
            settings.WECHAT_PAY_PRIVATE_KEY.encode(), password=None
        )
        self.public_key = serialization.load_pem_public_key(settings.WECHAT_PAY_PUBLIC_KEY.encode())

    def _authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode()
        signature = base64.b64encode(
            self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{settings.WECHAT_PAY_MCH_ID}",'
            f'nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{settings.WECHAT_PAY_CERT_SERIAL}"'
        )

    def _verified(self, response: requests.Response) -> dict:
        headers = response.headers
        message = (
            f"{headers.get('Wechatpay-Timestamp', '')}\n{headers.get('Wechatpay-Nonce', '')}\n"
            f"{response.text}\n"
        ).encode()
        try:
            self.public_key.verify(
                base64.b64decode(headers.get("Wechatpay-Signature", "")),
                message,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            return response.json()
        except (InvalidSignature, ValueError) as error:  # a bad signature, base64 or JSON
            raise PayoutUnavailable(f"unverifiable WeChat answer: {error!r}") from error

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
        headers = {
            "Authorization": self._authorization(method, path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Wechatpay-Serial": settings.WECHAT_PAY_PUBLIC_KEY_ID,
        }
        try:
            # The settings' timeouts and WeChat Pay's breaker (o2o.outgoing).
            response = outgoing_session("wechat-pay").request(
                method,
                urljoin(settings.WECHAT_PAY_BASE_URL, path.lstrip("/")),
                data=body.encode() if body else None,
                headers=headers,
            )
        except requests.RequestException as error:
            raise PayoutUnavailable(str(error)) from error
        data = self._verified(response)
        if response.status_code >= 500:
            raise PayoutUnavailable(f"WeChat {response.status_code}: {data}")
        if response.status_code >= 400:
            # A refusal (no real name, limits, unknown openid): the transfer did not happen.
            return {"state": FAIL, "fail_reason": str(data.get("code", response.status_code))}
        return data

    def _encrypt(self, text: str) -> str:
        encrypted = self.public_key.encrypt(
            text.encode(),
            padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),  # noqa: S303 - WeChat's required scheme
        )
        return base64.b64encode(encrypted).decode()

    @staticmethod
    def _result(data: dict) -> TransferResult:
        state = data.get("state", PROCESSING)
        if state not in {SUCCESS, WAIT_USER_CONFIRM, FAIL}:
            state = PROCESSING  # ACCEPTED, PROCESSING, TRANSFERING, CANCELING: not final yet
        if data.get("state") == "CANCELLED":
            state = FAIL
        return TransferResult(
            state=state,
            transfer_id=str(data.get("transfer_bill_no", "")),
            package_info=str(data.get("package_info", "")),
            fail_reason=str(data.get("fail_reason", "")),
        )

    def transfer(
        self, *, out_bill_no: str, openid: str, amount: int, real_name: str, remark: str
    ) -> TransferResult:
        payload = {
            "appid": settings.WECHAT_APP_ID,
            "out_bill_no": out_bill_no,
            "transfer_scene_id": "1000",
            "openid": openid,
            "transfer_amount": amount,
            "transfer_remark": remark[:32],
            "transfer_scene_report_infos": [
                {"info_type": "活动名称", "info_content": "分享佣金"},
                {"info_type": "奖励说明", "info_content": "分享商品成交佣金"},
            ],
        }
        if amount >= REAL_NAME_THRESHOLD and real_name:
            payload["user_name"] = self._encrypt(real_name)
        return self._result(self._call("POST", self.TRANSFER_PATH, payload))

    def query(self, *, out_bill_no: str) -> TransferResult:
        return self._result(
            self._call("GET", self.QUERY_PATH.format(out_bill_no=out_bill_no), None)
        )


def payout_backend():
    """The configured backend (fails closed: PayoutNotConfigured without keys or sandbox)."""
    path = getattr(settings, "COMMISSION_PAYOUT_BACKEND", "")
    if path:
        return import_string(path)()
    if settings.WECHAT_PAY_SANDBOX:
        return SandboxPayoutBackend()
    return WeChatTransferBackend()
