"""A fake WeChat server on 127.0.0.1 speaking the Official Account JSON protocol.

Real HTTP (a ThreadingHTTPServer in a thread), so wechatpy's own request, error and retry code
runs exactly as against api.weixin.qq.com. Point the WECHAT_*_BASE_URL settings at
`api_base_url`, `oauth_base_url` and `pay_base_url` (the `wechat_fake` fixture does).

Built in:
    GET  /cgi-bin/token                  access token for the configured appid/secret
    GET  /cgi-bin/ticket/getticket       JS-SDK ticket
    POST /cgi-bin/message/template/send  template message → msgid
    POST /cgi-bin/qrcode/create          QR ticket and url
    GET  /sns/oauth2/access_token        web sign-in: code → openid (codes are single use)
    GET  /sns/userinfo                   nickname / headimgurl (snsapi_userinfo only)
    GET  /connect/oauth2/authorize       what a shopper's "allow" does: 302 back with a code

`fake.slow(30)` makes every answer 30 s late (the chaos tests' slow WeChat).

Extending (e.g. WeChat Pay's XML endpoints under /pay/): `fake.add_route("POST", "/pay/pay/
unifiedorder", handler)`; the handler gets a `FakeRequest` and returns a dict (JSON), or a
`FakeResponse` for XML, another status or headers. Every request is recorded in `fake.requests`.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict | None:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class FakeResponse:
    body: bytes | str | dict = b""
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body, ensure_ascii=False).encode("utf-8")
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return self.body


@dataclass
class OAuthUser:
    openid: str
    unionid: str = ""
    nickname: str = ""
    headimgurl: str = ""


Handler = Callable[[FakeRequest], "dict | FakeResponse"]


def error(errcode: int, errmsg: str) -> dict:
    return {"errcode": errcode, "errmsg": errmsg}


class WeChatFake:
    def __init__(self, *, app_id: str, secret: str):
        self.app_id = app_id
        self.secret = secret
        self.requests: list[FakeRequest] = []
        self._routes: dict[tuple[str, str], Handler] = {}
        self._failures: dict[tuple[str, str], list[dict | FakeResponse]] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self.access_tokens: set[str] = set()
        self.jsapi_tickets: list[str] = []
        self.qr_tickets: dict[str, dict] = {}
        # code → (user, scope); codes are removed when used, as WeChat's are.
        self._codes: dict[str, tuple[OAuthUser, str]] = {}
        self._sns_tokens: dict[str, tuple[OAuthUser, str]] = {}
        # Who "taps allow" on the authorize page.
        self.authorizing_user: OAuthUser | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # A slow WeChat (`slow(seconds)`): every answer waits this long; stop() cuts the wait.
        self.delay_seconds = 0.0
        self._stopping = threading.Event()
        self._install_builtin_routes()

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> WeChatFake:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format, *args):  # noqa: A002 — keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def slow(self, seconds: float) -> None:
        """Answer every request `seconds` late (0: at once again), as a struggling WeChat does."""
        self.delay_seconds = seconds

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}cgi-bin/"

    @property
    def oauth_base_url(self) -> str:
        return f"{self.base_url}connect/"

    @property
    def pay_base_url(self) -> str:
        return f"{self.base_url}pay/"

    # --- extension and assertions --------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `method path` with `handler` (replaces a built-in route of the same name)."""
        self._routes[(method.upper(), path)] = handler

    def fail_next(self, method: str, path: str, response: dict | FakeResponse, times: int = 1):
        """Answer the next `times` calls of a route with `response` (e.g. error(-1, "busy"))."""
        with self._lock:
            self._failures.setdefault((method.upper(), path), []).extend([response] * times)

    def calls(self, path: str, method: str | None = None) -> list[FakeRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == path and (method is None or r.method == method.upper())
            ]

    def register_code(
        self,
        openid: str,
        *,
        code: str | None = None,
        scope: str = "snsapi_base",
        unionid: str = "",
        nickname: str = "",
        headimgurl: str = "",
    ) -> str:
        """Issue a sign-in code for a shopper, as WeChat does when she opens the authorize page."""
        code = code or f"code-{secrets.token_hex(8)}"
        user = OAuthUser(openid=openid, unionid=unionid, nickname=nickname, headimgurl=headimgurl)
        with self._lock:
            self._codes[code] = (user, scope)
        return code

    def sent_templates(self) -> list[dict]:
        return [r.json for r in self.calls("/cgi-bin/message/template/send", "POST")]

    # --- plumbing ------------------------------------------------------------------------------

    def _next(self) -> int:
        return next(self._counter)

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = FakeRequest(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            body=body,
            headers={k.lower(): v for k, v in handler.headers.items()},
        )
        key = (request.method, request.path)
        with self._lock:
            self.requests.append(request)
            queued = self._failures.get(key)
            failure = queued.pop(0) if queued else None
        if failure is not None:
            result = failure
        elif key in self._routes:
            try:
                result = self._routes[key](request)
            except Exception as exc:  # a broken handler must show up in the test, not hang it
                result = FakeResponse(f"fake handler error: {exc!r}", 500, "text/plain")
        else:
            result = FakeResponse(error(404, f"no fake route for {request.method} {request.path}"))
            result.status = 404
        response = result if isinstance(result, FakeResponse) else FakeResponse(result)
        if self.delay_seconds and self._stopping.wait(self.delay_seconds):
            return  # stopped while waiting: the caller has long given up
        payload = response.encoded()
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _token_ok(self, request: FakeRequest) -> bool:
        return request.query.get("access_token") in self.access_tokens

    # --- built-in WeChat endpoints -------------------------------------------------------------

    def _install_builtin_routes(self) -> None:
        self.add_route("GET", "/cgi-bin/token", self._token)
        self.add_route("GET", "/cgi-bin/ticket/getticket", self._getticket)
        self.add_route("POST", "/cgi-bin/message/template/send", self._template_send)
        self.add_route("POST", "/cgi-bin/qrcode/create", self._qrcode_create)
        self.add_route("GET", "/sns/oauth2/access_token", self._sns_access_token)
        self.add_route("GET", "/sns/userinfo", self._sns_userinfo)
        self.add_route("GET", "/connect/oauth2/authorize", self._authorize)

    def _token(self, request):
        q = request.query
        if q.get("grant_type") != "client_credential":
            return error(40002, "invalid grant_type")
        if q.get("appid") != self.app_id:
            return error(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return error(40125, "invalid appsecret")
        token = f"ACCESS_TOKEN_{self._next()}_{secrets.token_hex(4)}"
        with self._lock:
            self.access_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _getticket(self, request):
        if not self._token_ok(request):
            return error(40001, "invalid credential, access_token is invalid or not latest")
        if request.query.get("type") != "jsapi":
            return error(40097, "invalid args")
        ticket = f"jsapi-ticket-{self._next()}-{secrets.token_hex(6)}"
        with self._lock:
            self.jsapi_tickets.append(ticket)
        return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200}

    def _template_send(self, request):
        if not self._token_ok(request):
            return error(40001, "invalid credential, access_token is invalid or not latest")
        data = request.json
        if not data or not data.get("touser"):
            return error(40003, "invalid openid")
        if not data.get("template_id"):
            return error(40037, "invalid template_id")
        return {"errcode": 0, "errmsg": "ok", "msgid": 200000 + self._next()}

    def _qrcode_create(self, request):
        if not self._token_ok(request):
            return error(40001, "invalid credential, access_token is invalid or not latest")
        data = request.json or {}
        if data.get("action_name") not in (
            "QR_SCENE",
            "QR_STR_SCENE",
            "QR_LIMIT_SCENE",
            "QR_LIMIT_STR_SCENE",
        ):
            return error(40097, "invalid args")
        ticket = f"gQH-{self._next()}-{secrets.token_hex(8)}"
        answer = {"ticket": ticket, "url": f"http://weixin.qq.com/q/{secrets.token_hex(8)}"}
        if "expire_seconds" in data:
            answer["expire_seconds"] = data["expire_seconds"]
        with self._lock:
            self.qr_tickets[ticket] = data
        return answer

    def _sns_access_token(self, request):
        q = request.query
        if q.get("appid") != self.app_id:
            return error(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return error(40125, "invalid appsecret")
        if q.get("grant_type") != "authorization_code":
            return error(40002, "invalid grant_type")
        with self._lock:
            issued = self._codes.pop(q.get("code", ""), None)
        if issued is None:
            return error(40029, "invalid code")
        user, scope = issued
        token = f"SNS_TOKEN_{self._next()}_{secrets.token_hex(4)}"
        with self._lock:
            self._sns_tokens[token] = issued
        answer = {
            "access_token": token,
            "expires_in": 7200,
            "refresh_token": f"REFRESH_{secrets.token_hex(4)}",
            "openid": user.openid,
            "scope": scope,
        }
        if user.unionid:
            answer["unionid"] = user.unionid
        return answer

    def _sns_userinfo(self, request):
        with self._lock:
            issued = self._sns_tokens.get(request.query.get("access_token", ""))
        if issued is None:
            return error(40001, "invalid credential")
        user, scope = issued
        if request.query.get("openid") != user.openid:
            return error(40003, "invalid openid")
        if scope != "snsapi_userinfo":
            return error(48001, "api unauthorized")
        answer = {
            "openid": user.openid,
            "nickname": user.nickname,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": user.headimgurl,
            "privilege": [],
        }
        if user.unionid:
            answer["unionid"] = user.unionid
        return answer

    def _authorize(self, request):
        q = request.query
        if q.get("appid") != self.app_id or q.get("response_type") != "code":
            return FakeResponse("invalid authorize request", 400, "text/plain")
        user = self.authorizing_user or OAuthUser(openid=f"o-fake-{secrets.token_hex(6)}")
        code = self.register_code(
            user.openid,
            scope=q.get("scope", "snsapi_base"),
            unionid=user.unionid,
            nickname=user.nickname,
            headimgurl=user.headimgurl,
        )
        target = urlsplit(q.get("redirect_uri", ""))
        query = urlencode([*parse_qsl(target.query), ("code", code), ("state", q.get("state", ""))])
        location = urlunsplit((target.scheme, target.netloc, target.path, query, ""))
        return FakeResponse(b"", 302, "text/plain", {"Location": location})
