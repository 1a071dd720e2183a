"""Error pages for each audience (handler400/403/404/500 in `o2o.urls`, and the CSRF failure view).

Shoppers get the shopper layout, clerks under /staff/ the back-office layout, API clients under
/api/ the API's JSON shape `{"code": ..., "detail": ...}`, everything else (admin, WeChat
endpoints, health check) a plain page. None of them ever shows a trace or the request's data.
The 500 page is drawn without the request's context processors (the database may be what
failed) and falls back to plain text if even that fails.
"""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
BACKOFFICE_PREFIX = "/staff/"
# Paths that are neither a shopper's nor a clerk's page: a plain page, no layout.
PLAIN_PREFIXES = ("/admin/", "/wechat/", "/healthz", "/i18n/", "/static/", "/media/")

_API_CODES = {400: "invalid", 403: "permission_denied", 404: "not_found", 500: "server_error"}


def audience(path: str) -> str:
    """Whose error page a path gets: "api", "backoffice", "plain" or "shopper"."""
    if path.startswith(API_PREFIX):
        return "api"
    if path.startswith(BACKOFFICE_PREFIX):
        return "backoffice"
    if path.startswith(PLAIN_PREFIXES):
        return "plain"
    return "shopper"


def _texts(status: int) -> tuple[str, str]:
    if status == 400:
        return _("Bad request"), _("We could not read that request. Please check the address.")
    if status == 403:
        return _("Not allowed"), _("You do not have access to this page.")
    if status == 404:
        return _("Page not found"), _("This page does not exist or is no longer available.")
    return _("Something went wrong"), _(
        "Sorry, we could not complete this request. Please try again in a moment."
    )


def error_response(request, status: int, *, detail: str = "", use_request_context: bool = True):
    """The error page (or JSON body) for `status` in the layout of the request's audience."""
    title, message = _texts(status)
    kind = audience(request.path)
    if kind == "api":
        body = {"code": _API_CODES.get(status, "error"), "detail": detail or title}
        return JsonResponse(body, status=status)
    context = {"status": status, "title": title, "message": message, "detail": detail}
    template = loader.get_template(f"errors/{kind}.html")
    if use_request_context:
        return HttpResponse(template.render(context, request), status=status)
    return HttpResponse(template.render(context), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    # A BadRequest's text is our own sentence (the request guard's); other 400s (a suspicious
    # host, a broken upload) may quote the request, so an API client gets the generic title.
    detail = str(exception) if isinstance(exception, BadRequest) else ""
    return error_response(request, 400, detail=detail)


@requires_csrf_token
def permission_denied(request, exception=None):
    return error_response(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    try:
        return error_response(request, 500, use_request_context=False)
    except Exception:  # the error page must not fail in turn: the last resort is plain text
        logger.exception("the 500 page could not be drawn")
        return HttpResponse(
            "500 Server Error", status=500, content_type="text/plain; charset=utf-8"
        )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from a stale or foreign page."""
    title = _("This form has expired")
    message = _("Please go back, reload the page and send the form again.")
    kind = audience(request.path)
    if kind == "api":
        return JsonResponse({"code": "csrf_failed", "detail": title}, status=403)
    template = loader.get_template(f"errors/{kind}.html")
    context = {"status": 403, "title": title, "message": message}
    return HttpResponse(template.render(context, request), status=403)
