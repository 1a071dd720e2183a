"""WeChat edges: the server callback, web sign-in for H5 pages, and the JS-SDK config.

Thin: verify and parse what WeChat or the browser sent, call one service (members.services.
wechat_events) or the client wrapper (o2o.wechat), present the result.
"""

import hmac
import logging
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from members.auth import member_login
from members.binding_links import pending_binding_apply, pending_binding_joined_via
from members.services.wechat_events import member_wechat_sign_in, wechat_event_handle
from o2o import wechat
from o2o.client_ip import client_ip
from o2o.redirects import safe_next_url
from o2o.wechat import CallbackForged, CallbackMalformed, WeChatUnavailable

logger = logging.getLogger(__name__)

OAUTH_SCOPES = ("snsapi_base", "snsapi_userinfo")
# Sign-ins started but not finished, per browser session: {nonce: {"next", "scope"}}. A few are
# kept so two tabs signing in at once both succeed.
OAUTH_PENDING_KEY = "wechat_oauth_pending"
OAUTH_PENDING_MAX = 5
PHONE_LOGIN_URL = "/m/login/"


def _client_address(request) -> str:
    return client_ip(request)


# --- Server messages ---------------------------------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def callback(request):
    """/wechat/callback: WeChat's URL check (GET) and its server messages and events (POST)."""
    query = request.GET
    try:
        if request.method == "GET":
            wechat.echo_verify(
                signature=query.get("signature", ""),
                timestamp=query.get("timestamp", ""),
                nonce=query.get("nonce", ""),
            )
            return HttpResponse(query.get("echostr", ""), content_type="text/plain")
        parsed = wechat.callback_message_parse(body=request.body, query=query)
    except CallbackForged as error:
        logger.warning(
            "WeChat callback refused from %s (%s): %s",
            _client_address(request),
            request.method,
            error,
        )
        return HttpResponseForbidden("bad signature", content_type="text/plain")
    except CallbackMalformed as error:
        logger.warning("WeChat callback malformed from %s: %s", _client_address(request), error)
        return HttpResponse("malformed message", status=400, content_type="text/plain")

    text = wechat_event_handle(message=parsed.message)
    reply = wechat.callback_reply_render(parsed, text)
    content_type = "text/plain" if reply == "success" else "application/xml; charset=utf-8"
    return HttpResponse(reply, content_type=content_type)


# --- Web sign-in (网页授权) ----------------------------------------------------------------------


def _safe_next(request, value: str | None) -> str:
    """Only a path on this site: never another host, a scheme or a protocol-relative URL."""
    return safe_next_url(request, value, default="/")


def _state_mac(nonce: str, pending: dict) -> str:
    value = f"{nonce}|{pending['next']}|{pending['scope']}"
    return salted_hmac("members.wechat.oauth-state", value).hexdigest()[:32]


def _state_issue(request, *, next_url: str, scope: str) -> str:
    """WeChat allows at most 128 bytes of [a-zA-Z0-9] in `state`, so the next page stays in the
    session under a nonce and the state carries the nonce and an HMAC over nonce, next and scope:
    a state from another browser, a replayed one, or a swapped next page does not verify."""
    nonce = secrets.token_hex(16)
    pending = dict(request.session.get(OAUTH_PENDING_KEY) or {})
    pending[nonce] = {"next": next_url, "scope": scope}
    request.session[OAUTH_PENDING_KEY] = dict(list(pending.items())[-OAUTH_PENDING_MAX:])
    return nonce + _state_mac(nonce, pending[nonce])


def _state_verify(request, state: str) -> dict | None:
    """The pending sign-in this state belongs to, used up; None when it does not verify."""
    if len(state) != 64 or not state.isalnum():
        return None
    nonce, mac = state[:32], state[32:]
    pending = dict(request.session.get(OAUTH_PENDING_KEY) or {})
    entry = pending.pop(nonce, None)
    request.session[OAUTH_PENDING_KEY] = pending
    if entry is None or not hmac.compare_digest(mac, _state_mac(nonce, entry)):
        return None
    return entry


def _sign_in_failed(request, *, message: str, status: int, next_url: str = "/"):
    retry_url = f"{reverse('wechat:oauth_start')}?{urlencode({'next': next_url})}"
    return render(
        request,
        "members/wechat_error.html",
        {"message": message, "retry_url": retry_url, "next_url": next_url},
        status=status,
    )


@never_cache
@require_GET
def oauth_start(request):
    """/wechat/oauth/start?next=<path>&scope=snsapi_base|snsapi_userinfo → WeChat's authorize page.

    Without WeChat configured (demo, a browser outside WeChat) the phone login page takes over.
    """
    next_url = _safe_next(request, request.GET.get("next"))
    if not settings.WECHAT_CONFIGURED:
        return redirect(f"{PHONE_LOGIN_URL}?{urlencode({'next': next_url})}")
    scope = request.GET.get("scope")
    scope = scope if scope in OAUTH_SCOPES else "snsapi_base"
    state = _state_issue(request, next_url=next_url, scope=scope)
    # The registered sign-in domain is SITE_URL's, whatever host this request came through.
    redirect_uri = f"{settings.SITE_URL}{reverse('wechat:oauth_callback')}"
    return redirect(wechat.wechat_oauth(redirect_uri, scope=scope, state=state).authorize_url)


@never_cache
@require_GET
def oauth_callback(request):
    """/wechat/oauth/callback?code=&state=: sign the shopper in and go back where she was."""
    if not settings.WECHAT_CONFIGURED:
        return redirect(PHONE_LOGIN_URL)
    pending = _state_verify(request, request.GET.get("state", ""))
    if pending is None:
        logger.warning("WeChat sign-in with a bad state from %s", _client_address(request))
        return _sign_in_failed(
            request, message=_("This sign-in link has expired. Please try again."), status=400
        )
    next_url = _safe_next(request, pending["next"])
    code = request.GET.get("code", "")
    if not code:
        # She declined to share her profile (snsapi_userinfo): WeChat comes back without a code.
        return _sign_in_failed(
            request,
            message=_("WeChat sign-in was cancelled."),
            status=400,
            next_url=next_url,
        )
    try:
        identity = wechat.oauth_identity_fetch(code=code, scope=pending["scope"])
    except WeChatUnavailable:
        return _sign_in_failed(
            request,
            message=_("WeChat could not sign you in just now. Please try again."),
            status=502,
            next_url=next_url,
        )
    member = member_wechat_sign_in(
        openid=identity.openid,
        unionid=identity.unionid,
        nickname=identity.nickname,
        avatar_url=identity.avatar_url,
        joined_via=pending_binding_joined_via(request.session),
    )
    if not member.is_active:
        logger.warning("WeChat sign-in of deactivated member %s refused", member.pk)
        return _sign_in_failed(
            request, message=_("This membership is no longer active."), status=403
        )
    member_login(request, member)
    # A clerk's or store's link opened before signing in binds her now.
    pending_binding_apply(request, member)
    return redirect(next_url)


# --- JS-SDK ------------------------------------------------------------------------------------


def _on_site(url: str) -> bool:
    site, page = urlsplit(settings.SITE_URL), urlsplit(url)
    return page.scheme in ("http", "https") and (page.scheme, page.netloc) == (
        site.scheme,
        site.netloc,
    )


@never_cache
@require_GET
def jssdk_config(request):
    """/wechat/jssdk/config?url=<page url> → the `wx.config` parameters for that page."""
    if not settings.WECHAT_CONFIGURED:
        return JsonResponse(
            {"code": "wechat_not_configured", "detail": _("WeChat is not configured.")},
            status=404,
        )
    url = request.GET.get("url", "")
    if not _on_site(url):
        return JsonResponse(
            {"code": "invalid_url", "detail": _("The url must be a page of this site.")},
            status=400,
        )
    try:
        return JsonResponse(wechat.jsapi_config(url))
    except WeChatUnavailable as error:
        return JsonResponse({"code": error.code, "detail": str(error)}, status=502)
