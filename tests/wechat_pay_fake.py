"""WeChat Pay API v2 on the fake WeChat server (tests/wechat_fake.py): XML bodies, MD5 signatures
checked and made with wechatpy's own code, trades and refunds kept in memory.

    pay = WeChatPayFake.install(fake, api_key=..., mch_id=..., app_id=...)

serves under `fake.pay_base_url`:
    POST pay/unifiedorder     a JSAPI trade → prepay_id (same out_trade_no twice: same prepay)
    POST pay/orderquery       trade_state NOTPAY / SUCCESS / CLOSED with transaction_id, total_fee
    POST pay/closeorder       an unpaid trade becomes CLOSED
    POST secapi/pay/refund    a refund of a paid trade (refund_fee within what is left) → refund_id
    POST pay/refundquery      refund_status_0 SUCCESS
and `pay.shopper_pays(out_trade_no)` does what the shopper's payment does at WeChat: the trade
becomes SUCCESS and the signed notification WeChat would POST to our notify URL is returned.
Requests with a wrong signature, mch_id or appid answer FAIL like WeChat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import xmltodict
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from tests.wechat_fake import FakeRequest, FakeResponse, WeChatFake


@dataclass
class Trade:
    out_trade_no: str
    total_fee: int
    openid: str
    prepay_id: str
    notify_url: str
    state: str = "NOTPAY"
    transaction_id: str = ""
    refunded: int = 0


@dataclass
class WeChatPayFake:
    api_key: str
    mch_id: str
    app_id: str
    trades: dict[str, Trade] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def install(cls, fake: WeChatFake, *, api_key: str, mch_id: str, app_id: str):
        pay = cls(api_key=api_key, mch_id=mch_id, app_id=app_id)
        for path, handler in (
            ("pay/unifiedorder", pay._unified_order),
            ("pay/orderquery", pay._order_query),
            ("pay/closeorder", pay._close_order),
            ("secapi/pay/refund", pay._refund),
            ("pay/refundquery", pay._refund_query),
        ):
            fake.add_route("POST", f"/pay/{path}", pay._checked(handler))
        return pay

    # --- what WeChat does on its side --------------------------------------------------------

    def shopper_pays(self, out_trade_no: str) -> bytes:
        """The shopper paid: the trade succeeds; returns WeChat's signed notification."""
        trade = self.trades[out_trade_no]
        trade.state = "SUCCESS"
        trade.transaction_id = f"4200{secrets.randbelow(10**24):024d}"
        return self._signed_xml(
            {
                "return_code": "SUCCESS",
                "result_code": "SUCCESS",
                "appid": self.app_id,
                "mch_id": self.mch_id,
                "nonce_str": secrets.token_hex(16),
                "openid": trade.openid,
                "trade_type": "JSAPI",
                "bank_type": "CMB_DEBIT",
                "total_fee": trade.total_fee,
                "cash_fee": trade.total_fee,
                "fee_type": "CNY",
                "transaction_id": trade.transaction_id,
                "out_trade_no": out_trade_no,
                "time_end": "20261205120000",
            }
        )

    # --- plumbing ----------------------------------------------------------------------------

    def _signed_xml(self, data: dict) -> bytes:
        data = {key: value for key, value in data.items() if value is not None}
        return dict_to_xml(data, calculate_signature(data, self.api_key)).encode("utf-8")

    def _answer(self, data: dict) -> FakeResponse:
        body = {"return_code": "SUCCESS", "return_msg": "OK", **data}
        body.setdefault("result_code", "SUCCESS")
        body.update(appid=self.app_id, mch_id=self.mch_id, nonce_str=secrets.token_hex(16))
        return FakeResponse(self._signed_xml(body), content_type="text/xml; charset=utf-8")

    def _fail(self, err_code: str, message: str) -> FakeResponse:
        return self._answer({"result_code": "FAIL", "err_code": err_code, "err_code_des": message})

    def _checked(self, handler):
        def serve(request: FakeRequest) -> FakeResponse:
            data = dict(xmltodict.parse(request.body)["xml"])
            sign = data.pop("sign", None)
            if sign != calculate_signature(data, self.api_key):
                return FakeResponse(
                    self._signed_xml({"return_code": "FAIL", "return_msg": "签名错误"}),
                    content_type="text/xml",
                )
            if data.get("mch_id") != self.mch_id or data.get("appid") != self.app_id:
                return self._fail("MCHID_NOT_EXIST", "mch_id or appid mismatch")
            return handler(data)

        return serve

    def _unified_order(self, data: dict) -> FakeResponse:
        if data.get("trade_type") != "JSAPI" or not data.get("openid"):
            return self._fail("PARAM_ERROR", "JSAPI needs openid")
        existing = self.trades.get(data["out_trade_no"])
        if existing is not None:
            if existing.total_fee != int(data["total_fee"]):
                return self._fail("INVALID_REQUEST", "out_trade_no reused with another total_fee")
            return self._answer({"trade_type": "JSAPI", "prepay_id": existing.prepay_id})
        trade = Trade(
            out_trade_no=data["out_trade_no"],
            total_fee=int(data["total_fee"]),
            openid=data["openid"],
            prepay_id=f"wx{secrets.token_hex(14)}",
            notify_url=data["notify_url"],
        )
        self.trades[trade.out_trade_no] = trade
        return self._answer({"trade_type": "JSAPI", "prepay_id": trade.prepay_id})

    def _order_query(self, data: dict) -> FakeResponse:
        trade = self.trades.get(data.get("out_trade_no", ""))
        if trade is None:
            return self._fail("ORDERNOTEXIST", "no such trade")
        return self._answer(
            {
                "trade_state": trade.state,
                "out_trade_no": trade.out_trade_no,
                "total_fee": trade.total_fee,
                "transaction_id": trade.transaction_id or None,
                "openid": trade.openid,
            }
        )

    def _close_order(self, data: dict) -> FakeResponse:
        trade = self.trades.get(data.get("out_trade_no", ""))
        if trade is None:
            return self._fail("ORDERNOTEXIST", "no such trade")
        if trade.state == "SUCCESS":
            return self._fail("ORDERPAID", "already paid")
        trade.state = "CLOSED"
        return self._answer({})

    def _refund(self, data: dict) -> FakeResponse:
        trade = self.trades.get(data.get("out_trade_no", ""))
        if trade is None or trade.state != "SUCCESS":
            return self._fail("TRADE_STATE_ERROR", "not a paid trade")
        if int(data["total_fee"]) != trade.total_fee:
            return self._fail("PARAM_ERROR", "total_fee differs from the trade's")
        if data["out_refund_no"] in self.refunds:
            return self._answer(self.refunds[data["out_refund_no"]])
        fee = int(data["refund_fee"])
        if fee <= 0 or trade.refunded + fee > trade.total_fee:
            return self._fail("NOTENOUGH", "refund exceeds what is left")
        trade.refunded += fee
        refund = {
            "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.transaction_id,
            "out_refund_no": data["out_refund_no"],
            "refund_id": f"5030{secrets.randbelow(10**24):024d}",
            "refund_fee": fee,
            "total_fee": trade.total_fee,
        }
        self.refunds[data["out_refund_no"]] = refund
        return self._answer(refund)

    def _refund_query(self, data: dict) -> FakeResponse:
        refund = self.refunds.get(data.get("out_refund_no", ""))
        if refund is None:
            return self._fail("REFUNDNOTEXIST", "no such refund")
        return self._answer(
            {
                "out_trade_no": refund["out_trade_no"],
                "refund_count": 1,
                "out_refund_no_0": refund["out_refund_no"],
                "refund_id_0": refund["refund_id"],
                "refund_fee_0": refund["refund_fee"],
                "refund_status_0": "SUCCESS",
            }
        )
