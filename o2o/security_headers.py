"""Content-Security-Policy on every response, from the CONTENT_SECURITY_POLICY setting.

Pages load only our own (vendored) scripts and styles: no inline <script>, <style>, style="" or
on*="" handlers anywhere in the templates (behaviour lives in static/js, looks in static/css;
JSON data for scripts goes through `json_script`, which a browser never executes). Images come
from this site and data: URIs (QR codes are drawn as data URIs). A view that needs one more
source, as the WeChat pay page needs WeChat's JS-SDK, says so with `csp_allow`; no other page
gets it.

Django's SecurityMiddleware sends Referrer-Policy (SECURE_REFERRER_POLICY).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings

HEADER = "Content-Security-Policy"


def csp_allow(**sources: list[str]):
    """Add sources to directives for one view's responses: `@csp_allow(script_src=[...])`."""
    extra = {name.replace("_", "-"): list(values) for name, values in sources.items()}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.csp_extra = extra
            return response

        return wrapped

    return decorator


def policy_header(policy: dict[str, list[str]], extra: dict[str, list[str]] | None = None) -> str:
    directives = {name: list(values) for name, values in policy.items()}
    for name, values in (extra or {}).items():
        directives.setdefault(name, list(policy.get("default-src", [])))
        directives[name] += [value for value in values if value not in directives[name]]
    return "; ".join(" ".join([name, *values]).strip() for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Set Content-Security-Policy unless the response already carries one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and HEADER not in response:
            response[HEADER] = policy_header(policy, getattr(response, "csp_extra", None))
        return response


# WeChat's JS-SDK (jweixin) is served from WeChat's host only; pages that use it
# (templates/includes/wechat_jssdk.html) allow that one source.
WECHAT_JS_SDK_HOST = "https://res.wx.qq.com"
allows_wechat_jssdk = csp_allow(script_src=[WECHAT_JS_SDK_HOST])
