"""The WeChat Pay transfer backend against a fake WeChat Pay speaking API v3: requests signed
with the merchant key, answers verified with WeChat Pay's public key, the real name encrypted."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from commissions import payouts
from tests.wechat_fake import FakeResponse, WeChatFake


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


MERCHANT_KEY = _key()  # ours: signs requests
PLATFORM_KEY = _key()  # WeChat Pay's: signs answers, decrypts real names


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_public(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def configure(settings, base_url="https://api.mch.weixin.qq.com/"):
    settings.WECHAT_APP_ID = "wx-test-app"
    settings.WECHAT_PAY_MCH_ID = "1900000109"
    settings.WECHAT_PAY_PRIVATE_KEY = _pem_private(MERCHANT_KEY)
    settings.WECHAT_PAY_CERT_SERIAL = "MERCHANT-SERIAL"
    settings.WECHAT_PAY_PUBLIC_KEY = _pem_public(PLATFORM_KEY)
    settings.WECHAT_PAY_PUBLIC_KEY_ID = "PUB_KEY_ID_0001"
    settings.WECHAT_PAY_BASE_URL = base_url


class KeyedWeChatBackend(payouts.WeChatTransferBackend):
    """The real backend with test keys, whatever the settings say."""

    def __init__(self):
        self.private_key = MERCHANT_KEY
        self.public_key = PLATFORM_KEY.public_key()


def _signed(body: dict, *, status=200, key=PLATFORM_KEY) -> FakeResponse:
    text = json.dumps(body)
    message = f"1700000000\nnonce-1\n{text}\n".encode()
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    return FakeResponse(
        text,
        status,
        headers={
            "Wechatpay-Timestamp": "1700000000",
            "Wechatpay-Nonce": "nonce-1",
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": "PUB_KEY_ID_0001",
        },
    )


def _verify_merchant_signature(request) -> dict:
    """What WeChat Pay checks: the Authorization header signs method, path, time, nonce, body."""
    header = request.headers["authorization"]
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = dict(part.split("=", 1) for part in header.split(" ", 1)[1].split(","))
    fields = {name: value.strip('"') for name, value in fields.items()}
    assert fields["mchid"] == "1900000109" and fields["serial_no"] == "MERCHANT-SERIAL"
    message = (
        f"{request.method}\n{request.path}\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        f"{request.text}\n"
    ).encode()
    MERCHANT_KEY.public_key().verify(
        base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    return request.json or {}


@pytest.fixture
def fake_pay(settings):
    fake = WeChatFake(app_id="wx-test-app", secret="s").start()
    configure(settings, base_url=fake.base_url)
    yield fake
    fake.stop()


def test_a_transfer_is_signed_names_the_payee_encrypted_and_waits_for_her(fake_pay):
    seen = {}

    def transfer(request):
        seen.update(_verify_merchant_signature(request))
        seen["serial"] = request.headers["wechatpay-serial"]
        return _signed(
            {
                "out_bill_no": seen["out_bill_no"],
                "transfer_bill_no": "1330000071100999991182020050700019480001",
                "state": "WAIT_USER_CONFIRM",
                "package_info": "affffddafdfafddffda==",
            }
        )

    fake_pay.add_route("POST", payouts.WeChatTransferBackend.TRANSFER_PATH, transfer)

    result = payouts.WeChatTransferBackend().transfer(
        out_bill_no="CW2025BILL1", openid="o-payee", amount=250_000, real_name="李雷", remark="佣金"
    )

    assert result == payouts.TransferResult(
        payouts.WAIT_USER_CONFIRM,
        transfer_id="1330000071100999991182020050700019480001",
        package_info="affffddafdfafddffda==",
    )
    assert (seen["openid"], seen["transfer_amount"], seen["appid"]) == (
        "o-payee",
        250_000,
        "wx-test-app",
    )
    assert seen["serial"] == "PUB_KEY_ID_0001"
    name = PLATFORM_KEY.decrypt(
        base64.b64decode(seen["user_name"]),
        padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
    )
    assert name.decode() == "李雷"


def test_a_small_transfer_sends_no_name_and_the_query_reads_the_outcome(fake_pay):
    bodies = []

    def transfer(request):
        bodies.append(_verify_merchant_signature(request))
        return _signed({"out_bill_no": "CW2", "state": "ACCEPTED"})

    fake_pay.add_route("POST", payouts.WeChatTransferBackend.TRANSFER_PATH, transfer)
    query_path = payouts.WeChatTransferBackend.QUERY_PATH.format(out_bill_no="CW2")
    fake_pay.add_route("GET", query_path, lambda request: _signed({"state": "SUCCESS"}))
    backend = payouts.WeChatTransferBackend()

    assert (
        backend.transfer(
            out_bill_no="CW2", openid="o", amount=500, real_name="李雷", remark=""
        ).state
        == payouts.PROCESSING
    )
    assert "user_name" not in bodies[0]
    assert backend.query(out_bill_no="CW2").state == payouts.SUCCESS


def test_a_refusal_is_a_failed_transfer(fake_pay):
    fake_pay.add_route(
        "POST",
        payouts.WeChatTransferBackend.TRANSFER_PATH,
        lambda request: _signed(
            {"code": "NAME_NOT_CORRECT", "message": "姓名校验出错"}, status=400
        ),
    )

    result = payouts.WeChatTransferBackend().transfer(
        out_bill_no="CW3", openid="o", amount=300_000, real_name="韩梅梅", remark=""
    )

    assert (result.state, result.fail_reason) == (payouts.FAIL, "NAME_NOT_CORRECT")


def test_an_answer_not_signed_by_wechat_pay_is_not_believed(fake_pay):
    fake_pay.add_route(
        "POST",
        payouts.WeChatTransferBackend.TRANSFER_PATH,
        lambda request: _signed({"state": "SUCCESS"}, key=MERCHANT_KEY),  # forged
    )

    with pytest.raises(payouts.PayoutUnavailable, match="unverifiable"):
        payouts.WeChatTransferBackend().transfer(
            out_bill_no="CW4", openid="o", amount=500, real_name="", remark=""
        )


def test_without_keys_and_without_the_sandbox_payouts_fail_closed(settings):
    settings.WECHAT_PAY_SANDBOX = False
    settings.COMMISSION_PAYOUT_BACKEND = ""
    settings.WECHAT_PAY_PRIVATE_KEY = ""

    with pytest.raises(payouts.PayoutNotConfigured, match="WECHAT_PAY_PRIVATE_KEY"):
        payouts.payout_backend()
    settings.WECHAT_PAY_SANDBOX = True
    assert isinstance(payouts.payout_backend(), payouts.SandboxPayoutBackend)
