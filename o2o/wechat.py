"""The WeChat Official Account client wrapper (wechatpy 1.8), configured from settings only.

Every WeChat host comes from a setting (DESIGN §2) so tests and the demo can point the whole
integration at a local fake server speaking the same protocol:

- `WECHAT_API_BASE_URL` ("https://api.weixin.qq.com/cgi-bin/") for the server API. The web
  sign-in endpoints (`sns/oauth2/access_token`, `sns/userinfo`) live beside `cgi-bin/` on the same
  host, so their base is this setting with its trailing "cgi-bin/" removed.
- `WECHAT_OAUTH_BASE_URL` ("https://open.weixin.qq.com/connect/") for the authorize page the
  shopper's browser is sent to.

The access token and the JS-SDK ticket are shared by every web process and worker through
PostgreSQL (`ExpiringStorage` on `o2o.expiring`, so a Redis outage does not break them): WeChat
allows 2,000 token fetches a day and a new token invalidates the previous one after five minutes,
so each process fetching its own would soon break the others.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.client.api.qrcode import WeChatQRCode
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import (
    InvalidAppIdException,
    InvalidSignatureException,
    WeChatException,
)
from wechatpy.messages import BaseMessage
from wechatpy.oauth import WeChatOAuth
from wechatpy.parser import parse_message
from wechatpy.replies import TextReply
from wechatpy.session import SessionStorage
from wechatpy.utils import check_signature

from o2o.errors import DomainError
from o2o.expiring import (
    expiring_add,
    expiring_delete,
    expiring_delete_prefix,
    expiring_get,
    expiring_set,
)
from o2o.outgoing import outgoing_session
from o2o.wechat_xml import WeChatXmlRejected, wechat_xml_parse

logger = logging.getLogger(__name__)

JSAPI_LIST = ["getLocation", "openLocation", "scanQRCode", "chooseWXPay"]
CLERK_SCENE_PREFIX = "clerk:"
STORE_SCENE_PREFIX = "store:"
# WeChat posts small XML documents; anything larger is not WeChat.
MAX_CALLBACK_BYTES = 64 * 1024
# A signed callback must be this fresh, and its nonce is used once within the window: in plain
# mode the signature covers only token, timestamp and nonce, so a captured query string would
# otherwise sign any body, forever.
CALLBACK_MAX_AGE_SECONDS = 5 * 60
# openids are 28 characters, account ids (gh_...) 15; the member tables keep 64.
MAX_USER_NAME_LENGTH = 64


class WeChatUnavailable(DomainError):
    """WeChat did not answer or refused the call."""

    code = "wechat_unavailable"
    http_status = 502

    def __init__(self, message: str = "", *, errcode=None, code: str | None = None):
        super().__init__(message, code=code)
        self.errcode = errcode


class WeChatNotConfigured(DomainError):
    """WeChat is not configured (WECHAT_APP_ID / WECHAT_APP_SECRET are empty)."""

    code = "wechat_not_configured"
    http_status = 404


class CallbackForged(DomainError):
    """The server message's signature does not verify."""

    code = "wechat_bad_signature"
    http_status = 403


class CallbackMalformed(DomainError):
    """The server message is not a WeChat XML message."""

    code = "wechat_malformed"
    http_status = 400


# --- HTTP plumbing -----------------------------------------------------------------------------


class _Client(WeChatClient):
    """WeChatClient whose token URL follows `API_BASE_URL`.

    wechatpy 1.8 hard-codes "https://api.weixin.qq.com/cgi-bin/token" in `fetch_access_token`; every
    other call already goes through `API_BASE_URL`.
    """

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class ExpiringStorage(SessionStorage):
    """wechatpy's token/ticket storage on `o2o.expiring` (PostgreSQL), shared by every process.

    Not Redis: with the cache down each process would fetch its own token, and every fetch
    invalidates the others' within minutes (and counts against WeChat's 2,000 a day).
    """

    DEFAULT_TTL = 2 * 60 * 60  # WeChat's tokens and tickets live two hours

    def __init__(self, prefix: str):
        self.prefix = prefix

    def key_name(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key, default=None):
        return expiring_get(self.key_name(key), default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        expiring_set(self.key_name(key), value, ttl=ttl or self.DEFAULT_TTL)

    def delete(self, key):
        expiring_delete(self.key_name(key))


def session_storage() -> ExpiringStorage:
    """wechatpy's token/ticket storage, under the cache's key prefix."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "o2o"
    return ExpiringStorage(prefix=f"{prefix}:wechatpy")


def session_storage_clear(app_id: str | None = None) -> int:
    """Forget the stored access token, JS-SDK ticket and QR tickets of an app (tests, key reset)."""
    storage = session_storage()
    return expiring_delete_prefix(storage.key_name(f"{app_id or settings.WECHAT_APP_ID}_"))


def _sns_base_url() -> str:
    base = settings.WECHAT_API_BASE_URL
    if base.endswith("cgi-bin/"):
        base = base[: -len("cgi-bin/")]
    return base if base.endswith("/") else f"{base}/"


def _require_configured() -> None:
    if not settings.WECHAT_CONFIGURED:
        raise WeChatNotConfigured()


def _unavailable(error: Exception, what: str) -> WeChatUnavailable:
    errcode = getattr(error, "errcode", None)
    logger.warning("WeChat %s failed: %r", what, error)
    return WeChatUnavailable(f"WeChat {what} failed: {error}", errcode=errcode)


# --- The server API ----------------------------------------------------------------------------


def wechat_client() -> WeChatClient:
    """A WeChatClient on the configured app, base URL and the shared token storage."""
    _require_configured()
    client = _Client(
        settings.WECHAT_APP_ID,
        settings.WECHAT_APP_SECRET,
        session=session_storage(),
        # None: the session's timeouts from settings apply (o2o.outgoing).
        timeout=None,
    )
    # An instance attribute, so a test's settings override never leaks into the class.
    client.API_BASE_URL = settings.WECHAT_API_BASE_URL
    # Bounded in time, and cut off while WeChat keeps failing (o2o.outgoing).
    client._http = outgoing_session("wechat")
    return client


def wechat_oauth(redirect_uri: str, scope: str = "snsapi_base", state: str = "") -> WeChatOAuth:
    """WeChat web sign-in (网页授权) for H5 pages opened inside WeChat."""
    _require_configured()
    oauth = WeChatOAuth(
        settings.WECHAT_APP_ID,
        settings.WECHAT_APP_SECRET,
        redirect_uri,
        scope=scope,
        state=state,
    )
    oauth.API_BASE_URL = _sns_base_url()
    oauth.OAUTH_BASE_URL = settings.WECHAT_OAUTH_BASE_URL
    oauth._http = outgoing_session("wechat")
    return oauth


@dataclass(frozen=True)
class WeChatIdentity:
    openid: str
    unionid: str = ""
    nickname: str = ""
    avatar_url: str = ""


def oauth_identity_fetch(*, code: str, scope: str) -> WeChatIdentity:
    """Exchange a sign-in code for the shopper's openid (and, for snsapi_userinfo, her profile)."""
    oauth = wechat_oauth(redirect_uri="", scope=scope)
    try:
        token = oauth.fetch_access_token(code)
        nickname = avatar_url = ""
        unionid = token.get("unionid") or ""
        # The scope actually granted is in the answer; only snsapi_userinfo may read the profile.
        if "snsapi_userinfo" in str(token.get("scope", scope)):
            profile = oauth.get_user_info(
                openid=token["openid"], access_token=token["access_token"]
            )
            nickname = profile.get("nickname") or ""
            avatar_url = profile.get("headimgurl") or ""
            unionid = unionid or profile.get("unionid") or ""
    except (WeChatException, requests.RequestException, KeyError, ValueError) as error:
        raise _unavailable(error, "sign-in") from error
    return WeChatIdentity(
        openid=token["openid"], unionid=unionid, nickname=nickname[:64], avatar_url=avatar_url
    )


def jsapi_config(url: str) -> dict:
    """Parameters for `wx.config` on the page at `url` (its address without the #fragment)."""
    client = wechat_client()
    url = url.split("#", 1)[0]
    try:
        # Cached in Redis through the client's session storage until WeChat's expiry.
        ticket = client.jsapi.get_jsapi_ticket()
    except (WeChatException, requests.RequestException, KeyError, ValueError) as error:
        raise _unavailable(error, "JS-SDK ticket") from error
    nonce = secrets.token_hex(8)
    timestamp = int(time.time())
    return {
        "appId": settings.WECHAT_APP_ID,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url),
        "jsApiList": list(JSAPI_LIST),
    }


def template_message_send(openid: str, template_id: str, data: dict, url: str = "") -> dict:
    """Send a template message (模板消息); returns WeChat's answer (with `msgid`).

    Raises WeChatUnavailable with WeChat's `errcode` so a task can tell a temporary failure from
    one a retry cannot fix (she unsubscribed, the template was removed).
    """
    client = wechat_client()
    try:
        return client.message.send_template(openid, template_id, data, url=url or None)
    except (WeChatException, requests.RequestException, ValueError) as error:
        raise _unavailable(error, "template message") from error


def clerk_qr_ticket(staff) -> dict:
    """A clerk's permanent follow-and-bind QR code: {"ticket", "url", "show_url"}.

    Scanning it sends our callback `subscribe` (new followers, EventKey "qrscene_clerk:<code>") or
    `SCAN` ("clerk:<code>"). Permanent string-scene codes are limited (100,000 per account), so the
    answer is kept in Redis and created once per clerk. `url` is the QR code's content (render it
    with the qrcode library); `show_url` is WeChat's hosted image of it.
    """
    client = wechat_client()
    key = f"{settings.WECHAT_APP_ID}_clerk_qr_{staff.staff_code}"
    cached = client.session.get(key)
    if cached:
        return cached
    try:
        answer = client.qrcode.create(
            {
                "action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": f"{CLERK_SCENE_PREFIX}{staff.staff_code}"}},
            }
        )
    except (WeChatException, requests.RequestException, ValueError) as error:
        raise _unavailable(error, "QR code") from error
    result = {
        "ticket": answer["ticket"],
        "url": answer.get("url", ""),
        "show_url": WeChatQRCode.get_url(answer["ticket"]),
    }
    client.session.set(key, result)
    return result


# --- Server messages (the /wechat/callback endpoint) -------------------------------------------


def _callback_fresh(*, timestamp: str, nonce: str) -> None:
    """Refuse a signed request that is stale, from the future, or whose nonce was already used.

    Called after the signature verified, so only WeChat (or a replay of WeChat) takes a nonce.
    The nonce is remembered atomically (`expiring_add`, in PostgreSQL: a Redis outage must not
    reopen replays) for twice the window, which covers every timestamp still accepted.
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError) as error:
        raise CallbackForged("timestamp is not a number") from error
    if abs(time.time() - sent_at) > CALLBACK_MAX_AGE_SECONDS:
        raise CallbackForged(f"timestamp {sent_at} is more than 5 minutes away")
    if not nonce or len(nonce) > 64:
        raise CallbackForged("missing or overlong nonce")
    digest = hashlib.sha256(f"{sent_at}:{nonce}".encode()).hexdigest()
    if not expiring_add(f"wechat-callback-nonce:{digest}", 1, ttl=2 * CALLBACK_MAX_AGE_SECONDS):
        raise CallbackForged(f"nonce {nonce!r} replayed")


def echo_verify(*, signature: str, timestamp: str, nonce: str) -> None:
    """WeChat's URL check (and every plain-mode message): sha1 of sorted token, timestamp, nonce,
    sent within the last five minutes, its nonce not seen before."""
    if not settings.WECHAT_TOKEN:
        # With an empty token anyone could compute the signature.
        raise CallbackForged("WECHAT_TOKEN is not set")
    try:
        check_signature(settings.WECHAT_TOKEN, signature or "", timestamp or "", nonce or "")
    except InvalidSignatureException as error:
        raise CallbackForged() from error
    _callback_fresh(timestamp=timestamp, nonce=nonce)


@dataclass
class CallbackMessage:
    message: BaseMessage
    crypto: WeChatCrypto | None = None
    timestamp: str = ""
    nonce: str = ""


def callback_message_parse(*, body: bytes, query) -> CallbackMessage:
    """Verify and parse a server message, plain or (safe mode, `encrypt_type=aes`) encrypted.

    Raises CallbackForged for a bad signature or another app's message, CallbackMalformed for
    anything that is not a WeChat XML message.
    """
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    try:
        # The envelope (safe mode) or the message (plain mode), read safely before anyone else.
        wechat_xml_parse(body, max_bytes=MAX_CALLBACK_BYTES)
    except WeChatXmlRejected as error:
        raise CallbackMalformed(str(error)) from error
    crypto = None
    if settings.WECHAT_AES_KEY and query.get("encrypt_type") == "aes":
        if not settings.WECHAT_TOKEN:
            raise CallbackForged("WECHAT_TOKEN is not set")
        try:
            crypto = WeChatCrypto(
                settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APP_ID
            )
        except (ValueError, AssertionError) as error:
            raise CallbackMalformed(
                "WECHAT_AES_KEY is not a 43-character EncodingAESKey"
            ) from error
        try:
            body = crypto.decrypt_message(body, query.get("msg_signature", ""), timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException) as error:
            raise CallbackForged(repr(error)) from error
        except Exception as error:  # expat, base64, padding: all mean "not WeChat's envelope"
            raise CallbackMalformed(repr(error)) from error
        _callback_fresh(timestamp=timestamp, nonce=nonce)
    else:
        echo_verify(signature=query.get("signature", ""), timestamp=timestamp, nonce=nonce)
    try:
        _message_fields_check(wechat_xml_parse(body, max_bytes=MAX_CALLBACK_BYTES))
        # wechatpy reads the document again to build its message classes; it is known safe now.
        message = parse_message(body)
    except (WeChatXmlRejected, KeyError, TypeError, ValueError, AttributeError) as error:
        raise CallbackMalformed(repr(error)) from error
    return CallbackMessage(message=message, crypto=crypto, timestamp=timestamp, nonce=nonce)


def _message_fields_check(data: dict) -> None:
    """The fields our handlers read are plain text of a sane size, so a well-signed but odd
    message is refused here instead of failing half-way through its handling."""
    for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "EventKey"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise CallbackMalformed(f"{name} is not text")
    if not data.get("FromUserName") or not data.get("MsgType"):
        raise CallbackMalformed("empty message")
    for name in ("FromUserName", "ToUserName"):
        if len(data.get(name) or "") > MAX_USER_NAME_LENGTH:
            raise CallbackMalformed(f"{name} is longer than {MAX_USER_NAME_LENGTH} characters")
    create_time = data.get("CreateTime") or ""
    if not (create_time.isascii() and create_time.isdigit() and len(create_time) <= 12):
        raise CallbackMalformed("CreateTime is not a number")


def callback_reply_render(parsed: CallbackMessage, text: str | None) -> str:
    """The passive reply: a text message (encrypted in safe mode), or "success" for no reply."""
    if not text:
        return "success"
    reply = TextReply(message=parsed.message, content=text).render()
    if parsed.crypto is not None:
        return parsed.crypto.encrypt_message(reply, parsed.nonce or secrets.token_hex(8))
    return reply
